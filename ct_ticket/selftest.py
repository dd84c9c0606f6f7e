"""``ct-ticket --self-test``: prove that this install or frozen build can run the ticket.

Headless (``QT_QPA_PLATFORM=offscreen`` unless the variable is already set), it imports what the
app needs, reports the keyring back end, opens the real `TicketWindow` over the in-process
simulator, sends one MARKET Place and one Flatten & Place through the window's own send path,
checks what the simulator received and what the status line said, and checks the resources.

It prints one line: ``ct-ticket 0.1.0 self-test OK: ...`` (exit 0) or
``ct-ticket 0.1.0 self-test FAILED: <reason>`` (exit 1), and ends within `DEFAULT_TIMEOUT`
seconds whatever hangs. The trader's settings and keyring are never touched: settings go to a
temporary INI file and the demo token never reaches the keyring. With
``CT_TICKET_REQUIRE_KEYRING=1`` (set by .ci/keyring-session.sh) a keyring back end that cannot
store a token is a failure; without it, it is only reported.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ct_ticket import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ct_ticket.events import Action
    from ct_ticket.sim import Simulator
    from ct_ticket.ui.window import TicketWindow

__all__ = ["DEFAULT_TIMEOUT", "SelfTestError", "run_self_test"]

DEFAULT_TIMEOUT = 30.0
"""Seconds after which the self-test fails, even if the GUI thread itself is stuck."""

_KEYRING_TIMEOUT = 10.0
_STEP_TIMEOUT = 10.0
# The back end keyring must find on each platform; its entry point proves the package metadata
# was bundled (keyring issue #591: without it a frozen app silently has no back end).
_PLATFORM_BACKEND = {"linux": "SecretService", "darwin": "macOS", "win32": "Windows"}


class SelfTestError(Exception):
    """A check failed; the message is the reason printed after ``self-test FAILED:``."""


def run_self_test(timeout: float = DEFAULT_TIMEOUT) -> int:
    """Run every check and print one summary line; return the process exit code (0 or 1)."""
    started = time.perf_counter()
    watchdog = _start_watchdog(timeout + 2.0)  # the asyncio deadline below normally fires first
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        keyring_name = _check_imports()
        with tempfile.TemporaryDirectory(prefix="ct-ticket-self-test-") as scratch:
            resources = _run_gui_checks(Path(scratch), deadline=started + timeout)
    except Exception as error:  # every failure, expected or not, becomes the one FAILED line
        reason = str(error) if isinstance(error, SelfTestError) else (
            f"{type(error).__name__}: {error}")
        _say(f"ct-ticket {__version__} self-test FAILED: {reason}")
        return 1
    finally:
        watchdog.cancel()
    elapsed = time.perf_counter() - started
    _say(f"ct-ticket {__version__} self-test OK: window, simulator place+flatplace, stream, "
         f"keyring={keyring_name}, resources={resources}, {elapsed:.2f} s")
    return 0


def _say(line: str) -> None:
    # A windowed Windows build has no stdout at all; the exit code still tells.
    if sys.stdout is not None:
        print(line, flush=True)


def _start_watchdog(seconds: float) -> threading.Timer:
    """Exit the process with a FAILED line if the checks are still running after `seconds`."""
    def expire() -> None:
        _say(f"ct-ticket {__version__} self-test FAILED: no result within {seconds:.0f} s")
        os._exit(1)  # the GUI thread may be blocked: a normal exit could wait on it forever

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


# --- imports and keyring ----------------------------------------------------------------------


def _check_imports() -> str:
    """Import what the app loads (a frozen build may lack any of it); return the keyring's name."""
    modules = ["PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg",
               "qasync", "h11", "certifi", "starlette", "keyring", "ct_ticket.ui.window",
               "ct_ticket.sim", "ct_ticket.credentials"]
    if sys.platform.startswith("linux"):
        modules += ["secretstorage", "jeepney", "keyring.backends.SecretService"]
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as error:
            raise SelfTestError(f"cannot import {name}: {type(error).__name__}: {error}") from None
    return _check_keyring()


def _check_keyring() -> str:
    platform = "linux" if sys.platform.startswith("linux") else sys.platform
    expected = _PLATFORM_BACKEND.get(platform)
    names = {ep.name for ep in importlib.metadata.entry_points(group="keyring.backends")}
    if expected and expected not in names:
        raise SelfTestError(f"keyring back end {expected} is not registered (entry points "
                            f"found: {sorted(names) or 'none'}; is keyring's metadata bundled?)")
    import keyring

    backend = _in_thread(keyring.get_keyring, _KEYRING_TIMEOUT, "keyring.get_keyring()")
    name = f"{type(backend).__module__.rpartition('.')[2]}.{type(backend).__name__}"
    if os.environ.get("CT_TICKET_REQUIRE_KEYRING") == "1":
        from ct_ticket import credentials

        if not credentials.available():
            raise SelfTestError(f"keyring={name} cannot store a token, and "
                                "CT_TICKET_REQUIRE_KEYRING=1 asks for a working keyring")
    return name


def _in_thread(function: Callable[[], Any], timeout: float, what: str) -> Any:
    """Call `function` on a daemon thread (a locked keyring may never answer)."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            result.append(function())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=call, name="self-test", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise SelfTestError(f"{what} did not answer within {timeout:g} s")
    if errors:
        raise SelfTestError(f"{what} failed: {type(errors[0]).__name__}: {errors[0]}")
    return result[0]


# --- Qt, resources and the window -------------------------------------------------------------


def _run_gui_checks(scratch: Path, deadline: float) -> Path:
    """Create the QApplication and qasync loop, check resources, drive the window; return the
    resources folder."""
    from PySide6.QtWidgets import QApplication

    from ct_ticket.event_loop import BatchedEventLoop
    from ct_ticket.startup import StartupError, check_qt_platform, qt_platform_guard

    try:
        check_qt_platform()
    except StartupError as error:
        raise SelfTestError(str(error)) from None

    def platform_failed(reason: str) -> None:  # Qt aborts right after; say why first
        _say(f"ct-ticket {__version__} self-test FAILED: {reason}")

    with qt_platform_guard(on_fatal=platform_failed):
        app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("ct-ticket")
    app.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop under us
    resources = _check_resources(app)
    loop = BatchedEventLoop(app)
    asyncio.set_event_loop(loop)
    problems: list[str] = []
    loop.set_exception_handler(lambda _loop, context: problems.append(str(context["message"])))
    previous_hook = sys.excepthook
    sys.excepthook = lambda kind, error, _tb: problems.append(f"{kind.__name__}: {error}")
    try:
        with loop:
            budget = max(1.0, deadline - time.perf_counter())
            try:
                loop.run_until_complete(asyncio.wait_for(_drive_window(scratch), budget))
            except TimeoutError:
                raise SelfTestError(f"the window checks did not finish within {budget:.0f} s"
                                    ) from None
    finally:
        sys.excepthook = previous_hook
    if problems:  # an exception in a slot or a task: the checks may have passed by luck
        raise SelfTestError(f"unhandled error while running: {problems[0]}")
    return resources


def _check_resources(app: QApplication) -> Path:
    """Style sheets, app icon and every SVG icon are found and render (the SVG plugins)."""
    from PySide6.QtGui import QIcon, QImageReader
    from PySide6.QtSvg import QSvgRenderer

    from ct_ticket.paths import REQUIRED_RESOURCES, resource_path, resources_dir
    from ct_ticket.ui import theme

    try:
        folder = resources_dir()
        for parts in REQUIRED_RESOURCES:
            resource_path(*parts)
    except (FileNotFoundError, ValueError) as error:
        raise SelfTestError(str(error)) from None
    if b"svg" not in {bytes(f.data()) for f in QImageReader.supportedImageFormats()}:
        raise SelfTestError("Qt cannot read SVG images (imageformats/libqsvg plugin missing)")
    icons = sorted((folder / "icons").glob("*.svg"))
    if not icons:
        raise SelfTestError(f"no SVG icons in {folder / 'icons'}")
    for path in icons:
        if not QSvgRenderer(str(path)).isValid():
            raise SelfTestError(f"icon does not render: {path}")
        if QIcon(str(path)).pixmap(20, 20).isNull():
            raise SelfTestError(f"QIcon cannot draw {path.name} (iconengines/svg plugin missing)")
    theme.apply_theme(app)
    if not app.styleSheet():
        raise SelfTestError("the style sheet was not applied")
    app.setWindowIcon(theme.app_icon())
    if app.windowIcon().pixmap(32, 32).isNull():
        raise SelfTestError("the application icon does not render")
    return folder


async def _drive_window(scratch: Path) -> None:
    """The real window over the in-process simulator: first load, Place, Flatten & Place."""
    from ct_ticket.api.asgi import AsgiTransport
    from ct_ticket.api.client import CrossTradeClient
    from ct_ticket.events import Action
    from ct_ticket.model import Side
    from ct_ticket.session import DEMO_TOKEN
    from ct_ticket.settings import Settings
    from ct_ticket.sim import Simulator, create_app
    from ct_ticket.ticket import Ticket
    from ct_ticket.ui.window import TicketWindow

    sim = Simulator(seed=1)
    client = CrossTradeClient(DEMO_TOKEN, base_url="http://127.0.0.1",
                              transport=AsgiTransport(create_app(sim)))
    window = TicketWindow(Ticket(client), Settings(scratch / "settings.ini"))
    try:
        window.show()
        await _within(window.start(), "the first load")  # start() returns the load's task
        if window.entry.view.account_picker.count() == 0:
            status = window.position.view.status_line.text()
            raise SelfTestError(f"no accounts after the first load: {status}")
        # A fresh settings file means MARKET, quantity 1, no confirmation; say so anyway, so
        # a changed default cannot turn this into an unanswered dialog.
        window.view.confirm_orders_toggle.setChecked(False)
        window.entry.view.order_type_picker.setCurrentIndex(
            window.entry.view.order_type_picker.findData("MARKET")
        )
        window.entry.view.quantity_field.setValue(1)
        # BUY, then Flatten & SELL: two different orders, so no "same order twice" rail holds
        # the second one for a confirmation nobody will give.
        for action, side in ((Action.PLACE, Side.BUY), (Action.FLAT_PLACE, Side.SELL)):
            window.entry.choose_side(side)
            await _send_and_check(window, action)
        _check_simulator(sim)
        await _check_stream(window, sim)
    finally:
        window.close()
        await _within(window.ticket.wait_idle(), "the last request")
        await client.aclose()


async def _check_stream(window: TicketWindow, sim: Simulator) -> None:
    """The same simulator's WebSocket served on loopback (uvicorn, websockets: the imports a
    frozen build most easily misses): the window goes live and a streamed price reaches it."""
    from ct_ticket.api.stream import StreamClient
    from ct_ticket.feed import Feed
    from ct_ticket.session import DEMO_TOKEN
    from ct_ticket.sim import create_app, serve_in_thread

    served = await asyncio.to_thread(serve_in_thread, create_app(sim))
    stream = StreamClient(DEMO_TOKEN, base_url=served.url)
    try:
        await _within(_check_rest_over_a_socket(served.url), "REST over a loopback connection")
        window.attach_feed(Feed(window.ticket, stream))
        stream.start()
        await _within(
            _until(lambda: window.header.view.stream_indicator.text() == "◉ Live"),
            "the stream going live",
        )
        quote = window.ticket.quote
        price = (quote.bid or 0.0) + 2.0 if quote else 0.0
        sim.set_price(window.ticket.instrument, price)
        await _within(
            _until(lambda: _shown_price(window.entry.view.bid_button.text()) == price),
            "a streamed quote reaching the window",
        )
    finally:
        await stream.aclose()
        await asyncio.to_thread(served.close)


async def _check_rest_over_a_socket(url: str) -> None:
    """The client's own connections (`api/lanes.py`, `api/sockets.py`) on this platform's
    event loop (the proactor on Windows): two reads on one kept-alive connection."""
    from ct_ticket.api.client import CrossTradeClient
    from ct_ticket.session import DEMO_TOKEN

    async with CrossTradeClient(DEMO_TOKEN, base_url=url, get_retries=0) as client:
        first = await client.list_accounts()
        again = await client.list_accounts()
    if not first or [a.name for a in first] != [a.name for a in again]:
        raise SelfTestError("the accounts read over a loopback connection were not the same "
                            "twice")


def _shown_price(text: str) -> float | None:
    """The number a "Bid 6852.00" button shows (however many decimals the tick gives it)."""
    try:
        return float(text.split()[-1])
    except (IndexError, ValueError):
        return None


async def _until(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.02)


async def _within(awaitable: Any, what: str) -> None:
    try:
        await asyncio.wait_for(awaitable, _STEP_TIMEOUT)
    except TimeoutError:
        raise SelfTestError(f"{what} did not finish within {_STEP_TIMEOUT:g} s") from None


async def _send_and_check(window: TicketWindow, action: Action) -> None:
    """Send through `window.send` and require an OK "Accepted" status on the status line."""
    from ct_ticket.events import Status, StatusLevel, TicketEvent

    shown: list[tuple[StatusLevel, str]] = []

    def on_event(event: TicketEvent) -> None:
        # The window subscribed first, so the status line already shows this event.
        if isinstance(event, Status):
            shown.append((event.level, window.position.view.status_line.text()))

    window.ticket.subscribe(on_event)
    window.send(action)
    if not window.ticket.busy:
        raise SelfTestError(
            f"{action.value} was not sent (refused, or held for a confirmation):"
            f" {window.position.view.status_line.text()}"
        )
    await _within(window.ticket.wait_idle(), f"{action.value}")
    accepted = [
        text for level, text in shown if level is StatusLevel.OK and text.startswith("Accepted")
    ]
    if not accepted:
        last = shown[-1][1] if shown else window.position.view.status_line.text()
        raise SelfTestError(f"{action.value}: the status line did not report success: {last}")
    if window.position.view.status_line.property("level") != "ok":
        raise SelfTestError(
            f"{action.value}: status line ends at "
            f"{window.position.view.status_line.property('level')}: "
            f"{window.position.view.status_line.text()}"
        )


def _check_simulator(sim: Simulator) -> None:
    """Exactly one place and one flatplace POST arrived, both MARKET and both answered 200."""
    for kind in ("place", "flatplace"):
        posts = sim.order_posts(kind)
        if len(posts) != 1:
            raise SelfTestError(f"the simulator received {len(posts)} {kind} POST(s), not 1")
        post = posts[0]
        if (
            post.status != 200
            or not isinstance(post.json, dict)
            or (post.json.get("orderType") != "MARKET")
        ):
            raise SelfTestError(f"{kind} POST answered {post.status} for body {post.json!r}")
