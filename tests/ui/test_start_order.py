"""Start-up order: the real ticket window paints before the network side is imported, stays
inert until its ticket is attached (a send in that gap sends nothing and says so), and works
fully once attached."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from ct_ticket.api.client import CrossTradeClient
from ct_ticket.events import Action
from ct_ticket.settings import Settings
from ct_ticket.ticket import Ticket
from ct_ticket.ui.inert import LOADING, NOT_SENT, STARTING_TIP
from ct_ticket.ui.shortcuts import SHORTCUTS
from ct_ticket.ui.window import TicketWindow

TOKEN = "start-order-test-token"
# What the first paint must come before: the loop, the HTTP client and TLS, the keyring, the
# demo's simulator, and the ticket with its controllers.
NETWORK_SIDE = ("asyncio", "qasync", "h11", "ssl", "keyring", "starlette", "ct_ticket.sim",
                "ct_ticket.ticket", "ct_ticket.api.client", "ct_ticket.ui.entry")

# A child that runs `python -m ct_ticket --demo` unchanged and, at the first paint of a
# top-level window, reports that window and which network modules were loaded by then.
PROBE = textwrap.dedent("""
    import json, os, sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QWidget

    WATCHED = {watched!r}

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget) and obj.isWindow():
                place = obj.findChild(QWidget, "placeButton")
                status = obj.findChild(QWidget, "statusLine")
                print(json.dumps({{
                    "window": type(obj).__name__,
                    "loaded": [m for m in WATCHED if m in sys.modules],
                    "place_enabled": place.isEnabled() if place is not None else None,
                    "place_tip": place.toolTip() if place is not None else None,
                    "status": status.text() if status is not None else None,
                }}), flush=True)
                os._exit(0)
            return False

    app = QApplication(sys.argv[:1])
    watch = FirstPaint()
    app.installEventFilter(watch)
    from ct_ticket.app import main
    sys.exit(main(["--demo"]))
""")


def test_first_paint_is_the_real_window_before_the_network_side(tmp_path: Path) -> None:
    # The test's own settings and log folders (Windows reads its settings from the registry;
    # the child leaves at its first paint, before it could write any).
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "CT_TICKET_LOG_DIR": str(tmp_path / "logs"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", PROBE.format(watched=NETWORK_SIDE)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr[-2000:]
    painted = json.loads(lines[0])
    assert painted["window"] == "TicketWindow"  # the real window, not a splash
    assert painted["loaded"] == []
    assert painted["place_enabled"] is False
    assert painted["place_tip"] == STARTING_TIP
    assert painted["status"] == "Loading accounts…"


def _shortcut(window: TicketWindow, key: str) -> QShortcut:
    wanted = QKeySequence(SHORTCUTS[key])
    return next(s for s in window.findChildren(QShortcut) if s.key() == wanted)


def test_a_send_before_the_ticket_is_attached_sends_nothing_and_says_so(
        ui: Any, qtbot: Any, sim_server: Any, settings_path: Path) -> None:
    sim_server.sim.rate_limit_enabled = False
    window = TicketWindow(None, Settings(settings_path))
    qtbot.addWidget(window)
    window.show()
    view = window.view
    place = view.entry_view.place_button
    assert not window.is_attached()
    assert view.position_view.status_line.text() == LOADING
    for control in (place, view.entry_view.flatten_place_button,
                    *view.position_view.exit_buttons, view.kill_switch_action):
        assert not control.isEnabled()
        assert control.toolTip() == STARTING_TIP

    status = view.position_view.status_line
    qtbot.mouseClick(place, Qt.MouseButton.LeftButton)
    assert status.text() == NOT_SENT
    # What is typed in the gap is held back (and said), not taken and then silently replaced
    # by the saved form when the controllers attach.
    quantity = view.entry_view.quantity_field
    before = quantity.text()
    status.setText("")
    qtbot.keyClicks(quantity, "7")
    assert quantity.text() == before
    assert status.text() == NOT_SENT
    for ask in (_shortcut(window, "place").activated.emit,  # the Place key
                lambda: window.send(Action.FLATTEN_ACCOUNT)):
        status.setText("")
        ask()
        assert status.text() == NOT_SENT
    assert sim_server.sim.requests == []  # nothing reached the server at all

    # Attached, the same window works: controls get their own state back and a click sends.
    window.attach(Ticket(CrossTradeClient(TOKEN, base_url=sim_server.url)))
    assert window.is_attached()
    assert place.isEnabled() and place.toolTip() != STARTING_TIP
    assert view.kill_switch_action.isEnabled()
    with qtbot.waitSignal(window.first_load_done, timeout=15_000):
        window.start()
    assert "account(s) loaded" in view.position_view.status_line.text()
    picker = view.entry_view.account_picker
    picker.setCurrentIndex(picker.findData("Sim101"))
    picker.activated.emit(picker.currentIndex())
    view.confirm_orders_toggle.setChecked(False)
    ui.set_instrument(window, "MES 12-26")
    ui.choose(window, "MARKET")
    ui.type_keys(quantity, "3")  # keys are taken again
    assert quantity.text() == "3"
    ui.click_and_wait_idle(window, place)
    posts = sim_server.sim.order_posts("place")
    assert len(posts) == 1
    assert posts[0].path == "/v1/api/accounts/Sim101/orders/place"
    assert (posts[0].json or {})["quantity"] == 3
    ui.close(window)


def test_a_window_closed_before_its_ticket_came_closes_cleanly(
        qtbot: Any, settings_path: Path) -> None:
    window = TicketWindow(None, Settings(settings_path))
    qtbot.addWidget(window)
    window.show()
    window.resize(400, 640)
    window.close()
    assert not window.isVisible()
    assert Settings(settings_path).geometry is not None  # its place is kept as always


def test_pyside_import_check_answers_as_before_without_keeping_sources(tmp_path: Path) -> None:
    """PySide6's check of each later import (does its source name PySide6?) gives the same
    answers with `lighten_pyside_imports` (0: uses PySide6, -1: ignored), reads no source into
    `linecache`, and leaves the standard library unread."""
    child = textwrap.dedent("""
        import json, linecache, sys
        import PySide6.QtCore
        from ct_ticket.startup import lighten_pyside_imports
        assert lighten_pyside_imports()
        linecache.clearcache()
        sys.path.insert(0, sys.argv[1])
        import colorsys, with_qt, without_qt
        feature = sys.modules["shibokensupport.feature"].pyside_feature_dict
        print(json.dumps({"with": feature["with_qt"], "without": feature["without_qt"],
                          "stdlib": feature["colorsys"], "cached": list(linecache.cache)}))
    """)
    (tmp_path / "with_qt.py").write_text("import PySide6.QtCore\n", encoding="utf-8")
    (tmp_path / "without_qt.py").write_text("VALUE = 1\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", child, str(tmp_path)], capture_output=True,
                            text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == {"with": 0, "without": -1, "stdlib": -1, "cached": []}


def test_the_theme_applied_again_unchanged_restyles_no_widget(qapp: Any) -> None:
    """Start-up sets style and palette before the window exists and the sheet after it; a theme
    applied again unchanged must not re-style or re-colour every built widget."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QLineEdit

    from ct_ticket.ui import theme

    class Count(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[QEvent.Type] = []

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
            if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
                self.seen.append(event.type())
            return False

    # The shared application is given back with the look it had (other tests measure text).
    palette, sheet = QPalette(qapp.palette()), qapp.styleSheet()
    field = QLineEdit()
    try:
        theme.apply_theme(qapp, dark=True)
        field.show()
        count = Count()
        field.installEventFilter(count)
        assert theme.apply_palette(qapp, dark=True) == "dark"
        assert theme.apply_theme(qapp, dark=True) == "dark"
        assert count.seen == []
        theme.apply_theme(qapp, dark=False)  # a real switch still reaches the widget
        assert QEvent.Type.StyleChange in count.seen
    finally:
        field.close()
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)


def test_a_property_no_rule_selects_through_re_polishes_the_widget_alone(qapp: Any) -> None:
    """The first load's account kind on the ticket's root must not re-polish its ~200 widgets
    when no rule selects on it through an ancestor; a property that does (the side) still
    restyles the descendants it names."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QLabel, QProxyStyle, QVBoxLayout, QWidget

    from ct_ticket.ui import theme

    class Counting(QProxyStyle):
        """Counts the polishes of the widget it styles."""

        def __init__(self) -> None:
            super().__init__("Fusion")
            self.polished = 0

        def polish(self, target: Any) -> Any:  # Qt's name; widget, application or palette
            if isinstance(target, QWidget):
                self.polished += 1
            return super().polish(target)

    palette, sheet = QPalette(qapp.palette()), qapp.styleSheet()
    root = QWidget()
    counting = Counting()
    try:
        qapp.setStyleSheet('QWidget#root[kind="live"] { background: #402020; }\n'
                           'QWidget#root[side="sell"] QLabel#child { color: #ff0000; }')
        root.setObjectName("root")
        child = QLabel("x")
        child.setObjectName("child")
        child.setStyle(counting)
        QVBoxLayout(root).addWidget(child)
        root.show()
        before = counting.polished
        theme.set_style_property(root, "kind", "live")
        assert counting.polished == before  # the child was left alone
        theme.set_style_property(root, "side", "sell")
        assert counting.polished > before
        assert child.palette().color(QPalette.ColorRole.WindowText).name() == "#ff0000"
    finally:
        root.close()
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)


def test_the_demo_serves_its_stream_from_the_simulator_its_rest_calls_reach() -> None:
    """`--demo` answers REST in-process without Starlette and serves the stream, when asked,
    from the same simulator (a request made over REST is seen by the served app's simulator)."""
    import asyncio

    from ct_ticket import app

    backend = app.open_backend(app.parse_args(["--demo"]), "")

    async def use() -> str | None:
        try:
            await backend.client.list_accounts()
            return await backend.stream_base_url()
        finally:
            await backend.aclose()

    url = asyncio.run(use())
    assert url is not None and url.startswith("http://127.0.0.1:")
    demo = backend._demo_app
    assert demo is not None
    assert demo.app.state.sim is demo.http.sim
    assert [r.path for r in demo.http.sim.requests] == ["/v1/api/accounts"]
