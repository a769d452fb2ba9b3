"""A blocked card put into the reader raises the blocked-card dialog, and is audited, whatever screen is
open: on a task screen unless it is the very card the task waits for; on the sign-in and lock screens
right after the next sign-in, under the operator who signed in. All on the in-process training reader."""

from __future__ import annotations

from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Card, Operator, Person, ReissueRequest
from outlet_desk.domain.roles import Action
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.screens.blocked_card import BlockedCardScreen
from outlet_desk.screens.card_tasks.collect import CollectScreen
from outlet_desk.screens.card_tasks.withdraw_loss import WithdrawLossScreen
from outlet_desk.screens.home import HomeScreen
from outlet_desk.screens.lock import LockScreen
from outlet_desk.services import demo
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import card_data_for
from tests.tui.counter import at_the_counter, lost_without_request, status_of
from tests.tui.slots import training_slot


def blocked_presented(desk: Desk, card: Card) -> list[str]:
    """Who each 'blocked card presented' audit event of ``card`` was recorded under (user names)."""
    with Session(desk.engine) as s:
        rows = s.exec(select(Operator.username).join(AuditEvent, col(AuditEvent.operator_id) == col(Operator.id))
                      .where(col(AuditEvent.action) == "blocked_card_presented",
                             col(AuditEvent.entity_id) == str(card.id))).all()
    return list(rows)


def ready_with_lost_old_card(desk: Desk) -> tuple[Person, Card, Card]:
    """A holder whose new card waits for collection, and their old card, still reported lost."""
    with Session(desk.engine) as s:
        rows = s.exec(select(ReissueRequest, Card).join(Card, col(Card.id) == col(ReissueRequest.old_card_id))
                      .where(col(ReissueRequest.status) == "ready", col(Card.status) == "lost")).all()
        assert rows, "the training data has no ready card replacing a lost one"
        request, old = rows[0]
        new, person = s.get(Card, request.new_card_id), s.get(Person, request.person_id)
        assert new is not None and person is not None
        return person, new, old


def chip_of(desk: Desk, person: Person, card: Card) -> VirtualCard:
    return VirtualCard(card_data_for(desk, person.citizen_number, card.card_number))


async def test_a_lost_card_put_in_on_the_collection_screen_raises_the_dialog_and_the_task_stays(
    desk: Desk,
) -> None:
    person, new, old = ready_with_lost_old_card(desk)
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, new, Action.COLLECT_CARD)
        collect = counter.app.screen
        assert isinstance(collect, CollectScreen)
        step = counter.text("#collect-step")
        await counter.insert_card(chip_of(desk, person, old))
        await counter.wait_for_screen(BlockedCardScreen)
        assert "Blocked card: reported lost" in counter.text("#blocked-title")
        await counter.press("enter")
        await counter.settle()
        assert counter.app.screen is collect
        assert counter.text("#collect-step") == step  # still waiting for the new card
        assert collect.chip is None
    assert blocked_presented(desk, old) == ["clerk1"]
    assert status_of(desk, new.id) == "ready"


async def test_the_reported_card_put_in_on_the_withdrawal_screen_goes_to_the_withdrawal(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.WITHDRAW_LOSS)
        assert isinstance(counter.app.screen, WithdrawLossScreen)
        await counter.insert_card(chip_of(desk, person, card))
        await counter.wait_for_text("#withdraw-step", "It is the reported card")
        await counter.settle()
        assert isinstance(counter.app.screen, WithdrawLossScreen)  # no blocked-card dialog over it
        await counter.press("f9")
        receipt = await counter.close_receipt()
        assert "Loss report withdrawn" in receipt
    assert status_of(desk, card.id) == "active"
    assert blocked_presented(desk, card) == []


async def test_a_lost_card_put_in_at_the_lock_screen_raises_the_dialog_after_unlocking(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.sign_in("clerk1")
        await counter.press("f10")
        await counter.settle()
        assert isinstance(counter.app.screen, LockScreen)
        await counter.insert_card(chip_of(desk, person, card))
        await counter.wait_for(lambda: f"card {card.card_number}" in counter.screen_text())
        await counter.settle()
        assert isinstance(counter.app.screen, LockScreen)  # nothing of the card shows while locked
        assert blocked_presented(desk, card) == []
        await counter.type(demo.training_password("clerk1"))
        await counter.press("enter")
        await counter.wait_for_screen(BlockedCardScreen)
        assert person.name in counter.screen_text()
    assert blocked_presented(desk, card) == ["clerk1"]


async def test_a_lost_card_put_in_before_sign_in_is_named_to_whoever_signs_in(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.settle()
        await counter.insert_card(chip_of(desk, person, card))
        await counter.wait_for(lambda: f"card {card.card_number}" in counter.screen_text())
        await counter.sign_in("super1")
        await counter.wait_for_screen(BlockedCardScreen)
        await counter.press("enter")
        await counter.settle()
        assert isinstance(counter.app.screen, HomeScreen)
    assert blocked_presented(desk, card) == ["super1"]


async def test_a_card_taken_out_before_sign_in_is_not_named_afterwards(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.settle()
        await counter.insert_card(chip_of(desk, person, card))
        await counter.wait_for(lambda: f"card {card.card_number}" in counter.screen_text())
        await counter.remove_card()
        await counter.wait_for(lambda: "Reader: no card" in counter.screen_text())
        await counter.sign_in("clerk1")
        await counter.pilot.pause(0.3)
        await counter.settle()
        assert isinstance(counter.app.screen, HomeScreen)
    assert blocked_presented(desk, card) == []


async def test_a_lost_card_handed_in_is_retained_from_the_dialog_with_a_voucher(desk: Desk) -> None:
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, training_slot()) as counter:
        await counter.sign_in("clerk1")
        await counter.insert_card(chip_of(desk, person, card))
        await counter.wait_for_screen(BlockedCardScreen)
        assert "R: retain the card" in counter.text("#blocked-hint")
        await counter.press("r")
        voucher = await counter.close_receipt()
        assert "Voucher for a retained card" in voucher and card.card_number in voucher
        await counter.settle()
        assert isinstance(counter.app.screen, HomeScreen)
    with Session(desk.engine) as s:
        retained = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "card_retained")).all()
    assert [(e.entity_id, e.operator_id is not None) for e in retained] == [(str(card.id), True)]
