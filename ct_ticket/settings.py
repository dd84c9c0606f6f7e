"""Typed access to QSettings: the only module that knows setting keys and their defaults.

Never holds the API token (that lives in the OS keyring, see credentials.py). Tests point
QSettings at a temporary folder with `Settings(path=...)`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from ct_ticket.model import DEFAULT_LIMITS, DEFAULT_QUANTITY_CAP, AccountKind, Limits

__all__ = ["Settings", "default_settings_file"]

_RECENT_LIMIT = 8
# The quantity box's hard cap was stored as "safety/maxQuantity", too close to the precautionary
# "safety/sim/maxQuantity"; it is now "safety/quantityCap", and an old value moves over once.
_QUANTITY_CAP = "safety/quantityCap"
_OLD_QUANTITY_CAP = "safety/maxQuantity"
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
        self._migrate()

    def _migrate(self) -> None:
        """Move settings saved under an older key to today's key (existing users keep them)."""
        if self._qs.contains(_OLD_QUANTITY_CAP):
            if not self._qs.contains(_QUANTITY_CAP):
                self._qs.setValue(_QUANTITY_CAP, self._qs.value(_OLD_QUANTITY_CAP))
            self._qs.remove(_OLD_QUANTITY_CAP)

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
    def orders_open(self) -> bool:
        """Whether the working-orders panel is expanded."""
        return self._bool("window/ordersOpen", False)

    @orders_open.setter
    def orders_open(self, value: bool) -> None:
        self._qs.setValue("window/ordersOpen", value)

    @property
    def orders_all_instruments(self) -> bool:
        """Whether the working-orders panel lists every instrument of the account."""
        return self._bool("window/ordersAllInstruments", False)

    @orders_all_instruments.setter
    def orders_all_instruments(self, value: bool) -> None:
        self._qs.setValue("window/ordersAllInstruments", value)

    @property
    def quantity_cap(self) -> int:
        """The quantity box's hard cap: no order above it can be entered at all (unlike the
        precautionary `limits`, which only ask before sending)."""
        return max(1, self._int(_QUANTITY_CAP, DEFAULT_QUANTITY_CAP))

    @quantity_cap.setter
    def quantity_cap(self, value: int) -> None:
        self._qs.setValue(_QUANTITY_CAP, value)

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
            ask_above_quantity=max(1, self._int(f"{prefix}/maxQuantity",
                                                default.ask_above_quantity)),
            max_notional=max_notional,
            max_ticks_through=max(0, self._int(f"{prefix}/maxTicksThrough",
                                               default.max_ticks_through)),
            room_stop_ticks=max(1, self._int(f"{prefix}/roomStopTicks", default.room_stop_ticks)))

    def set_limits(self, kind: AccountKind, limits: Limits) -> None:
        prefix = f"safety/{kind.value}"
        self._qs.setValue(f"{prefix}/maxQuantity", limits.ask_above_quantity)
        self._qs.setValue(f"{prefix}/maxNotional", limits.max_notional)
        self._qs.setValue(f"{prefix}/maxTicksThrough", limits.max_ticks_through)
        self._qs.setValue(f"{prefix}/roomStopTicks", limits.room_stop_ticks)

    def require_stop(self, kind: AccountKind) -> bool:
        """Refuse an entry without a stop-loss or an ATM template (on for live by default)."""
        return self._bool(f"safety/{kind.value}/requireStop", kind is AccountKind.LIVE)

    def set_require_stop(self, kind: AccountKind, on: bool) -> None:
        self._qs.setValue(f"safety/{kind.value}/requireStop", on)

    def bracket_ticks(self, instrument: str) -> tuple[int | None, int | None]:
        """(stop-loss, take-profit) in ticks last used for this instrument's product."""
        key = f"bracket/{instrument.split(' ')[0] or '_'}"
        ticks = (self._int(f"{key}/stopTicks", 0), self._int(f"{key}/targetTicks", 0))
        return (ticks[0] or None, ticks[1] or None)

    def set_bracket_ticks(self, instrument: str, stop: int | None, target: int | None) -> None:
        # Every send saves the ticks; unchanged, they must not rewrite the file (QSettings
        # writes at the next event-loop turn, which is when the order's request should go).
        if self.bracket_ticks(instrument) == (stop or None, target or None):
            return
        key = f"bracket/{instrument.split(' ')[0] or '_'}"
        self._qs.setValue(f"{key}/stopTicks", stop or 0)
        self._qs.setValue(f"{key}/targetTicks", target or 0)

    @property
    def atm_templates(self) -> list[str]:
        """ATM template names typed before, latest first (no API lists NT8's templates)."""
        return self._list("ticket/atmTemplates")

    def remember_atm_template(self, name: str) -> None:
        names = [name, *(n for n in self.atm_templates if n != name)]
        if names[:_RECENT_LIMIT] == self.atm_templates:
            return  # already first: no file write on the send's path
        self._qs.setValue("ticket/atmTemplates", names[:_RECENT_LIMIT])

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

    # --- stores kept beside these settings (group_store.py) ---------------------------------

    @property
    def store(self) -> QSettings:
        """The QSettings these values live in, for the stores kept beside this module."""
        return self._qs
