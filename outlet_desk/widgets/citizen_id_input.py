"""An input for a citizen identity number that says what is wrong while it is typed."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input

from outlet_desk.domain.citizen_id import citizen_id_problem_so_far


def problem_so_far(value: str, today: date, citizen_number: bool = True) -> str | None:
    """The typing feedback: None while ``value`` can still become a valid citizen number."""
    if not citizen_number or not value.strip():
        return None
    return citizen_id_problem_so_far(value, today)


class CitizenIdInput(Input):
    """18 characters at most (plus spaces); the owner shows :func:`problem_so_far` under it."""

    def __init__(self, value: str = "", *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(value=value, placeholder=placeholder, id=id, max_length=22)
