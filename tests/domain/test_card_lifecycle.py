from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outlet_desk.domain.card_lifecycle import (
    BLOCKED_WHEN_PRESENTED,
    CardEvent,
    CardStatus,
    TransitionRefused,
    allowed_events,
    event_label,
    functions_suspended,
    is_expired,
    is_terminal,
    status_label,
    transition,
)

S = CardStatus
E = CardEvent

# Written out from the design, independently of the module's own table.
EXPECTED: dict[tuple[CardStatus, CardEvent], CardStatus] = {
    (S.ORDERED, E.RECEIVE): S.IN_STOCK,
    (S.IN_STOCK, E.MAKE_READY): S.READY,
    (S.IN_STOCK, E.SPOIL): S.SPOILED,
    (S.READY, E.ACTIVATE): S.ACTIVE,
    (S.READY, E.RETURN_UNCOLLECTED): S.RETURNED,
    (S.ACTIVE, E.SUSPEND): S.SUSPENDED,
    (S.ACTIVE, E.REPORT_LOST): S.LOST,
    (S.SUSPENDED, E.REPORT_LOST): S.LOST,
    (S.SUSPENDED, E.WITHDRAW_LOSS): S.ACTIVE,
    (S.LOST, E.WITHDRAW_LOSS): S.ACTIVE,
    (S.SUSPENDED, E.LAPSE): S.ACTIVE,
    (S.ACTIVE, E.REPORT_DAMAGED): S.DAMAGED,
    (S.LOST, E.REPLACE): S.REPLACED,
    (S.DAMAGED, E.REPLACE): S.REPLACED,
    (S.ACTIVE, E.REPLACE): S.REPLACED,
    # Cancellation (death, emigration, a duplicate) ends any card not yet over.
    **{(status, E.CANCEL): S.CANCELLED
       for status in (S.ORDERED, S.IN_STOCK, S.READY, S.ACTIVE, S.SUSPENDED, S.LOST, S.DAMAGED)},
}
TERMINAL = {S.REPLACED, S.RETURNED, S.SPOILED, S.CANCELLED}


@pytest.mark.parametrize("status", list(CardStatus))
@pytest.mark.parametrize("event", list(CardEvent))
def test_every_pair_follows_the_table_or_is_refused_naming_the_status(
    status: CardStatus, event: CardEvent
) -> None:
    if (status, event) in EXPECTED:
        assert transition(status, event) is EXPECTED[(status, event)]
        assert event in allowed_events(status)
    else:
        with pytest.raises(TransitionRefused) as caught:
            transition(status, event)
        assert status_label(status) in caught.value.message
        assert event_label(event) in caught.value.message
        assert caught.value.status is status
        assert caught.value.event is event
        assert caught.value.code == "transition_refused"
        assert event not in allowed_events(status)


def test_refusal_reads_as_a_sentence_for_the_clerk() -> None:
    with pytest.raises(TransitionRefused) as caught:
        transition(S.REPLACED, E.WITHDRAW_LOSS)
    assert str(caught.value) == "Cannot withdraw the loss report: the card is replaced."


def test_activating_a_card_still_in_stock_is_refused() -> None:
    with pytest.raises(TransitionRefused) as caught:
        transition(S.IN_STOCK, E.ACTIVATE)
    assert caught.value.message == "Cannot activate the card: the card is in stock."


def test_refusal_is_translated_when_raised(shouting: None) -> None:
    with pytest.raises(TransitionRefused) as caught:
        transition(S.SPOILED, E.ACTIVATE)
    assert caught.value.message == "<<Cannot <<activate the card>>: the card is <<spoiled>>.>>"


@given(st.lists(st.sampled_from(list(CardEvent)), max_size=40))
def test_random_event_sequences_stay_in_the_enum_and_terminal_states_stay_put(
    events: list[CardEvent],
) -> None:
    status = S.ORDERED
    for event in events:
        try:
            new = transition(status, event)
        except TransitionRefused as error:
            assert error.status is status
            continue
        assert status not in TERMINAL
        assert new in set(CardStatus)
        status = new


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_replaced_returned_and_spoiled_are_terminal(status: CardStatus) -> None:
    assert allowed_events(status) == frozenset()
    assert is_terminal(status)


def test_only_terminal_states_are_terminal() -> None:
    assert {status for status in CardStatus if is_terminal(status)} == TERMINAL


def test_a_lost_card_can_be_found_or_replaced_but_not_used() -> None:
    assert allowed_events(S.LOST) == {E.WITHDRAW_LOSS, E.REPLACE, E.CANCEL}
    assert functions_suspended(S.LOST)
    assert S.LOST in BLOCKED_WHEN_PRESENTED


def test_functions_are_suspended_only_while_reported_lost() -> None:
    assert {status for status in CardStatus if functions_suspended(status)} == {S.SUSPENDED, S.LOST}


def test_cards_refused_when_presented() -> None:
    blocked = {S.SUSPENDED, S.LOST, S.REPLACED, S.RETURNED, S.SPOILED, S.CANCELLED}
    assert blocked == BLOCKED_WHEN_PRESENTED
    assert S.ACTIVE not in BLOCKED_WHEN_PRESENTED


def test_every_status_and_event_has_a_label() -> None:
    assert status_label(S.SUSPENDED) == "temporarily reported lost"
    assert all(status_label(status) for status in CardStatus)
    assert all(event_label(event) for event in CardEvent)


def test_card_is_valid_through_its_expiry_date() -> None:
    expiry = date(2026, 11, 25)
    assert not is_expired(expiry, date(2026, 11, 25))
    assert is_expired(expiry, date(2026, 11, 26))
