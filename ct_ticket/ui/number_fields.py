"""The quantity and price fields: line edits that keep exactly what the trader typed.

A spin box rewrites what it cannot read ("1e3" became 13, "-1" became 1, "0" kept the previous
value). These fields never do: the text stays as typed, model/typed.py reads it, and a keystroke
that makes it unreadable is refused at once, visibly: the field flashes and a line beside it
says why; the form then sends nothing until the text reads as a number. What a spin box gave
the trader stays: Up/Down (PageUp/PageDown: ten) and the wheel step by one contract or one tick.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QLabel, QLineEdit

from ct_ticket.model import DEFAULT_QUANTITY_CAP, round_to_tick
from ct_ticket.model.typed import Reading, read_price, read_quantity
from ct_ticket.ui.theme import set_style_property
from ct_ticket.wording import format_price

__all__ = ["FLASH_MS", "NumberField", "PriceField", "QuantityField"]

FLASH_MS = 450  # long enough to be seen from the corner of an eye, short enough not to nag
_STEP_KEYS = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1, Qt.Key.Key_PageUp: 10,
              Qt.Key.Key_PageDown: -10}


class NumberField(QLineEdit):
    """A number typed as text; subclasses say how it reads and how it steps."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.WheelFocus)  # as a spin box: the wheel steps it
        # The line beside the field that says why; the view places it, the field fills it.
        self.problem_label = QLabel()
        self.problem_label.setProperty("role", "fieldProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        self.problem = ""
        self._wheel = 0
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.setInterval(FLASH_MS)
        self._flash_timer.timeout.connect(lambda: set_style_property(self, "flash", False))
        self.textEdited.connect(self._typed)
        self.editingFinished.connect(self._finished)

    # --- reading ----------------------------------------------------------------------------

    def reading(self) -> Reading:
        raise NotImplementedError

    def value(self) -> int | Decimal | None:
        """The number the text spells, or None when it spells none (or nothing is typed)."""
        return self.reading().value

    def setValue(self, value: int | float | Decimal | None) -> None:
        """Write a number the ticket chose (a preset, the market, the last order); None empties
        the field. Not a keystroke: nothing flashes, an old complaint goes."""
        self.setText("" if value is None else self.format(value))
        self.show_problem("")

    def format(self, value: int | float | Decimal) -> str:
        return str(value)

    # --- what the trader sees ---------------------------------------------------------------

    def show_problem(self, problem: str, *, flash: bool = False) -> None:
        """Mark the field and say why beside it ("" clears both); `flash` draws the eye."""
        self.problem = problem
        set_style_property(self, "invalid", bool(problem))
        self.problem_label.setText(problem[:1].upper() + problem[1:])
        self.problem_label.setVisible(bool(problem) and self.isVisible())
        if flash:
            set_style_property(self, "flash", True)
            self._flash_timer.start()

    def setVisible(self, visible: bool) -> None:
        super().setVisible(visible)
        self.problem_label.setVisible(visible and bool(self.problem))

    def _typed(self, _text: str) -> None:
        reading = self.reading()
        if reading.problem and reading.at_once:
            self.show_problem(reading.problem, flash=True)
        elif self.problem:
            self.show_problem("")

    def _finished(self) -> None:
        reading = self.reading()
        if reading.problem and self.isEnabled() and self.text().strip():
            self.show_problem(reading.problem, flash=reading.problem != self.problem)

    # --- stepping ---------------------------------------------------------------------------

    def stepped(self, value: int | Decimal, steps: int) -> int | Decimal | None:
        """The value `steps` steps away, or None when that leaves the field's range."""
        raise NotImplementedError

    def step_base(self) -> int | Decimal | None:
        """The number stepping starts from."""
        return self.reading().value

    def empty_start(self) -> int | None:
        """Where stepping starts in an empty field (None: it does not)."""
        return None

    def step_by(self, steps: int) -> None:
        """Up/Down and the wheel. From text that reads as no number there is nothing to step:
        the field says so rather than replace what was typed."""
        reading = self.reading()
        base = self.step_base()
        if base is None:
            start = self.empty_start() if not self.text().strip() else None
            if start is not None:
                self.setValue(start)
            elif self.text().strip():
                self.show_problem(reading.problem or "not a number", flash=True)
            return
        new = self.stepped(base, steps)
        if new is None:
            set_style_property(self, "flash", True)
            self._flash_timer.start()
            return
        self.setValue(new)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = _STEP_KEYS.get(Qt.Key(event.key()))
        if steps is not None and not self.isReadOnly():
            self.step_by(steps)
            event.accept()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self.isEnabled():
            event.ignore()
            return
        self._wheel += event.angleDelta().y()
        steps = int(self._wheel / 120)  # a notch is 120; touchpads send parts of one
        self._wheel -= steps * 120
        if steps:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.step_by(steps)
        event.accept()


class QuantityField(NumberField):
    """Whole contracts from 1 to the trader's hard cap."""

    def __init__(self) -> None:
        super().__init__()
        self.cap = DEFAULT_QUANTITY_CAP

    def reading(self) -> Reading:
        return read_quantity(self.text(), self.cap)

    def format(self, value: int | float | Decimal) -> str:
        return str(int(value))

    def stepped(self, value: int | Decimal, steps: int) -> int | None:
        new = int(value) + steps
        return new if 1 <= new <= self.cap else None

    def empty_start(self) -> int | None:
        return 1


class PriceField(NumberField):
    """A price on the instrument's tick grid; empty means no price (the type does not take
    one, or the market has not seeded it yet)."""

    def __init__(self) -> None:
        super().__init__()
        self.tick: Decimal | None = None  # the instrument's, set by the form

    def reading(self) -> Reading:
        return read_price(self.text(), self.tick)

    def format(self, value: int | float | Decimal) -> str:
        return format_price(value if isinstance(value, float | Decimal) else Decimal(value),
                            self.tick)

    def step_base(self) -> int | Decimal | None:
        # A price off the grid steps onto it (as a spin box would), so read it without the tick.
        return read_price(self.text(), None).value

    def stepped(self, value: int | Decimal, steps: int) -> Decimal | None:
        tick = self.tick or Decimal("0.01")
        new = round_to_tick(Decimal(value) + steps * tick, tick)
        return new if new > 0 else None
