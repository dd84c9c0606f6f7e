"""The stream's WebSocket connection: each whole message handed over where it was read.

websockets' asyncio connection puts every message in a queue, and a reader task wakes to take
it: per frame a future resolved, a task step scheduled and run, an async iterator stepped. On
the Qt event loop each of those scheduled steps is a Qt timer of its own. A busy market sends
50 frames a second, so `DirectConnection` instead calls its `on_message` with the message (a
text message as str, a binary one as bytes) from ``data_received``, in the same turn of the
loop that read it. Control frames
(ping, pong, close) and the opening handshake go through websockets as before; the queue stays
empty, and ``async for`` on the connection simply ends when the connection closes.

Should a later websockets stop calling ``process_event``, messages take the queue again: slower,
never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

__all__ = ["DirectConnection"]

log = logging.getLogger(__name__)
_STARTS = (Opcode.TEXT, Opcode.BINARY)


class DirectConnection(ClientConnection):
    """A client connection that hands every data message to `on_message` as it is read."""

    def __init__(self, *args: Any, on_message: Callable[[str | bytes], None],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_message = on_message
        self._text = True  # the message being read is text (its first frame said)
        self._parts: list[bytes] = []  # a fragmented message's frames so far

    def process_event(self, event: Event) -> None:
        """websockets' hook for each event read: data frames go to `on_message` (fragments
        joined first); the handshake and control frames to websockets."""
        if not isinstance(event, Frame) or event.opcode not in (*_STARTS, Opcode.CONT):
            super().process_event(event)
            return
        # The protocol has checked the frame (sizes, order of fragments, the close state).
        if event.opcode in _STARTS:
            self._text, self._parts = event.opcode is Opcode.TEXT, []
        self._parts.append(bytes(event.data))
        if not event.fin:
            return
        data = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
        self._parts = []
        try:
            self.on_message(data.decode() if self._text else data)
        except UnicodeDecodeError:
            log.warning("stream: skipped a text message that is not UTF-8")
        except Exception:  # a bug handling one message must not break the connection
            log.exception("stream: a message could not be handled")
