"""Account groups kept in the settings: the trader's named groups and the group last chosen.

One key holds every group as JSON (name, then each member's account and multiplier as text),
so a group is saved whole or not at all. A corrupt entry, whatever wrote it, is ignored with a
log line and the others load: a damaged settings file never stops the ticket from opening.
No Qt here: the store is handed anything with QSettings' `value`/`setValue`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from ct_ticket.model.groups import AccountGroup, group_from, parse_multiplier

__all__ = ["GroupStore", "decode_groups", "encode_groups"]

log = logging.getLogger(__name__)

GROUPS_KEY = "groups/all"
CHOSEN_KEY = "groups/chosen"


class KeyValues(Protocol):
    """What the store needs of QSettings."""

    def value(self, key: str, defaultValue: Any = ..., /) -> Any: ...

    def setValue(self, key: str, value: Any, /) -> None: ...


def encode_groups(groups: Iterable[AccountGroup]) -> str:
    """The groups as the settings keep them."""
    return json.dumps([{"name": group.name,
                        "members": [[m.account, format(m.multiplier, "f")]
                                    for m in group.members]}
                       for group in groups])


def _group(entry: object) -> AccountGroup:
    if not isinstance(entry, dict):
        raise ValueError("not a group")
    name, members = entry.get("name"), entry.get("members")
    if not isinstance(name, str) or not name.strip() or not isinstance(members, list):
        raise ValueError("no name or no member list")
    pairs: list[tuple[str, Decimal]] = []
    for member in members:
        if (not isinstance(member, list) or len(member) != 2
                or not isinstance(member[0], str) or not member[0].strip()):
            raise ValueError(f"member {member!r} unreadable")
        pairs.append((member[0].strip(), parse_multiplier(str(member[1]))))
    return group_from(name.strip(), pairs)


def decode_groups(text: str) -> tuple[AccountGroup, ...]:
    """The groups in `text`; a corrupt entry (or a corrupt whole) is logged and left out, and
    a name seen twice keeps its first group."""
    if not text.strip():
        return ()
    try:
        entries = json.loads(text)
    except ValueError as error:
        log.warning("account groups unreadable in the settings, none loaded: %s", error)
        return ()
    if not isinstance(entries, list):
        log.warning("account groups in the settings are not a list; none loaded")
        return ()
    groups: dict[str, AccountGroup] = {}
    for number, entry in enumerate(entries, 1):
        try:
            group = _group(entry)
        except ValueError as error:
            log.warning("account group #%d in the settings ignored: %s", number, error)
            continue
        groups.setdefault(group.name, group)
    return tuple(groups.values())


class GroupStore:
    """The trader's account groups and the group chosen in the account picker."""

    def __init__(self, store: KeyValues) -> None:
        self._store = store

    def groups(self) -> tuple[AccountGroup, ...]:
        """Every readable group, in the order the trader made them."""
        value = self._store.value(GROUPS_KEY, "")
        return decode_groups(value if isinstance(value, str) else "")

    def save(self, groups: Iterable[AccountGroup]) -> None:
        self._store.setValue(GROUPS_KEY, encode_groups(groups))

    def find(self, name: str) -> AccountGroup | None:
        return next((group for group in self.groups() if group.name == name), None)

    @property
    def chosen(self) -> str:
        """The group last chosen in the picker ("" when an account was)."""
        value = self._store.value(CHOSEN_KEY, "")
        return value if isinstance(value, str) else ""

    @chosen.setter
    def chosen(self, name: str) -> None:
        self._store.setValue(CHOSEN_KEY, name)
