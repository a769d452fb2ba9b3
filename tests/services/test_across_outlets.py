"""A citizen served across the outlets of one database (issue 17 item 3, issue 16 item 4), on SQLite and on
PostgreSQL: a loss reported at outlet TST001 is found, made formal and reissued at TST002; a card ready at
TST001 is sent to TST002, scanned in there by its chip and collected there; and each task only one outlet may
do is refused elsewhere with the outlet named (``domain/outlet_rules.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import AuditEvent, Card, CardTransfer, LossReport, Payment, Person, ReissueRequest
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.loss import WithdrawalRefused
from outlet_desk.domain.roles import Forbidden
from outlet_desk.domain.stock import StockFigure
from outlet_desk.domain.text import InvalidText
from outlet_desk.domain.transfers import TransferRefused, TransferStatus
from outlet_desk.services.collection import check_chip, complete_collection, pending_collection, ready_queue
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.loss import report_loss_counter, report_loss_hotline, withdraw_loss
from outlet_desk.services.other_outlet import OtherOutlet
from outlet_desk.services.persons import find_persons, open_person
from outlet_desk.services.receipt_check import verify_receipt
from outlet_desk.services.receipts import render_text
from outlet_desk.services.reissue import receive_card
from outlet_desk.services.stock_count import stock_count
from outlet_desk.services.transfers import TransferChipRefused, send_card, transfers_here
from outlet_desk.services.transfers import receive_card as scan_in_transfer
from outlet_desk.services.uncollected import return_uncollected
from tests.services.builders import apply_for_lost_card, chip_of, identity, login, person_with, reload
from tests.services.outlets import ready_request, training_desk_at


@pytest.fixture
def haidian(seeded: Desk) -> Iterator[Desk]:
    """A second outlet, TST002 (Beijing, Haidian), on the seeded desk's database; the training operators
    belong to both."""
    other = training_desk_at(seeded, "TST002", "Haidian outlet", "110108")
    yield other
    other.engine.dispose()


def test_a_loss_reported_at_one_outlet_is_found_made_formal_and_reissued_at_another(seeded: Desk,
                                                                                  haidian: Desk) -> None:
    person, card = person_with(seeded, CardStatus.ACTIVE)
    report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    clerk = login(haidian, "clerk1")

    [found] = find_persons(haidian, person.citizen_number)  # the person is the city's, not TST001's
    assert (found.card_number, found.card_status) == (card.card_number, CardStatus.SUSPENDED)
    suspended = reload(haidian, card.id or 0)
    formal = report_loss_counter(haidian, clerk, card.id or 0, suspended.version,
                                 identity(haidian, clerk, person, "report_loss_counter"))
    assert formal.became_formal and formal.card_status is CardStatus.LOST
    applied = apply_for_lost_card(haidian, clerk, person, reload(haidian, card.id or 0),
                                  payment_method="cash", amount_paid_fen=2000)

    with Session(seeded.engine) as s:
        report = s.exec(select(LossReport).where(col(LossReport.card_id) == card.id)).one()
        request = s.get(ReissueRequest, applied.request_id)
        payment = s.exec(select(Payment).where(col(Payment.request_id) == applied.request_id)).one()
    assert report.outlet_code == "TST001" and report.kind == "formal"  # the report stays the one TST001 took
    assert request is not None and request.outlet_code == "TST002"  # the application and its cash are TST002's
    assert payment.outlet_code == "TST002" and payment.amount_fen == 2000
    detail = open_person(haidian, clerk, person.id or 0)
    newest = detail.losses[-1]  # TST002's record shows the hotline report of TST001, now formal
    assert (newest.card_number, newest.channel, newest.kind) == (card.card_number, "hotline", "formal")


def test_a_card_found_is_withdrawn_only_where_the_loss_was_reported_when_the_region_says_so(seeded: Desk) -> None:
    strict = training_desk_at(seeded, "TST002", "Haidian outlet", "110108",
                              "\n[loss]\nwithdraw_same_outlet_only = true\n")
    try:
        person, card = person_with(seeded, CardStatus.ACTIVE)
        report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
        clerk = login(strict, "clerk1")
        suspended = reload(strict, card.id or 0)
        with pytest.raises(WithdrawalRefused) as refused:
            withdraw_loss(strict, clerk, card.id or 0, suspended.version,
                          identity(strict, clerk, person, "withdraw_loss"), chip_of(suspended, person))
        assert refused.value.rule == "other_outlet"
        assert "only be withdrawn at outlet TST001" in refused.value.message
        assert reload(seeded, card.id or 0).status == CardStatus.SUSPENDED  # nothing was changed
    finally:
        strict.engine.dispose()


def _ready_at_tst001(desk: Desk) -> tuple[Card, int]:
    _holder, card = person_with(desk, CardStatus.READY)
    return card, ready_request(desk, card.id or 0).id or 0


def test_a_ready_card_is_sent_scanned_in_by_its_chip_and_collected_at_the_other_outlet(seeded: Desk,
                                                                                      haidian: Desk) -> None:
    card, request_id = _ready_at_tst001(seeded)
    holder = chip_of(card, _person(seeded, card.person_id))
    assert request_id in [r for r, *_ in ready_queue(seeded)]

    receipt = send_card(seeded, login(seeded, "super1"), request_id, "TST002")

    assert receipt.transfer_to == "TST002 Haidian outlet" and receipt.card_number == card.card_number
    assert "Sent to outlet: TST002 Haidian outlet" in render_text(receipt)
    checked = verify_receipt(seeded, receipt.code)
    assert checked is not None and checked.genuine and checked.record.transfer_to == "TST002 Haidian outlet"
    counts = {c.outlet_code: c.figures for c in stock_count(seeded)}
    assert counts["TST001"][StockFigure.TRANSFERRED] == 1
    # On its way: no outlet hands it over, and both say where it is.
    assert request_id not in [r for r, *_ in ready_queue(seeded)] + [r for r, *_ in ready_queue(haidian)]
    with pytest.raises(OtherOutlet, match="on its way to outlet TST002"):
        check_chip(seeded, login(seeded, "clerk1"), request_id, holder)
    with pytest.raises(OtherOutlet, match="not scanned in yet"):
        pending_collection(haidian, card.id or 0)
    [line] = [c for c in open_person(haidian, login(haidian, "clerk1"), card.person_id).cards if c.id == card.id]
    assert line.on_its_way_to == "TST002"

    arrival = scan_in_transfer(haidian, login(haidian, "super1"), holder)

    assert (arrival.card_number, arrival.from_outlet, arrival.request_id) == (card.card_number, "TST001", request_id)
    assert reload(seeded, card.id or 0).outlet_code == "TST002"
    assert request_id in [r for r, *_ in ready_queue(haidian)]
    counts = {c.outlet_code: c.figures for c in stock_count(seeded)}
    assert counts["TST001"][StockFigure.TRANSFERRED] == 0
    [line] = [c for c in open_person(seeded, login(seeded, "clerk1"), card.person_id).cards if c.id == card.id]
    assert line.held_elsewhere == "TST002" and not line.on_its_way_to  # TST001's screen says where to go
    with pytest.raises(OtherOutlet, match="held at outlet TST002"):
        check_chip(seeded, login(seeded, "clerk1"), request_id, holder)
    clerk = login(haidian, "clerk1")
    pending = pending_collection(haidian, card.id or 0)
    check = identity(haidian, clerk, _person(haidian, card.person_id), "collect_card")
    collected = complete_collection(haidian, clerk, request_id, pending.version, check, holder, pin_changed=True)
    assert collected.card_number == card.card_number and collected.receipt.outlet_code == "TST002"
    assert reload(seeded, card.id or 0).status == CardStatus.ACTIVE
    assert [t.status for t in transfers_here(haidian)] == [TransferStatus.RECEIVED]
    with Session(seeded.engine) as s:
        actions = {(e.outlet_code, e.action) for e in s.exec(
            select(AuditEvent).where(col(AuditEvent.entity) == "card_transfer")).all()}
    assert actions == {("TST001", AuditAction.CARD_TRANSFER_SENT), ("TST002", AuditAction.CARD_TRANSFER_RECEIVED)}


def _person(desk: Desk, person_id: int) -> Person:
    with Session(desk.engine) as s:
        person = s.get(Person, person_id)
        assert person is not None
        return person


def test_only_the_outlet_holding_a_ready_card_sends_it_and_only_where_it_may_go(seeded: Desk,
                                                                               haidian: Desk) -> None:
    card, request_id = _ready_at_tst001(seeded)
    supervisor = login(seeded, "super1")
    with pytest.raises(OtherOutlet, match="held at outlet TST001"):
        send_card(haidian, login(haidian, "super1"), request_id, "TST002")
    with pytest.raises(NotFound, match="no outlet NOWHERE"):
        send_card(seeded, supervisor, request_id, "NOWHERE")
    with pytest.raises(InvalidText):  # text from outside: a control character is refused, not looked up
        send_card(seeded, supervisor, request_id, "TST\x00002")
    with pytest.raises(TransferRefused, match="already held at outlet TST001"):
        send_card(seeded, supervisor, request_id, "TST001")
    with pytest.raises(Forbidden):
        send_card(seeded, login(seeded, "clerk1"), request_id, "TST002")  # a supervisor's task
    send_card(seeded, supervisor, request_id, "TST002")
    with pytest.raises(TransferRefused, match="already on its way"):
        send_card(seeded, supervisor, request_id, "TST002")
    with Session(seeded.engine) as s:
        assert len(s.exec(select(CardTransfer).where(col(CardTransfer.card_id) == card.id)).all()) == 1


def test_a_card_not_ready_is_not_sent(seeded: Desk, haidian: Desk) -> None:
    person, card = person_with(seeded, CardStatus.LOST)
    clerk = login(seeded, "clerk1")
    applied = apply_for_lost_card(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=2000)
    with pytest.raises(NotFound, match="no new card"):  # still in production
        send_card(seeded, login(seeded, "super1"), applied.request_id, "TST002")
    received = receive_card(seeded, login(seeded, "super1"), applied.request_id, "C12345678",
                            "110105D156000005ABCDEF0123456789")
    new = reload(seeded, received.card_id)
    complete_collection(seeded, clerk, applied.request_id, pending_collection(seeded, new.id or 0).version,
                        identity(seeded, clerk, person, "collect_card"), chip_of(new, person), pin_changed=True)
    with pytest.raises(TransferRefused, match="not ready for collection"):  # collected: active
        send_card(seeded, login(seeded, "super1"), applied.request_id, "TST002")


def test_a_sent_card_is_scanned_in_only_at_its_outlet_and_only_if_its_chip_agrees(seeded: Desk,
                                                                                  haidian: Desk) -> None:
    card, request_id = _ready_at_tst001(seeded)
    holder = _person(seeded, card.person_id)
    with pytest.raises(TransferRefused, match="not on its way"):
        scan_in_transfer(haidian, login(haidian, "super1"), chip_of(card, holder))
    send_card(seeded, login(seeded, "super1"), request_id, "TST002")
    with pytest.raises(OtherOutlet, match="sent to outlet TST002"):
        scan_in_transfer(seeded, login(seeded, "super1"), chip_of(card, holder))
    with pytest.raises(TransferChipRefused, match="does not match") as refused:
        scan_in_transfer(haidian, login(haidian, "super1"), chip_of(card, holder, name="王五六"))
    assert [f.field for f in refused.value.fields if not f.matches] == ["name"]
    assert reload(seeded, card.id or 0).outlet_code == "TST001"  # still on its way, not taken in
    with Session(seeded.engine) as s:
        failed = s.exec(select(AuditEvent).where(col(AuditEvent.action) == AuditAction.CHIP_CHECK_FAILED,
                                                 col(AuditEvent.entity) == "card_transfer")).one()
    assert failed.outlet_code == "TST002"


def test_a_card_on_its_way_is_not_returned_as_uncollected(seeded: Desk, haidian: Desk) -> None:
    card, request_id = _ready_at_tst001(seeded)
    send_card(seeded, login(seeded, "super1"), request_id, "TST002")
    with pytest.raises(OtherOutlet, match="on its way to outlet TST002"):
        return_uncollected(seeded, login(seeded, "super1"), login(seeded, "clerk1"), card.id or 0,
                           reload(seeded, card.id or 0).version)
    assert reload(seeded, card.id or 0).status == CardStatus.READY
