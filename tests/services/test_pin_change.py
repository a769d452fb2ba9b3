"""The holder's PIN change before the hand-over: the PIN rules first, then the chip."""

from __future__ import annotations

import pytest

from outlet_desk.domain.pin import INITIAL_PIN, PinRefused
from outlet_desk.services.collection import change_holder_pin


class Pad:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def verify_pin(self, pin: str) -> None:
        self.calls.append(("verify", pin))

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        self.calls.append(("change", old_pin, new_pin))


def test_the_current_pin_is_verified_then_changed() -> None:
    pad = Pad()
    change_holder_pin(pad, INITIAL_PIN, "802417", "802417")
    assert pad.calls == [("verify", INITIAL_PIN), ("change", INITIAL_PIN, "802417")]


@pytest.mark.parametrize(("new", "again"), [("802417", "802418"), (INITIAL_PIN, INITIAL_PIN), ("8024", "8024")])
def test_a_pin_breaking_a_rule_never_reaches_the_chip(new: str, again: str) -> None:
    pad = Pad()
    with pytest.raises(PinRefused):
        change_holder_pin(pad, INITIAL_PIN, new, again)
    assert pad.calls == []
