"""The activity-log panel's controller: the ticket's log entries become lines, and the answers
to sends play their sound."""

from __future__ import annotations

from ct_ticket.events import LogEntry, StatusLevel, TicketEvent
from ct_ticket.sounds import Sound, SoundPlayer
from ct_ticket.ticket import Ticket
from ct_ticket.ui.activity_view import ActivityView

__all__ = ["ActivityPanel"]


class ActivityPanel:
    """Appends every `LogEntry` the ticket publishes to the view."""

    def __init__(self, view: ActivityView, ticket: Ticket, sounds: SoundPlayer) -> None:
        self.view = view
        self.sounds = sounds
        ticket.subscribe(self.on_event)

    def on_event(self, event: TicketEvent) -> None:
        if not isinstance(event, LogEntry):
            return
        self.view.activity_log.appendPlainText(event.line())
        if event.latency_ms is not None:  # the answer to a send, not a background read
            if event.level is StatusLevel.OK and event.order_id:
                self.sounds.play(Sound.FILLED)
            elif event.level in (StatusLevel.ERROR, StatusLevel.UNKNOWN):
                self.sounds.play(Sound.REJECTED)
