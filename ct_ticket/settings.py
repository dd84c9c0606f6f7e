"""Typed access to QSettings: the only module that knows setting keys and their defaults.

Never holds the API token (that lives in the OS keyring, see credentials.py). Tests point
QSettings at a temporary folder with `Settings(path=...)`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from ct_ticket.rails import DEFAULT_LIMITS, AccountKind, Limits

__all__ = ["Settings", "default_settings_file"]

_RECENT_LIMIT = 8
_NAMES = ("ct-ticket", "ct-ticket")  # organization, application: where QSettings keeps them


def default_settings_file() -> Path | None:
    """The file `Settings()` keeps its values in (Linux: ~/.config/ct-ticket/ct-ticket.conf),
    or None on Windows, where they live in the registry. Checked before the window opens."""
    if sys.platform == "win32":
        return None
    return Path(QSettings(*_NAMES).fileName())


class Settings:
    """The ticket's remembered choices, geometry and safety preferences."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            self._qs = QSettings(*_NAMES)
        else:
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def file_name(self) -> str:
        return self._qs.fileName()

    def sync(self) -> None:
        self._qs.sync()

    # --- helpers ----------------------------------------------------------------------------

    def _str(self, key: str, default: str = "") -> str:
        value = self._qs.value(key, default)
        return value if isinstance(value, str) else default

    def _bool(self, key: str, default: bool) -> bool:
        value = self._qs.value(key, default)
        if isinstance(value, str):  # INI files store booleans as text
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def _int(self, key: str, default: int) -> int:
        value = self._qs.value(key, default)
        if isinstance(value, int | str):
            try:
                return int(value)
            except ValueError:
                return default
        return default

    def _list(self, key: str) -> list[str]:
        value = self._qs.value(key, [])
        if isinstance(value, str):
            return [value] if value else []
        if isinstance(value, list):
            return [str(item) for item in value if item]
        return []

    # --- choices ----------------------------------------------------------------------------

    @property
    def account(self) -> str:
        return self._str("ticket/account")

    @account.setter
    def account(self, value: str) -> None:
        self._qs.setValue("ticket/account", value)

    @property
    def instrument(self) -> str:
        return self._str("ticket/instrument", "MES")

    @instrument.setter
    def instrument(self, value: str) -> None:
        self._qs.setValue("ticket/instrument", value)

    @property
    def recent_instruments(self) -> list[str]:
        return self._list("ticket/recentInstruments")

    def remember_instrument(self, instrument: str) -> None:
        """Put an instrument first in the recent list (deduplicated, bounded)."""
        recent = [instrument, *(i for i in self.recent_instruments if i != instrument)]
        self._qs.setValue("ticket/recentInstruments", recent[:_RECENT_LIMIT])

    @property
    def favourite_instruments(self) -> list[str]:
        return self._list("ticket/favouriteInstruments")

    def toggle_favourite(self, instrument: str) -> bool:
        """Add or remove a favourite; returns whether it is a favourite now."""
        favourites = self.favourite_instruments
        if instrument in favourites:
            favourites.remove(instrument)
            now = False
        else:
            favourites.append(instrument)
            now = True
        self._qs.setValue("ticket/favouriteInstruments", favourites)
        return now

    @property
    def side(self) -> str:
        return self._str("ticket/side", "BUY")

    @side.setter
    def side(self, value: str) -> None:
        self._qs.setValue("ticket/side", value)

    @property
    def quantity(self) -> int:
        return self._int("ticket/quantity", 1)

    @quantity.setter
    def quantity(self, value: int) -> None:
        self._qs.setValue("ticket/quantity", value)

    @property
    def order_type(self) -> str:
        return self._str("ticket/orderType", "MARKET")

    @order_type.setter
    def order_type(self, value: str) -> None:
        self._qs.setValue("ticket/orderType", value)

    @property
    def time_in_force(self) -> str:
        return self._str("ticket/timeInForce", "DAY")

    @time_in_force.setter
    def time_in_force(self, value: str) -> None:
        self._qs.setValue("ticket/timeInForce", value)

    @property
    def atm_strategy(self) -> str:
        return self._str("ticket/atmStrategy")

    @atm_strategy.setter
    def atm_strategy(self, value: str) -> None:
        self._qs.setValue("ticket/atmStrategy", value)

    @property
    def oco_id(self) -> str:
        return self._str("ticket/ocoId")

    @oco_id.setter
    def oco_id(self, value: str) -> None:
        self._qs.setValue("ticket/ocoId", value)

    # --- window and safety ------------------------------------------------------------------

    @property
    def always_on_top(self) -> bool:
        return self._bool("window/alwaysOnTop", True)

    @always_on_top.setter
    def always_on_top(self, value: bool) -> None:
        self._qs.setValue("window/alwaysOnTop", value)

    @property
    def confirm_orders(self) -> bool:
        return self._bool("safety/confirmOrders", False)

    @confirm_orders.setter
    def confirm_orders(self, value: bool) -> None:
        self._qs.setValue("safety/confirmOrders", value)

    @property
    def sounds(self) -> bool:
        return self._bool("window/sounds", False)

    @sounds.setter
    def sounds(self, value: bool) -> None:
        self._qs.setValue("window/sounds", value)

    @property
    def max_quantity(self) -> int:
        return max(1, self._int("safety/maxQuantity", 100))

    @max_quantity.setter
    def max_quantity(self, value: int) -> None:
        self._qs.setValue("safety/maxQuantity", value)

    def limits(self, kind: AccountKind) -> Limits:
        """Precautionary limits for sim or live accounts (edit them in the settings file)."""
        default = DEFAULT_LIMITS[kind]
        prefix = f"safety/{kind.value}"
        notional = self._qs.value(f"{prefix}/maxNotional", default.max_notional)
        try:
            max_notional = float(notional)  # type: ignore[arg-type]  # QSettings gives object
        except (TypeError, ValueError):
            max_notional = default.max_notional
        return Limits(
            max_quantity=max(1, self._int(f"{prefix}/maxQuantity", default.max_quantity)),
            max_notional=max_notional,
            max_ticks_through=max(0, self._int(f"{prefix}/maxTicksThrough",
                                               default.max_ticks_through)))

    def set_limits(self, kind: AccountKind, limits: Limits) -> None:
        prefix = f"safety/{kind.value}"
        self._qs.setValue(f"{prefix}/maxQuantity", limits.max_quantity)
        self._qs.setValue(f"{prefix}/maxNotional", limits.max_notional)
        self._qs.setValue(f"{prefix}/maxTicksThrough", limits.max_ticks_through)

    @property
    def geometry(self) -> QByteArray | None:
        value = self._qs.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._qs.setValue("window/geometry", value)

    @property
    def base_url(self) -> str:
        return self._str("connection/baseUrl")
