"""Faults x actions in the real window (offscreen), with the fault server between the window's
client and the simulator on loopback. For every pair this proves: the event loop keeps turning,
the window says what happened in a trader's words, the form keeps its values, no POST goes out
twice, an order whose outcome is unknown is settled by reading (never by resending), and the
same action works again once the fault clears, without a restart.

Where a fault is aimed: at the action's POST path for one request (so the re-reads of a
reconcile get through), or at every GET until cleared for the two read actions (a refused
connection refuses everything). docs/RELIABILITY.md holds the table `reliability_table()` prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from faultserver import FaultKind, FaultServer
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from ct_ticket.api.client import Timeouts
from ct_ticket.model import Side
from ct_ticket.sim import Simulator
from ct_ticket.sim.validation import parse_order
from ct_ticket.ui.window import TicketWindow

TIMEOUTS = Timeouts(connect=0.5, read=0.6)
SLOW_ANSWER_S = 1.2  # past the read timeout: CrossTrade acted, its answer came too late
MAX_LOOP_GAP_S = 0.5
INSTRUMENT = "MES 12-26"
ACCOUNT = "Sim101"
DOC = Path(__file__).resolve().parents[2] / "docs" / "RELIABILITY.md"


class Outcome(StrEnum):
    """What a trader is left with after the faulted action."""

    NOT_SENT = "not sent"
    REJECTED = "rejected"
    UNKNOWN = "unknown → reconciled"
    READ_FAILED = "read failed"


@dataclass(frozen=True)
class Fault:
    """One way CrossTrade (or the network to it) misbehaves, and the words the window uses."""

    kind: FaultKind
    what: str
    words: str
    on_post: Outcome
    options: dict[str, Any] = field(default_factory=dict)


FAULTS: dict[str, Fault] = {
    "refuse": Fault("refuse", "connection refused", "Cannot reach CrossTrade", Outcome.NOT_SENT),
    "hang": Fault("hang", "request read, never answered", "No answer from CrossTrade",
                  Outcome.UNKNOWN),
    "slow": Fault("slow", f"acted on, answered after {SLOW_ANSWER_S} s",
                  "No answer from CrossTrade", Outcome.UNKNOWN, {"delay": SLOW_ANSWER_S}),
    "reset": Fault("reset", "connection reset mid-answer", "No answer from CrossTrade",
                   Outcome.UNKNOWN),
    "401": Fault("status", "401", "refused the API token", Outcome.REJECTED, {"status": 401}),
    "403": Fault("status", "403, no Pro plan", "refused the API token", Outcome.REJECTED,
                 {"status": 403, "body": {"error": "Pro plan required"}}),
    "404": Fault("status", "404", "Rejected by CrossTrade", Outcome.REJECTED, {"status": 404}),
    "408": Fault("status", "408, NT8 offline", "NinjaTrader is not connected", Outcome.UNKNOWN,
                 {"status": 408, "body": {"success": False,
                                          "error": "NinjaTrader is not connected"}}),
    "429": Fault("status", "429, Retry-After: 7", "rate limit", Outcome.REJECTED,
                 {"status": 429, "headers": {"Retry-After": "7"},
                  "body": {"error": "Rate limit exceeded"}}),
    "500": Fault("status", "500", "server error", Outcome.UNKNOWN, {"status": 500}),
    "502": Fault("status", "502 with an HTML body", "server error", Outcome.UNKNOWN,
                 {"status": 502, "body": "<html>Bad gateway</html>"}),
    "503": Fault("status", "503", "server error", Outcome.UNKNOWN, {"status": 503}),
    "html": Fault("html", "200 with a web page", "unexpected answer", Outcome.UNKNOWN),
    "redirect": Fault("redirect", "302 to crosstrade.io", "unexpected answer", Outcome.NOT_SENT),
    "invalid_json": Fault("invalid_json", "200, not JSON", "unexpected answer", Outcome.UNKNOWN),
    "wrong_shape": Fault("wrong_shape", '200 `{"hello": 1}`', "unexpected answer",
                         Outcome.UNKNOWN),
    "success_false": Fault("success_false", "200 `success: false`", "Rejected by CrossTrade",
                           Outcome.REJECTED),
}


@dataclass(frozen=True)
class Action:
    """A trader's action; `post` is the path of the one POST it sends (None: reads only)."""

    title: str
    post: str | None


ACTIONS: dict[str, Action] = {
    "load": Action("Load accounts", None),
    "refresh": Action("Refresh position", None),
    "place": Action("Place", "/orders/place"),
    "flat_place": Action("Flatten & Place", "/orders/flatplace"),
    "close": Action("Close", "/positions/close"),
    "cancel_all": Action("Cancel all", "/orders/cancel"),
    "flatten_everything": Action("Flatten everything", "/positions/flatten"),
}


def expected_outcome(fault: str, action: str) -> Outcome:
    return FAULTS[fault].on_post if ACTIONS[action].post else Outcome.READ_FAILED


def reliability_table() -> str:
    """The matrix as the Markdown table in docs/RELIABILITY.md."""
    head = ["Fault", "What arrives", "The window says", *(a.title for a in ACTIONS.values())]
    rows = [head, ["---"] * len(head)]
    for name, fault in FAULTS.items():
        rows.append([f"`{name}`", fault.what, f"“{fault.words}”",
                     *(expected_outcome(name, action).value for action in ACTIONS)])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows) + "\n"


# --- the servers: one uvicorn for the module, a fresh simulator and fault server per test ----


@pytest.fixture
def window(ui: Any, qtbot: Any, qloop: Any, faults: FaultServer, sim: Simulator, settings_path: Path
           ) -> Iterator[TicketWindow]:
    win = ui.open(faults.url, settings_path, timeouts=TIMEOUTS, backoff=0.01)
    yield win
    ui.close(win)


# --- helpers -------------------------------------------------------------------------------


def seed_position_and_order(sim: Simulator) -> None:
    """LONG 2 and one resting sell limit in the test's account: something to close or cancel."""
    if sim.position(ACCOUNT, INSTRUMENT) is None:
        sim.place(ACCOUNT, parse_order({"instrument": INSTRUMENT, "action": "BUY", "quantity": 2,
                                        "orderType": "MARKET", "timeInForce": "DAY"},
                                       sim.front_month))
    if not sim.working_orders(ACCOUNT):
        price = sim.quote_api(INSTRUMENT)["ask"] + 40 * 0.25
        sim.place(ACCOUNT, parse_order({"instrument": INSTRUMENT, "action": "SELL",
                                        "quantity": 1, "orderType": "LIMIT",
                                        "limitPrice": price, "timeInForce": "GTC"},
                                       sim.front_month))


def fill_form(window: TicketWindow) -> None:
    """A resting buy limit with every field set, prices on the tick grid."""
    quote = window.ticket.quote
    assert quote is not None and quote.bid is not None
    window.entry.choose_side(Side.BUY)
    window.entry.view.order_type_picker.setCurrentIndex(window.entry.view.order_type_picker.findData("LIMIT"))
    window.entry.view.time_in_force_picker.setCurrentIndex(window.entry.view.time_in_force_picker.findData("GTC"))
    window.entry.view.quantity_field.setValue(3)
    window.entry.view.limit_price_field.setValue(quote.bid - 20 * 0.25)
    # hidden for a limit; kept anyway
    window.entry.view.stop_price_field.setValue(quote.bid + 20 * 0.25)
    window.entry.view.oco_id_field.setText("grp-7")
    window.entry.view.atm_strategy_field.setText("ATM 2 ticks")


def form_values(window: TicketWindow) -> dict[str, Any]:
    return {
        "account": window.entry.form.current_account(),
        "instrument": window.entry.view.instrument_picker.currentText(),
        "side": window.entry.form.side,
        "quantity": window.entry.view.quantity_field.value(),
        "order type": window.entry.view.order_type_picker.currentData(),
        "time in force": window.entry.view.time_in_force_picker.currentData(),
        "limit": window.entry.view.limit_price_field.value(),
        "stop": window.entry.view.stop_price_field.value(),
        "oco": window.entry.view.oco_id_field.text(),
        "atm": window.entry.view.atm_strategy_field.text(),
    }


def run_action(ui: Any, qtbot: Any, window: TicketWindow, action: str) -> str:
    buttons: dict[str, Callable[[], QPushButton]] = {
        "place": lambda: window.entry.view.place_button,
        "flat_place": lambda: window.entry.view.flatten_place_button,
        "close": lambda: window.position.view.close_position_button,
        "cancel_all": lambda: window.position.view.cancel_all_button,
        "flatten_everything": lambda: window.position.view.flatten_everything_button,
    }
    if action == "load":
        qtbot.mouseClick(window.entry.view.refresh_accounts_button, Qt.MouseButton.LeftButton)
    elif action == "refresh":
        window._refresh_timer.timeout.emit()  # what the position timer does on each tick
    else:
        return ui.click_send(window, buttons[action]())
    ui.wait_idle(window)
    return ""


def arm(faults: FaultServer, fault: Fault, action: Action) -> None:
    if fault.kind == "refuse":
        faults.inject("refuse")
    elif action.post is None:
        faults.inject(fault.kind, method="GET", **fault.options)
    else:
        faults.inject(fault.kind, method="POST", path=action.post, times=1, **fault.options)


RAW = re.compile(
    r"Traceback|httpx|httpcore|Exception|Error\(|TransportError|Timeout\b|"
    r"ConnectError|RemoteProtocol|JSONDecode|ShapeError"
)


# --- the matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("fault_name", list(FAULTS))
def test_fault_during_action_is_said_in_words_sent_once_reconciled_and_recovered(
    ui: Any, qtbot: Any,
    window: TicketWindow,
    faults: FaultServer,
    sim: Simulator,
    fault_name: str,
    action: str,
) -> None:
    fault, spec = FAULTS[fault_name], ACTIONS[action]
    outcome = expected_outcome(fault_name, action)
    ui.set_instrument(window, INSTRUMENT)
    ui.wait_idle(window)  # the reads the instrument change started are done
    seed_position_and_order(sim)
    fill_form(window)
    form = form_values(window)
    log_before = window.activity.view.activity_log.toPlainText()
    mark = len(faults.requests)

    arm(faults, fault, spec)
    with ui.loop_meter() as meter:
        run_action(ui, qtbot, window, action)
    during = faults.requests[mark:]

    # The event loop kept turning while the fault was live.
    assert meter.longest_gap < MAX_LOOP_GAP_S, f"event loop stalled {meter.longest_gap:.2f} s"
    # The window says what happened, in words: the status line, or for the quiet background
    # refresh the position line (a read never overwrites the status of the last order there).
    said = (
        window.position.view.position_label.text()
        if action == "refresh"
        else window.position.view.status_line.text()
    )
    assert fault.words in said, said
    assert not RAW.search(said), said
    # Nothing is lost: the form as set, and a line in the activity log with the same words.
    assert form_values(window) == form
    assert fault.words in window.activity.view.activity_log.toPlainText().removeprefix(log_before)
    # One POST per click, never a second; a refused connection means none reached CrossTrade.
    posts = [i for i, r in enumerate(during) if r.method == "POST"]
    assert all(during[i].path.endswith(spec.post or "-") for i in posts), during
    assert len(posts) == (0 if spec.post is None or fault.kind == "refuse" else 1), during
    level, status = (
        window.position.view.status_line.property("level"),
        window.position.view.status_line.text(),
    )
    if outcome is Outcome.UNKNOWN and action in ("place", "flat_place"):
        # An order is looked up by the ticket's own id: placed or not, said exactly.
        assert status.startswith(("It was placed (", "It was not placed: ")), status
        assert "OUTCOME UNKNOWN" in window.activity.view.activity_log.toPlainText()
        rereads = [r.path for r in during[posts[0] + 1 :] if r.method == "GET"]
        own_id = next(iter(window.ticket.records.values())).order_id
        assert any(p.endswith(f"/orders/{own_id}") for p in rereads), rereads
        assert any(p.endswith("/position") for p in rereads), rereads
    elif outcome is Outcome.UNKNOWN:
        # No order id to look up: settled by reading position and working orders, never by
        # resending, and said to be a guess.
        assert level == "unknown", status
        assert status.startswith("Outcome unknown (") and "; now " in status, status
        assert "a guess" in status, status
        assert "OUTCOME UNKNOWN" in window.activity.view.activity_log.toPlainText()
        rereads = [r.path for r in during[posts[0] + 1 :] if r.method == "GET"]
        assert any(p.endswith("/position") for p in rereads), rereads
        assert any(p.endswith("/orders") for p in rereads), rereads
    elif outcome is not Outcome.READ_FAILED:
        assert level == "error", status
        assert "nknown" not in status
        assert "Nothing was placed" in status or fault_name == "429", status

    # Recovery: the fault clears and the same action works in the same window.
    faults.clear()
    seed_position_and_order(sim)  # e.g. a slow close did close: give it something again
    mark = len(faults.requests)
    question = run_action(ui, qtbot, window, action)
    after = faults.requests[mark:]
    if action in ("place", "flat_place"):  # the order went out moments ago, whatever became of it
        assert "breaks same order twice" in question, question
    assert form_values(window) == form
    assert "unreachable" not in window.header.view.connection_indicator.text()
    if action == "refresh":
        assert window.position.view.position_label.text().startswith("LONG 2 MES 12-26 @")
        assert fault.words not in window.position.view.position_label.text()
        return
    assert window.position.view.status_line.property("level") == "ok", (
        window.position.view.status_line.text()
    )
    assert window.position.view.status_line.text().startswith(RECOVERED[action]), (
        window.position.view.status_line.text()
    )
    if spec.post is not None:
        [post] = [r for r in after if r.method == "POST"]
        assert post.path.endswith(spec.post) and post.fault is None


RECOVERED = {
    "load": "Ready: 3 account(s) loaded",
    "place": "Working: BUY 3 MES 12-26 LMT",
    "flat_place": "Working: Flatten & BUY 3 MES 12-26 LMT",
    "close": "Now FLAT",
    "cancel_all": "Cancelled 1 order(s)",
    "flatten_everything": "Now FLAT",
}


def test_reliability_doc_shows_this_matrix() -> None:
    assert reliability_table() in DOC.read_text(encoding="utf-8")


if __name__ == "__main__":  # PYTHONPATH=tests:tests/ui python tests/ui/test_fault_matrix.py
    print(reliability_table(), end="")
