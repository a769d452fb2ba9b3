"""A reissue request's stages as a small timeline: the stages reached, each with its time, the stages still to
come, the due date, and in one sentence what to tell the citizen. Shown on the person screen (the request
highlighted in its Requests tab) and on the hotline screen (the caller's newest request)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo
from typing import Any

from rich.text import Text
from textual import work

from outlet_desk.domain.request_status import CLOSED_REQUESTS, STAGE_ORDER, RequestStatus
from outlet_desk.i18n import _
from outlet_desk.services.request_lookup import person_timelines
from outlet_desk.services.request_stages import RequestTimeline
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.shell import shell

ARROW = " → "


def timeline_text(timeline: RequestTimeline, today: date, tz: tzinfo) -> Text:
    """The request's timeline as text (it wraps at the stages' arrows)."""
    text = Text()
    due = timeline.due_date.isoformat() if timeline.due_date else "-"
    text.append(_("Request {id}: {status}; due {due}").format(
        id=timeline.request_id, status=RequestStatus.label_of(timeline.status), due=due), style="bold")
    text.append("\n")
    for n, stage in enumerate(timeline.stages):
        if n:
            text.append(ARROW)
        style = "bold red" if stage.failure else ""
        text.append(f"{stage.label} {stage.at.astimezone(tz).strftime('%m-%d %H:%M')}", style=style)
    for coming in _still_to_come(timeline):
        text.append(ARROW + coming.label, style="dim")
    text.append("\n")
    text.append(_("Tell the citizen: {say}").format(say=timeline.tell(today)), style="bold green")
    return text


def _still_to_come(timeline: RequestTimeline) -> Sequence[RequestStatus]:
    try:
        status = RequestStatus(timeline.status)
    except ValueError:
        return ()
    if status in CLOSED_REQUESTS or status not in STAGE_ORDER:
        return ()
    return STAGE_ORDER[STAGE_ORDER.index(status) + 1:]


class StageTimeline(Static):
    """One request's timeline (or a line saying there is none)."""

    DEFAULT_CSS = """
    StageTimeline { height: auto; padding: 0 1; border-top: solid $panel; }
    """

    def __init__(self, **options: Any) -> None:
        super().__init__("", **options)

    def show(self, timeline: RequestTimeline | None, today: date, tz: tzinfo) -> None:
        self.update(timeline_text(timeline, today, tz) if timeline is not None
                    else _("No reissue request is on record for this holder."))


class PersonRequestTimeline(StageTimeline):
    """The timeline of one of a person's requests: it reads the person's requests itself (:meth:`load`), then
    shows the one the clerk highlights (:meth:`select`), at first the newest still open (else the newest)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.timelines: tuple[RequestTimeline, ...] = ()
        self.selected: int | None = None

    def load(self, person_id: int) -> None:
        self._read(person_id)

    @work(thread=True, exclusive=True, group="request-timeline")
    def _read(self, person_id: int) -> None:
        found = person_timelines(shell(self.app).desk, person_id)
        self.app.call_from_thread(self._loaded, found)

    def _loaded(self, found: tuple[RequestTimeline, ...]) -> None:
        self.timelines = found
        first = next((t for t in found if t.open), found[0] if found else None)
        self.select(self.selected if self.selected is not None else (first.request_id if first else None))

    def select(self, request_id: int | None) -> None:
        self.selected = request_id
        desk = shell(self.app)
        shown = next((t for t in self.timelines if t.request_id == request_id), None)
        self.show(shown if shown is not None else (self.timelines[0] if self.timelines else None),
                  desk.local_today(), desk.desk.tz)
