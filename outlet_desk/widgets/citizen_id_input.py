"""An input for a citizen identity number that says what is wrong while it is typed."""

from __future__ import annotations

from datetime import date

from textual import events
from textual.widgets import Input

from outlet_desk.domain.citizen_id import LENGTH, citizen_id_problem_so_far, normalise_citizen_id


def problem_so_far(value: str, today: date, citizen_number: bool = True) -> str | None:
    """The typing feedback: None while ``value`` can still become a valid citizen number."""
    if not citizen_number or not value.strip():
        return None
    return citizen_id_problem_so_far(value, today)


class CitizenIdInput(Input):
    """18 characters at most (plus spaces); the owner shows :func:`problem_so_far` under it.

    A citizen number has one length, so the desk knows when it is typed: the next character typed after a
    whole number with no problem goes to the next field, and the focus with it (no Enter needed; an Enter
    still moves on, for whoever presses it by habit). Decided as each key is routed here, before the input
    has read the keys routed before it, so a name typed fast after the number never lands in the number
    field, however loaded the machine is."""

    def __init__(self, value: str = "", *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(value=value, placeholder=placeholder, id=id, max_length=22)
        self._routed = ""
        """Characters routed to this input and not read yet: with ``value``, what it will hold."""
        self._edits = 0
        """Other keys routed here and not read yet (a Backspace, an arrow): what it will hold is unsure."""

    def _whole_ahead(self) -> bool:
        ahead = self.value + self._routed
        at_end = self._edits == 0 and self.selection.is_empty and self.cursor_position == len(self.value)
        return (at_end and len(normalise_citizen_id(ahead)) == LENGTH
                and citizen_id_problem_so_far(ahead, date.today()) is None)

    def _next_input(self) -> Input | None:
        chain = self.screen.focus_chain
        after = chain[chain.index(self) + 1:] if self in chain else []
        return after[0] if after and isinstance(after[0], Input) else None

    def _forward_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and self.has_focus:
            if event.is_printable and event.character:
                target = self._next_input() if self._whole_ahead() else None
                if target is not None:
                    self.screen.set_focus(target)  # now, not later: the keys after this one go there too
                    target._forward_event(event)
                    return
                self._routed += event.character
            else:
                self._edits += 1
        super()._forward_event(event)

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and self._routed:
            self._routed = self._routed[1:]
        elif not event.is_printable and self._edits:
            self._edits -= 1
        await super()._on_key(event)
