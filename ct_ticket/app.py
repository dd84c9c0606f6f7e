"""Command line, QApplication and qasync loop, and the wiring of the parts; nothing else.

Start-up order: the real ticket window is built and painted first, inert, with only Qt and the
views imported; then asyncio, qasync's loop, the HTTP client (h11, and ssl), the keyring and
(for --demo) the simulator load, and the ticket is attached to the painted window.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ct_ticket import __version__

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtWidgets import QApplication

    from ct_ticket.api.client import CrossTradeClient
    from ct_ticket.api.stream import StreamClient
    from ct_ticket.session import TokenSession
    from ct_ticket.sim import ServedSim, SimHttp
    from ct_ticket.ui.window import TicketWindow

__all__ = ["main", "parse_args"]

log = logging.getLogger("ct_ticket")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    from ct_ticket.startup import ArgumentParser, base_url

    parser = ArgumentParser(
        prog="ct-ticket",
        description="An always-on-top order ticket for NinjaTrader 8 through the CrossTrade API.")
    parser.add_argument("--version", action="version", version=f"ct-ticket {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="run against the built-in CrossTrade simulator (no token, no NT8)")
    parser.add_argument("--base-url", metavar="URL", type=base_url,
                        help="CrossTrade API address (default https://app.crosstrade.io)")
    parser.add_argument("--screenshot", metavar="FILE.png", type=Path,
                        help="after the first load, save the window to a PNG and exit")
    parser.add_argument("--forget-token", action="store_true",
                        help="remove the API token from the system keyring and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="check this install or build headlessly against the simulator "
                             "(one Place, one Flatten & Place) and exit 0 if it works")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `ct-ticket` and `python -m ct_ticket`."""
    args = parse_args(argv)
    if args.self_test:  # first: it needs no display and must not touch logs or settings
        from ct_ticket.selftest import run_self_test

        return run_self_test()
    # The collector rests while the app imports and builds (~100 young collections, 15-30 ms
    # of a start, that find almost nothing: a few hundred objects); `run` freezes what was
    # loaded and turns it back on once the ticket is attached.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _start(args)
    finally:
        if collecting:
            gc.enable()


def _start(args: argparse.Namespace) -> int:
    from ct_ticket import startup

    # Whatever fails before the window exists is said in one line (stderr, or a message box
    # when there is no console) with a non-zero exit; a corrupt settings file only adds a note.
    try:
        startup.setup_logging()
        if args.forget_token:
            return _forget_token()
        startup.check_display()
        # The window's Qt-free modules (words, events, model) before PySide6: it reads the
        # source of every module imported after it (see forget_sources), not of these.
        importlib.import_module("ct_ticket.wording")
        startup.check_qt_platform()  # the first import of PySide6
        startup.lighten_pyside_imports()
        startup.check_resources()
        from ct_ticket.settings import default_settings_file

        settings_note = startup.check_settings_file(default_settings_file())
    except startup.StartupError as error:
        return startup.fail(error)
    if settings_note:
        startup.say(f"ct-ticket: note: {settings_note}", error=False)
    from PySide6.QtWidgets import QApplication

    with startup.qt_platform_guard():
        app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("ct-ticket")
    app.setOrganizationName("ct-ticket")
    # The loop ends when run() returns, after in-flight requests finished; Qt must not quit first.
    app.setQuitOnLastWindowClosed(False)
    window = paint_first(args, app)
    forget_sources()
    # Only now the network side: asyncio, the Qt-driven loop, the HTTP client, keyring,
    # simulator.
    import asyncio

    from ct_ticket.event_loop import BatchedEventLoop

    loop = BatchedEventLoop(app)
    asyncio.set_event_loop(loop)
    from ct_ticket.ui.crash import install_crash_handlers

    install_crash_handlers(loop)
    with loop:
        return int(loop.run_until_complete(run(args, app, window)))


def paint_first(args: argparse.Namespace, app: QApplication) -> TicketWindow:
    """The real ticket window, themed, shown and painted before anything of the network side is
    imported: inert (its send controls disabled, saying why) until `run` attaches the ticket."""
    from ct_ticket.settings import Settings
    from ct_ticket.ui import theme
    from ct_ticket.ui.first_paint import wait_for_first_paint
    from ct_ticket.ui.window import TicketWindow

    app.setWindowIcon(theme.app_icon())
    # Style and palette before the widgets exist (free now, a re-style of each widget later);
    # the style sheet after they are built: then each is polished once, not again at every
    # re-parenting while the window is put together (~20 ms of the first paint).
    theme.apply_palette(app)
    window = TicketWindow(None, Settings())
    theme.follow_system_theme(app)  # applies the sheet now, and all again when the desktop switches
    if args.demo:
        window.setWindowTitle("ct-ticket — DEMO (simulated CrossTrade)")
    window.show()
    if not wait_for_first_paint(window):  # said, not fatal: the desktop may show it later
        log.warning("the window was not painted within a second of being shown: the desktop "
                    "has not shown it yet")
    return window


def _forget_token() -> int:
    from ct_ticket import credentials

    try:
        removed = credentials.forget_token_blocking()
    except credentials.KeyringError as error:
        print(f"ct-ticket: {error}", file=sys.stderr)
        return 1
    print("API token removed from the keyring." if removed else "No API token was stored.")
    return 0


def forget_sources() -> None:
    """Drop the source text PySide6 read of every module imported after it.

    PySide6 checks each later import for its ``__feature__`` switch by reading the module's
    whole source (``inspect.getsource``), which stays in ``linecache``: about 10 MB for the
    app's ~300 modules (a frozen build ships no sources, so there it reads nothing). With
    `startup.lighten_pyside_imports` in place nothing is kept there; this is for a PySide6
    whose check it could not replace. A traceback reads the lines it needs again.
    """
    import linecache

    linecache.clearcache()


class LazySimApp:
    """The demo's simulator, built at its first use (after the window is painted): REST calls
    are answered in-process by its plain ASGI side, and the Starlette app (the same simulator,
    with the stream) is built only when the stream is served."""

    def __init__(self) -> None:
        self._http: SimHttp | None = None
        self._app: Any = None

    @property
    def http(self) -> SimHttp:
        """The simulator's HTTP side (the simulator is built now if it was not yet)."""
        if self._http is None:
            from ct_ticket.sim import SimHttp, Simulator

            self._http = SimHttp(Simulator())
        return self._http

    @property
    def app(self) -> Any:
        """The Starlette app over the same simulator, with the stream (built now if not yet)."""
        if self._app is None:
            from ct_ticket.sim import create_app

            self._app = create_app(self.http.sim)
        return self._app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.http(scope, receive, send)


class Backend:
    """What the window talks to: the REST client, and where the market-data stream lives."""

    def __init__(self, client: CrossTradeClient, stream_base_url: str | None = None,
                 demo_app: LazySimApp | None = None) -> None:
        self.client = client
        self._stream_base_url = stream_base_url
        self._demo_app = demo_app
        self._served: ServedSim | None = None

    async def stream_base_url(self) -> str | None:
        """The stream's address; for --demo the simulator's stream is served first, on a
        loopback port in a thread (None when uvicorn is missing: the demo runs on REST)."""
        if self._demo_app is None:
            return self._stream_base_url
        import asyncio  # loaded since the loop exists; at module level it would load at start

        try:
            from ct_ticket.sim import serve_in_thread
        except ImportError:
            log.info("demo without a stream: uvicorn is not installed")
            return None
        if self._served is None:
            self._served = await asyncio.to_thread(serve_in_thread, self._demo_app.app)
        return self._served.url

    async def aclose(self) -> None:
        """Close the client, then the demo's stream server if one was served."""
        import asyncio

        await self.client.aclose()
        if self._served is not None:
            await asyncio.to_thread(self._served.close)


def open_backend(args: argparse.Namespace, token: str) -> Backend:
    """Over the network, or for --demo over one simulator: REST in-process, so the first load
    needs no server, and the stream from the same simulator once it is served."""
    from ct_ticket.api.client import DEFAULT_BASE_URL, CrossTradeClient

    if not args.demo:
        base_url = args.base_url or DEFAULT_BASE_URL
        return Backend(CrossTradeClient(token, base_url=base_url), base_url)
    from ct_ticket.api.asgi import AsgiTransport
    from ct_ticket.session import DEMO_TOKEN

    sim_app = LazySimApp()  # built by the first load's first request, after the first paint
    client = CrossTradeClient(DEMO_TOKEN, base_url="http://127.0.0.1",
                              transport=AsgiTransport(sim_app))
    return Backend(client, demo_app=sim_app)


async def connect_stream(backend: Backend, window: TicketWindow, session: TokenSession
                         ) -> StreamClient | None:
    """Bring the market-data stream into the window; started once a token is known."""
    from ct_ticket.api.stream import StreamClient
    from ct_ticket.feed import Feed

    base_url = await backend.stream_base_url()
    if base_url is None or not window.isVisible():
        return None
    # One rate budget for REST and the stream: CrossTrade counts both against one bucket.
    stream = StreamClient(session.token or "", base_url=base_url,
                          budget=window.ticket.client.budget)
    window.attach_feed(Feed(window.ticket, stream))
    session.set_stream(stream)
    if session.token:
        stream.start()
    return stream


async def run(args: argparse.Namespace, app: QApplication, window: TicketWindow) -> int:
    """Attach the ticket to the painted window, run it until it closes, then finish in-flight
    work and clean up."""
    import asyncio

    from ct_ticket.session import TokenSession
    from ct_ticket.ticket import Ticket
    from ct_ticket.ui.token_controller import TokenController

    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def window_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    app.lastWindowClosed.connect(window_closed)
    # Input that arrived while the network side was imported reaches the inert window now,
    # where it sends nothing, and not the attached one later.
    await asyncio.sleep(0)
    if not window.isVisible():  # closed before its ticket came: nothing was started
        return 0
    session = TokenSession(demo=args.demo)
    token = await session.load()
    backend = open_backend(args, token or "")
    client = backend.client
    session.bind(client)
    ticket = Ticket(client)
    session.watch(ticket)
    window.attach(ticket)
    forget_sources()  # the network side and the controllers are imported by now
    gc.freeze()  # what start-up loaded lives as long as the app (frozen again at first load)
    gc.enable()
    tokens = TokenController(session, window, interactive=args.screenshot is None)

    exit_code = 0
    if args.screenshot is not None:
        def shoot() -> None:
            nonlocal exit_code
            from ct_ticket.ui.screenshot import save_window

            exit_code = 0 if save_window(window, args.screenshot) else 1
            window.close()
            # The PNG is written: the run ends even if the window stays open. A desktop that
            # never showed it drops the close (Wine's, when its desktop came up without the X
            # display), and a screenshot run must not wait for a close that never comes.
            window_closed()

        window.first_load_done.connect(shoot)
    # Everything loaded so far lives as long as the app: move it out of the collector's sight,
    # so a full collection while orders are in flight scans far fewer objects (shorter stalls).
    window.first_load_done.connect(forget_sources)
    window.first_load_done.connect(gc.freeze)
    if token or args.demo:
        window.start()
    else:
        tokens.missing_token()
    # The stream comes second: the first paint and the first load never wait for it. A
    # screenshot is taken at the first load, before a stream could matter, so it goes without.
    streaming = (asyncio.ensure_future(connect_stream(backend, window, session))
                 if args.screenshot is None else None)
    await closed
    stream = await streaming if streaming is not None else None
    try:
        await asyncio.wait_for(ticket.wait_idle(), timeout=10)
    except TimeoutError:
        log.warning("exit: a request was still in flight after 10 s")
    if stream is not None:
        await stream.aclose()
    await backend.aclose()
    return exit_code
