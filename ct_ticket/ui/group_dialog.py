"""The account groups dialog (Ticket ▸ Account groups…): create, rename and delete groups, add
and remove members from the known accounts, one multiplier per member.

Edits are made on a draft; Save checks every group (a name, unique; at least one member; each
multiplier read by `parse_multiplier`) and, on a problem, says which group and member and
keeps the dialog open with everything as typed: nothing is lost and nothing half-saved."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ct_ticket.model.groups import AccountGroup, group_from, parse_multiplier
from ct_ticket.ui.widgets import named

__all__ = ["GroupDialog"]


@dataclass
class _Draft:
    name: str
    members: list[tuple[str, str]] = field(default_factory=list)  # account, multiplier as typed
    original: str = ""  # the name it was saved under ("" for a new group)


class GroupDialog(QDialog):
    """Edits a copy of the groups; `groups()` is the result once accepted."""

    def __init__(self, parent: QWidget | None, groups: tuple[AccountGroup, ...],
                 accounts: tuple[str, ...]) -> None:
        super().__init__(parent)
        self.setObjectName("groupDialog")
        self.setWindowTitle("Account groups")
        self.setModal(True)
        self._drafts = [_Draft(g.name, [(m.account, format(m.multiplier, "f"))
                                        for m in g.members], g.name) for g in groups]
        self._current = -1
        self._result: tuple[AccountGroup, ...] = ()

        self.group_list = QListWidget()
        named(self.group_list, "groupList", "Groups")
        self.new_button = QPushButton("New")
        named(self.new_button, "newGroupButton", "New group")
        self.delete_button = QPushButton("Delete")
        named(self.delete_button, "deleteGroupButton", "Delete group")
        left = QVBoxLayout()
        left.addWidget(self.group_list, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.delete_button)
        left.addLayout(row)

        self.name_field = QLineEdit()
        named(self.name_field, "groupNameField", "Group name", "Type to rename the group")
        self.members_table = QTableWidget(0, 2)
        named(self.members_table, "groupMembersTable", "Members",
              "Each member and its multiplier (x1, x2, 0.5): its quantity is the ticket's "
              "quantity times the multiplier, rounded down")
        self.members_table.setHorizontalHeaderLabels(["Account", "Multiplier"])
        self.members_table.verticalHeader().setVisible(False)
        self.members_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        self.account_picker = QComboBox()
        named(self.account_picker, "memberAccountPicker", "Account to add")
        for account in accounts:
            self.account_picker.addItem(account, account)
        self.add_button = QPushButton("Add")
        named(self.add_button, "addMemberButton", "Add member")
        self.remove_button = QPushButton("Remove")
        named(self.remove_button, "removeMemberButton", "Remove member")
        right = QVBoxLayout()
        form = QFormLayout()
        form.addRow("Name", self.name_field)
        right.addLayout(form)
        right.addWidget(self.members_table, 1)
        row = QHBoxLayout()
        row.addWidget(self.account_picker, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        right.addLayout(row)

        self.problem_label = QLabel("")
        named(self.problem_label, "groupProblem", "Problem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setProperty("role", "fieldProblem")
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("Save",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveGroupsButton")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("cancelButton")
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 2)
        outer = QVBoxLayout(self)
        outer.addLayout(columns, 1)
        outer.addWidget(self.problem_label)
        outer.addWidget(self.buttons)
        self.resize(520, 320)

        self.group_list.currentRowChanged.connect(self._show_group)
        self.name_field.textEdited.connect(self._rename)
        self.new_button.clicked.connect(self.new_group)
        self.delete_button.clicked.connect(self.delete_group)
        self.add_button.clicked.connect(self.add_member)
        self.remove_button.clicked.connect(self.remove_member)
        self.members_table.itemChanged.connect(lambda _item: self._check_multipliers())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for draft in self._drafts:
            self.group_list.addItem(draft.name)
        self.group_list.setCurrentRow(0 if self._drafts else -1)
        self._enable()

    # --- the draft ----------------------------------------------------------------------------

    def _keep_table(self) -> None:
        """The members as typed into the current group's draft."""
        if not 0 <= self._current < len(self._drafts):
            return
        table = self.members_table
        members = []
        for row in range(table.rowCount()):
            account, multiplier = table.item(row, 0), table.item(row, 1)
            members.append((account.text() if account else "",
                            multiplier.text() if multiplier else ""))
        self._drafts[self._current].members = members

    def _show_group(self, index: int) -> None:
        """Another group chosen in the list: keep what was typed into the one left."""
        self._keep_table()
        self._current = index
        self._fill()

    def _fill(self) -> None:
        """The current group's name and members from its draft."""
        index, table = self._current, self.members_table
        table.blockSignals(True)  # filling is not the trader typing
        draft = self._drafts[index] if 0 <= index < len(self._drafts) else None
        self.name_field.setText(draft.name if draft else "")
        table.setRowCount(len(draft.members) if draft else 0)
        for row, (account, multiplier) in enumerate(draft.members if draft else []):
            item = QTableWidgetItem(account)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(row, 0, item)
            table.setItem(row, 1, QTableWidgetItem(multiplier))
        table.blockSignals(False)
        self._enable()

    def _rename(self, text: str) -> None:
        if 0 <= self._current < len(self._drafts):
            self._drafts[self._current].name = text
            item = self.group_list.item(self._current)
            if item is not None:
                item.setText(text)

    def _enable(self) -> None:
        chosen = 0 <= self._current < len(self._drafts)
        for widget in (self.name_field, self.members_table, self.account_picker,
                       self.add_button, self.remove_button, self.delete_button):
            widget.setEnabled(chosen)

    def new_group(self) -> None:
        names = {draft.name for draft in self._drafts}
        number = 1
        while f"Group {number}" in names:
            number += 1
        self._keep_table()
        self._drafts.append(_Draft(f"Group {number}"))
        self.group_list.addItem(f"Group {number}")
        self.group_list.setCurrentRow(len(self._drafts) - 1)
        self.name_field.setFocus()
        self.name_field.selectAll()

    def delete_group(self) -> None:
        index = self._current
        if not 0 <= index < len(self._drafts):
            return
        self._current = -1  # the table belongs to the group going away: not kept
        del self._drafts[index]
        self.group_list.takeItem(index)
        self._show_group(self.group_list.currentRow())

    def add_member(self) -> None:
        """Add the picked account at x1 (an account already a member is not added twice)."""
        account = self.account_picker.currentData()
        if not isinstance(account, str) or not 0 <= self._current < len(self._drafts):
            return
        self._keep_table()
        draft = self._drafts[self._current]
        if any(member == account for member, _m in draft.members):
            self.problem_label.setText(f"{account} is already in {draft.name}.")
            return
        draft.members.append((account, "1"))
        self._fill()

    def remove_member(self) -> None:
        row = self.members_table.currentRow()
        if row < 0 or not 0 <= self._current < len(self._drafts):
            return
        self._keep_table()
        del self._drafts[self._current].members[row]
        self._fill()

    # --- checking and the result --------------------------------------------------------------

    def _check_multipliers(self) -> str:
        """Say the first multiplier of the shown group that does not read ("" when all do)."""
        self._keep_table()
        problem = ""
        if 0 <= self._current < len(self._drafts):
            draft = self._drafts[self._current]
            for account, text in draft.members:
                try:
                    parse_multiplier(text)
                except ValueError as error:
                    problem = f"{draft.name}, {account}: {error}."
                    break
        self.problem_label.setText(problem)
        return problem

    def problem(self) -> tuple[int, str] | None:
        """The first problem of any group (its index and the words), None when all is well."""
        self._keep_table()
        seen: set[str] = set()
        for index, draft in enumerate(self._drafts):
            name = draft.name.strip()
            if not name:
                return index, "A group needs a name."
            if name.casefold() in seen:
                return index, f"Two groups are called {name}."
            seen.add(name.casefold())
            if not draft.members:
                return index, f"{name} has no members: add at least one account."
            for account, text in draft.members:
                try:
                    parse_multiplier(text)
                except ValueError as error:
                    return index, f"{name}, {account}: {error} (x1, x2, 0.5 …)."
        return None

    def accept(self) -> None:  # Qt's name: Save
        found = self.problem()
        if found is not None:
            index, words = found
            self.group_list.setCurrentRow(index)
            self.problem_label.setText(words)
            return  # stays open, everything as typed
        self._result = tuple(group_from(d.name.strip(), [(a, parse_multiplier(m))
                                                         for a, m in d.members])
                             for d in self._drafts)
        super().accept()

    def groups(self) -> tuple[AccountGroup, ...]:
        """The groups as saved (empty before Save)."""
        return self._result

    def renamed(self) -> dict[str, str]:
        """Old name → new name of every saved group the trader renamed."""
        return {d.original: d.name.strip() for d in self._drafts
                if d.original and d.original != d.name.strip()}
