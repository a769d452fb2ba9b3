"""What only one outlet may do (``domain/outlet_rules.py``): each task is allowed at its outlet, and refused
at any other with words that name the outlet where it is done; a transfer's own rules (``domain/transfers.py``)."""

from __future__ import annotations

import pytest

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.outlet_rules import OutletBound, only_at
from outlet_desk.domain.transfers import TransferRefused, check_send


@pytest.mark.parametrize("task", list(OutletBound))
def test_each_outlet_bound_task_is_allowed_at_its_outlet_and_refused_elsewhere_naming_it(task: OutletBound) -> None:
    assert only_at(task, "BJ01", "BJ01") is None
    refusal = only_at(task, "BJ02", "BJ01")
    assert refusal and "outlet BJ01" in refusal and "BJ02" not in refusal
    assert task.label  # every rule has its words


def test_each_task_has_its_own_refusal() -> None:
    refusals = [only_at(task, "BJ02", "BJ01") for task in OutletBound]
    assert len(set(refusals)) == len(refusals)


def test_a_ready_card_is_sent_to_another_outlet() -> None:
    check_send(CardStatus.READY, True, here="BJ01", to_outlet="BJ02", on_its_way=False)


@pytest.mark.parametrize(("status", "request_ready", "to", "on_its_way", "words"), [
    (CardStatus.ACTIVE, True, "BJ02", False, "active, not ready for collection"),
    (CardStatus.READY, False, "BJ02", False, "not ready for collection"),
    (CardStatus.READY, True, "BJ02", True, "already on its way"),
    (CardStatus.READY, True, "BJ01", False, "already held at outlet BJ01"),
])
def test_a_card_is_not_sent_unless_ready_not_on_its_way_and_going_elsewhere(
        status: CardStatus, request_ready: bool, to: str, on_its_way: bool, words: str) -> None:
    with pytest.raises(TransferRefused, match=words):
        check_send(status, request_ready, here="BJ01", to_outlet=to, on_its_way=on_its_way)
