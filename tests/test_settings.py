"""Settings keys: the quantity box's hard cap and the precautionary limit have distinct names,
and a hard cap saved under its old key reaches the new one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from ct_ticket.model import AccountKind, Limits
from ct_ticket.settings import Settings


def test_the_hard_cap_and_the_precautionary_limit_are_stored_apart(tmp_path: Path) -> None:
    path = tmp_path / "ct-ticket.ini"
    settings = Settings(path)
    settings.quantity_cap = 40
    settings.set_limits(AccountKind.LIVE, Limits(ask_above_quantity=7, max_notional=5e5,
                                                 max_ticks_through=9))
    settings.sync()
    raw = QSettings(str(path), QSettings.Format.IniFormat)
    assert str(raw.value("safety/quantityCap")) == "40"
    assert str(raw.value("safety/live/maxQuantity")) == "7"
    assert not raw.contains("safety/maxQuantity")
    again = Settings(path)
    assert again.quantity_cap == 40
    assert again.limits(AccountKind.LIVE).ask_above_quantity == 7


def test_a_hard_cap_saved_under_the_old_key_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "ct-ticket.ini"
    old = QSettings(str(path), QSettings.Format.IniFormat)
    old.setValue("safety/maxQuantity", 25)
    old.setValue("safety/sim/maxQuantity", 12)
    old.sync()
    settings = Settings(path)
    assert settings.quantity_cap == 25
    assert settings.limits(AccountKind.SIM).ask_above_quantity == 12  # untouched
    settings.sync()
    raw = QSettings(str(path), QSettings.Format.IniFormat)
    assert not raw.contains("safety/maxQuantity")
    assert str(raw.value("safety/quantityCap")) == "25"


def test_a_newer_hard_cap_wins_over_a_stale_old_key(tmp_path: Path) -> None:
    path = tmp_path / "ct-ticket.ini"
    both = QSettings(str(path), QSettings.Format.IniFormat)
    both.setValue("safety/maxQuantity", 25)
    both.setValue("safety/quantityCap", 60)
    both.sync()
    assert Settings(path).quantity_cap == 60
