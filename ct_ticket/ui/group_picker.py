"""Groups in the account picker: after the accounts, a separator and one item per group
("Group: Apex-all (3)"). A group's item carries its name in its own role, so an account and a
group of the same name never mix, and `select_data` on an account never lands on a group."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from ct_ticket.model.groups import AccountGroup

__all__ = ["GROUP_ROLE", "chosen_group", "group_item_text", "select_group", "show_groups"]

GROUP_ROLE = Qt.ItemDataRole.UserRole + 1


def group_item_text(group: AccountGroup) -> str:
    return f"Group: {group.name} ({len(group.members)})"


def show_groups(picker: QComboBox, groups: Iterable[AccountGroup]) -> None:
    """Append the groups after the accounts already listed (the picker holds no groups yet)."""
    groups = tuple(groups)
    if not groups:
        return
    if picker.count():
        picker.insertSeparator(picker.count())
    for group in groups:
        picker.addItem(group_item_text(group), "")
        picker.setItemData(picker.count() - 1, group.name, GROUP_ROLE)
        picker.setItemData(picker.count() - 1, ", ".join(
            f"{m.account} x{m.multiplier:f}" for m in group.members),
            Qt.ItemDataRole.ToolTipRole)


def chosen_group(picker: QComboBox) -> str:
    """The name of the group chosen in the picker ("" when an account is)."""
    name = picker.currentData(GROUP_ROLE)
    return name if isinstance(name, str) else ""


def select_group(picker: QComboBox, name: str) -> bool:
    """Choose the group called `name`; False when the picker lists none by that name."""
    index = picker.findData(name, GROUP_ROLE)
    if index >= 0:
        picker.setCurrentIndex(index)
    return index >= 0
