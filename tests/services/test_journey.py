"""The citizen's journey as services, on both databases: hotline loss, lapse, formal loss, withdrawal,
reissue with fee or waiver, the new card's arrival, collection with the chip check, receipts, and two
counters acting on the same card at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import (
    AuditEvent,
    Card,
    Collection,
    IdentityCheck,
    LossReport,
    Payment,
    Person,
    ReissueRequest,
)
from outlet_desk.domain.card_lifecycle import CardStatus, TransitionRefused
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.loss import WithdrawalRefused
from outlet_desk.domain.roles import Forbidden
from outlet_desk.reader.card_data import CardData, Gender
from outlet_desk.services import demo, operators
from outlet_desk.services.approvals.kinds import WaiverRefused
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.collection import CollectionRefused, card_presented, check_chip, complete_collection
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import RecordChanged
from outlet_desk.services.identity import Document, ProxyDetails, record_identity_check
from outlet_desk.services.loss import (
    CallerNotIdentified,
    CardNotInUse,
    ChipDoesNotMatch,
    SecondOperatorNeeded,
    report_loss_counter,
    report_loss_hotline,
    sweep_lapsed,
    withdraw_loss,
)
from outlet_desk.services.masking import mask_name
from outlet_desk.services.receipt_check import verify_receipt
from outlet_desk.services.receipts import render_text
from outlet_desk.services.records import IdentityCheckMissing
from outlet_desk.services.reissue import ReissueRefused, apply_reissue, fee_for, receive_card
from tests.clock import FakeClock
from tests.services.races import reads_held_together


@pytest.fixture
def seeded(desk: Desk) -> Desk:
    demo.seed_training(desk, persons=40)
    return desk


def login(desk: Desk, username: str) -> Actor:
    return operators.authenticate(desk, username, demo.training_password(username))


def cards_without_application(desk: Desk, status: str, n: int) -> list[tuple[Person, Card]]:
    """``n`` cards in ``status`` with no reissue applied for, oldest first: (holder, card)."""
    with Session(desk.engine) as s:
        taken = select(ReissueRequest.old_card_id).where(col(ReissueRequest.old_card_id).is_not(None))
        cards = s.exec(select(Card).where(col(Card.status) == status, col(Card.id).not_in(taken))
                       .order_by(col(Card.id)).limit(n)).all()
        out = []
        for card in cards:
            person = s.get(Person, card.person_id)
            assert person is not None
            out.append((person, card))
    assert len(out) == n
    return out


def person_with(desk: Desk, status: CardStatus) -> tuple[Person, Card]:
    with Session(desk.engine) as s:
        replaced_by_request = select(ReissueRequest.old_card_id).where(col(ReissueRequest.old_card_id).is_not(None))
        card = s.exec(
            select(Card)
            .where(col(Card.status) == status.value, col(Card.id).not_in(replaced_by_request))
            .order_by(col(Card.id))
        ).first()
        assert card is not None
        person = s.get(Person, card.person_id)
        assert person is not None
        return person, card


def reload(desk: Desk, card_id: int) -> Card:
    with Session(desk.engine) as s:
        card = s.get(Card, card_id)
        assert card is not None
        return card


def chip_of(card: Card, person: Person, **changes: str) -> CardData:
    values = {
        "card_number": card.card_number, "identification_code": card.identification_code or "",
        "citizen_number": person.citizen_number, "name": person.name,
    }
    values.update(changes)
    return CardData(
        card_type=1, spec_version="3.00", issue_date=card.issue_date or date(2020, 1, 1),
        expiry_date=card.expiry_date or date(2030, 1, 1),
        gender=Gender.MALE if int(person.citizen_number[16]) % 2 else Gender.FEMALE, ethnicity="01",
        birthplace=person.citizen_number[:6], birth_date=person.birth_date, **values,  # type: ignore[arg-type]
    )


def identity(desk: Desk, actor: Actor, person: Person, flow: str) -> int:
    assert person.id is not None
    result = record_identity_check(
        desk, actor, person.id, flow, presenter="holder",
        document=Document("resident_id_card", person.citizen_number, person.name,
                          desk.local_now().date() + timedelta(days=3000)),
        face_confirmed=True,
    )
    return result.check_id


def test_hotline_report_suspends_the_card_until_the_lapse_date(seeded: Desk) -> None:
    hotline = login(seeded, "hotline1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    result = report_loss_hotline(seeded, hotline, person.citizen_number, person.name, person.phone)
    assert result.card_status is CardStatus.SUSPENDED
    assert result.lapses_at == seeded.now() + timedelta(days=seeded.settings.loss.temporary_days)
    assert reload(seeded, card.id or 0).status == "suspended"
    assert verify_receipt(seeded, result.receipt.code) is not None


def test_hotline_caller_must_match_name_and_one_fact(seeded: Desk) -> None:
    hotline = login(seeded, "hotline1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    with pytest.raises(CallerNotIdentified, match="citizen number and name"):
        report_loss_hotline(seeded, hotline, person.citizen_number, "某某某", person.phone)
    with pytest.raises(CallerNotIdentified, match="phone number does not match") as refused:
        report_loss_hotline(seeded, hotline, person.citizen_number, person.name, "13000000000")
    assert refused.value.fact == "phone" and person.phone not in refused.value.message
    assert reload(seeded, card.id or 0).status == "active"


def test_hotline_caller_is_not_identified_by_the_district_of_the_address(seeded: Desk) -> None:
    """The beginning of an address ('北京市朝阳区') is everybody's in the district: only the end of the address
    on file (number, building, room) identifies the caller."""
    hotline = login(seeded, "hotline1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    for district in (person.address[:4], person.address[:6]):
        with pytest.raises(CallerNotIdentified, match="address") as refused:
            report_loss_hotline(seeded, hotline, person.citizen_number, person.name, district)
        assert refused.value.fact == "address" and person.address[-6:] not in refused.value.message
    assert reload(seeded, card.id or 0).status == "active"
    result = report_loss_hotline(seeded, hotline, person.citizen_number, person.name, " " + person.address + " ")
    assert result.card_status is CardStatus.SUSPENDED


def test_auditor_cannot_report_a_loss(seeded: Desk) -> None:
    person, _card = person_with(seeded, CardStatus.ACTIVE)
    with pytest.raises(Forbidden):
        report_loss_hotline(seeded, login(seeded, "audit1"), person.citizen_number, person.name, person.phone)


def test_temporary_loss_lapses_back_to_active_and_is_audited(seeded: Desk, clock: FakeClock) -> None:
    person, card = person_with(seeded, CardStatus.ACTIVE)
    report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    clock.advance(days=seeded.settings.loss.temporary_days, seconds=1)
    lapsed = sweep_lapsed(seeded)
    assert card.card_number in {lapse.card_number for lapse in lapsed}
    assert reload(seeded, card.id or 0).status == "active"
    with Session(seeded.engine) as s:
        events = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "loss_lapsed")).all()
        assert str(card.id) in {e.entity_id for e in events}
    assert sweep_lapsed(seeded) == []  # nothing lapses twice


def test_formal_loss_makes_the_hotline_report_formal_not_a_duplicate(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    card = reload(seeded, card.id or 0)
    result = report_loss_counter(seeded, clerk, card.id or 0, card.version,
                                 identity(seeded, clerk, person, "report_loss_counter"))
    assert result.became_formal and result.card_status is CardStatus.LOST
    with Session(seeded.engine) as s:
        reports = s.exec(select(LossReport).where(col(LossReport.card_id) == card.id)).all()
    assert [(r.channel, r.kind) for r in reports] == [("hotline", "formal")]


def test_formal_loss_needs_an_identity_check(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    _person, card = person_with(seeded, CardStatus.ACTIVE)
    other, _ = person_with(seeded, CardStatus.LOST)
    wrong_person_check = identity(seeded, clerk, other, "report_loss_counter")
    with pytest.raises(IdentityCheckMissing):
        report_loss_counter(seeded, clerk, card.id or 0, card.version, wrong_person_check)
    assert reload(seeded, card.id or 0).status == "active"


def test_withdrawal_needs_the_reported_card_in_the_reader(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    check = identity(seeded, clerk, person, "withdraw_loss")
    with pytest.raises(ChipDoesNotMatch, match=card.card_number):
        withdraw_loss(seeded, clerk, card.id or 0, card.version, check,
                      chip_of(card, person, card_number="Z99999999"))
    result = withdraw_loss(seeded, clerk, card.id or 0, card.version, check, chip_of(card, person))
    assert result.card_status is CardStatus.ACTIVE
    assert reload(seeded, card.id or 0).status == "active"


def test_withdrawal_under_dual_control_needs_another_operator(make_settings, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    from outlet_desk.services.bootstrap import open_desk

    desk = open_desk(make_settings('\n[security]\ndual_control = ["withdraw_loss"]\n'))
    desk.clock = clock
    demo.seed_training(desk, persons=40)
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.SUSPENDED)
    check = identity(desk, clerk, person, "withdraw_loss")
    with pytest.raises(SecondOperatorNeeded):
        withdraw_loss(desk, clerk, card.id or 0, card.version, check, chip_of(card, person))
    with pytest.raises(SecondOperatorNeeded, match="someone else"):
        withdraw_loss(desk, clerk, card.id or 0, card.version, check, chip_of(card, person), second_operator=clerk)
    result = withdraw_loss(desk, clerk, card.id or 0, card.version, check, chip_of(card, person),
                           second_operator=login(desk, "super1"))
    assert result.card_status is CardStatus.ACTIVE
    desk.engine.dispose()


def _apply(desk: Desk, clerk: Actor, person: Person, card: Card, **kw: object):  # type: ignore[no-untyped-def]
    return apply_reissue(desk, clerk, card.id or 0, card.version, ReissueReason.LOST,
                         identity(desk, clerk, person, "apply_reissue"), **kw)  # type: ignore[arg-type]


def test_reissue_takes_the_fee_from_the_rules_and_records_the_payment(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    fee = fee_for(seeded, ReissueReason.LOST)
    assert fee.amount_fen == 2000 and not fee.free
    with pytest.raises(ReissueRefused, match=r"20\.00"):
        _apply(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=1000)
    result = _apply(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=2000)
    assert (result.paid_fen, result.waived) == (2000, False)
    assert result.due_date == seeded.local_now().date() + timedelta(days=seeded.settings.reissue.due_days_factory)
    with Session(seeded.engine) as s:
        payments = s.exec(select(Payment)).all()
    assert [(p.amount_fen, p.method, p.receipt_number) for p in payments] == [(2000, "cash", result.receipt.code)]
    text = render_text(result.receipt)
    assert "20.00" in text and result.receipt.code in text and person.citizen_number not in text


def test_reissue_of_a_card_not_formally_lost_is_refused(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    with pytest.raises(ReissueRefused, match="formal loss"):
        _apply(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=2000)


def test_fee_waiver_needs_a_supervisor_other_than_the_clerk(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    with pytest.raises(WaiverRefused, match="other than the clerk"):
        _apply(seeded, clerk, person, card, payment_method=None, waiver_by=clerk, waiver_reason="poverty")
    with pytest.raises(WaiverRefused, match="Only a supervisor"):
        _apply(seeded, clerk, person, card, payment_method=None, waiver_by=login(seeded, "clerk2"),
               waiver_reason="poverty")
    result = _apply(seeded, clerk, person, card, payment_method=None, waiver_by=login(seeded, "super1"),
                    waiver_reason="low-income certificate")
    assert (result.waived, result.paid_fen) == (True, 0)


def _ready_card(desk: Desk, clerk: Actor, person: Person, card: Card) -> tuple[int, Card]:
    applied = _apply(desk, clerk, person, card, payment_method="cash", amount_paid_fen=2000)
    received = receive_card(desk, login(desk, "super1"), applied.request_id, "C12345678",
                            "110105D156000005ABCDEF0123456789")
    return applied.request_id, reload(desk, received.card_id)


def test_collection_checks_the_chip_and_activates_the_new_card(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = _ready_card(seeded, clerk, person, old)
    assert new.status == "ready"
    wrong = chip_of(new, person, name="李鬼")
    with pytest.raises(CollectionRefused) as refused:
        check_chip(seeded, clerk, request_id, wrong)
    assert refused.value.comparison is not None
    assert [f.field for f in refused.value.comparison.fields if not f.matches] == ["name"]
    assert check_chip(seeded, clerk, request_id, chip_of(new, person)).passed
    with Session(seeded.engine) as s:
        request = s.get(ReissueRequest, request_id)
        assert request is not None
        version = request.version
    check = identity(seeded, clerk, person, "collect_card")
    with pytest.raises(CollectionRefused, match="PIN"):
        complete_collection(seeded, clerk, request_id, version, check, chip_of(new, person), pin_changed=False)
    chip = chip_of(new, person, name=" ".join(person.name))  # spaced out on the chip: the same name
    result = complete_collection(seeded, clerk, request_id, version, check, chip, pin_changed=True)
    assert result.replaced_card_number == old.card_number
    with Session(seeded.engine) as s:
        event = s.exec(select(AuditEvent).where(col(AuditEvent.action) == "card_collected")).one()
    # The audit keeps what the chip said (masked as everywhere), not the record's copy of it.
    assert json.loads(event.after)["chip"] == {
        "card_number": new.card_number, "identification_code": new.identification_code,
        "citizen_number": mask_citizen_id(person.citizen_number), "name": mask_name(chip.full_name)}
    assert mask_name(chip.full_name) != mask_name(person.name)
    assert reload(seeded, new.id or 0).status == "active"
    assert reload(seeded, old.id or 0).status == "replaced"
    found = verify_receipt(seeded, result.receipt.code.lower().replace("-", ""))
    assert found is not None and found.genuine and found.card_number == new.card_number
    with Session(seeded.engine) as s:
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact


def test_a_proxy_collects_the_card_and_is_named_on_the_receipt_and_the_record(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = _ready_card(seeded, clerk, person, old)
    with Session(seeded.engine) as s:
        request = s.get(ReissueRequest, request_id)
        assert request is not None
        version = request.version
    assert person.id is not None
    proxy = ProxyDetails(Document("resident_id_card", "11010519491231002X", "张小燕", None), "daughter", "AUTH-7")
    check = record_identity_check(
        seeded, clerk, person.id, "collect_card", presenter="proxy", proxy=proxy, face_confirmed=True,
        document=Document("resident_id_card", person.citizen_number, person.name, None)).check_id
    result = complete_collection(seeded, clerk, request_id, version, check, chip_of(new, person), pin_changed=True)
    assert result.receipt.collected_by_proxy == "张小燕 (daughter)"
    assert "张小燕 (daughter)" in render_text(result.receipt)
    with Session(seeded.engine) as s:
        row = s.exec(select(IdentityCheck).join(Collection, col(Collection.identity_check_id) == col(IdentityCheck.id))
                     .where(col(Collection.request_id) == request_id)).one()
    assert (row.proxy_name, row.proxy_document_number, row.proxy_authorisation_ref) == (
        "张小燕", "11010519491231002X", "AUTH-7")


def test_a_collected_card_cannot_be_collected_again(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = _ready_card(seeded, clerk, person, old)
    check = identity(seeded, clerk, person, "collect_card")
    with Session(seeded.engine) as s:
        version = (s.get(ReissueRequest, request_id) or ReissueRequest()).version
    complete_collection(seeded, clerk, request_id, version, check, chip_of(new, person), pin_changed=True)
    with pytest.raises(CollectionRefused):
        check_chip(seeded, clerk, request_id, chip_of(new, person))


def test_blocked_card_presented_is_named_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    presented = card_presented(seeded, clerk, chip_of(card, person))
    assert presented is not None and presented.blocked and presented.status is CardStatus.LOST
    assert presented.holder_name == person.name
    with Session(seeded.engine) as s:
        assert s.exec(select(AuditEvent).where(col(AuditEvent.action) == "blocked_card_presented")).all()


def test_stale_screen_is_told_the_record_changed_and_its_new_state(seeded: Desk) -> None:
    clerk1, clerk2 = login(seeded, "clerk1"), login(seeded, "clerk2")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    shown_version = card.version  # both counters show the card at this version
    report_loss_counter(seeded, clerk1, card.id or 0, shown_version,
                        identity(seeded, clerk1, person, "report_loss_counter"))
    with pytest.raises(RecordChanged, match="now reported lost"):
        withdraw_loss(seeded, clerk2, card.id or 0, shown_version,
                      identity(seeded, clerk2, person, "withdraw_loss"), chip_of(card, person))
    assert reload(seeded, card.id or 0).status == "lost"


def at_once(act: Callable[[Actor, int], object], actors: Sequence[Actor], checks: Sequence[int],
            refusals: tuple[type[Exception], ...]) -> list[object]:
    """Two counters press their key at the same moment (a barrier releases both threads): what each got,
    a result or one of ``refusals``."""
    barrier = threading.Barrier(len(actors))
    outcomes: list[object] = []

    def counter(actor: Actor, check: int) -> None:
        barrier.wait()
        try:
            outcomes.append(act(actor, check))
        except refusals as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=counter, args=(a, c)) for a, c in zip(actors, checks, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_counters_at_once_one_succeeds_nothing_written_twice(seeded: Desk) -> None:
    clerk1, clerk2 = login(seeded, "clerk1"), login(seeded, "clerk2")
    person, card = person_with(seeded, CardStatus.LOST)
    checks = [identity(seeded, c, person, "apply_reissue") for c in (clerk1, clerk2)]
    outcomes = at_once(
        lambda actor, check: apply_reissue(seeded, actor, card.id or 0, card.version, ReissueReason.LOST, check,
                                           payment_method="cash", amount_paid_fen=2000),
        (clerk1, clerk2), checks, (RecordChanged, ReissueRefused, TransitionRefused, WithdrawalRefused))
    refusals = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(refusals) == 1, outcomes
    assert isinstance(refusals[0], RecordChanged | ReissueRefused)
    with Session(seeded.engine) as s:
        requests = s.exec(select(ReissueRequest).where(col(ReissueRequest.old_card_id) == card.id)).all()
        payments = s.exec(select(Payment)).all()
        assert len(requests) == 1 and len(payments) == 1
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact


def test_withdrawal_is_refused_once_a_reissue_was_applied_for(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    _apply(seeded, clerk, person, card, payment_method="cash", amount_paid_fen=2000)
    card = reload(seeded, card.id or 0)
    with pytest.raises(WithdrawalRefused, match="a new card has already been applied for"):
        withdraw_loss(seeded, clerk, card.id or 0, card.version, identity(seeded, clerk, person, "withdraw_loss"),
                      chip_of(card, person))
    assert reload(seeded, card.id or 0).status == "lost"


def test_withdrawal_only_at_the_reporting_outlet_when_the_rules_say_so(make_settings, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    from outlet_desk.db.tables import LossReport, Outlet
    from outlet_desk.services.bootstrap import open_desk

    desk = open_desk(make_settings("\n[loss]\nwithdraw_same_outlet_only = true\n"))
    desk.clock = clock
    demo.seed_training(desk, persons=40)
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.SUSPENDED)
    with Session(desk.engine) as s:  # the hotline report was taken by another outlet of the same database
        s.add(Outlet(code="OTHER1", name="Other outlet", division_code="310104"))
        s.flush()
        for report in s.exec(select(LossReport).where(col(LossReport.card_id) == card.id)).all():
            report.outlet_code = "OTHER1"
            s.add(report)
        s.commit()
    with pytest.raises(WithdrawalRefused, match="outlet"):
        withdraw_loss(desk, clerk, card.id or 0, card.version, identity(desk, clerk, person, "withdraw_loss"),
                      chip_of(card, person))
    desk.engine.dispose()


def test_lapse_can_escalate_instead_of_reactivating(make_settings, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    from outlet_desk.services.bootstrap import open_desk

    desk = open_desk(make_settings('\n[loss]\non_lapse = "escalate"\n'))
    desk.clock = clock
    demo.seed_training(desk, persons=40)
    person, card = person_with(desk, CardStatus.ACTIVE)
    report_loss_hotline(desk, login(desk, "hotline1"), person.citizen_number, person.name, person.phone)
    clock.advance(days=desk.settings.loss.temporary_days + 1)
    sweep_lapsed(desk)
    assert reload(desk, card.id or 0).status == "suspended"
    with Session(desk.engine) as s:
        assert s.exec(select(AuditEvent).where(col(AuditEvent.action) == "loss_lapse_escalated")).all()
    desk.engine.dispose()


def test_expired_card_exchange_only_within_the_window(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    assert card.expiry_date is not None and card.expiry_date > seeded.local_now().date() + timedelta(days=100)
    check = identity(seeded, clerk, person, "apply_reissue")
    with pytest.raises(ReissueRefused, match="60 days before"):
        apply_reissue(seeded, clerk, card.id or 0, card.version, ReissueReason.EXPIRED, check,
                      payment_method=None)


def test_collection_of_a_card_that_is_not_ready_is_refused_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = _ready_card(seeded, clerk, person, old)
    with Session(seeded.engine) as s:  # the card was activated behind the desk's back
        row = s.get(Card, new.id)
        assert row is not None
        row.status = "active"
        s.add(row)
        s.commit()
    with pytest.raises(CollectionRefused, match="not ready for collection"):
        check_chip(seeded, clerk, request_id, chip_of(new, person))
    with Session(seeded.engine) as s:
        assert s.exec(select(AuditEvent).where(col(AuditEvent.action) == "chip_check_failed")).all()


def test_a_second_hotline_call_names_the_cards_status_and_lapse_date(seeded: Desk) -> None:
    hotline = login(seeded, "hotline1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    first = report_loss_hotline(seeded, hotline, person.citizen_number, person.name, person.phone)
    assert first.lapses_at is not None
    lapse = first.lapses_at.astimezone(seeded.tz).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(CardNotInUse) as again:
        report_loss_hotline(seeded, hotline, person.citizen_number, person.name, person.phone)
    assert f"Card {card.card_number} is already suspended" in again.value.message
    assert lapse in again.value.message and "no card in use" not in again.value.message
    with Session(seeded.engine) as s:
        assert len(s.exec(select(LossReport).where(col(LossReport.card_id) == card.id)).all()) == 1


def test_a_hotline_call_for_a_formally_lost_card_says_it_is_formally_lost(seeded: Desk) -> None:
    person, card = person_with(seeded, CardStatus.LOST)
    with pytest.raises(CardNotInUse, match=f"Card {card.card_number} is already formally reported lost"):
        report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    assert reload(seeded, card.id or 0).status == "lost"


def test_a_request_status_reads_in_the_outlets_language(seeded: Desk) -> None:
    """A refusal that names a request's status uses the same words as the screens: '待领取', not '"ready"'."""
    from outlet_desk.i18n import set_language

    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, _new = _ready_card(seeded, clerk, person, old)
    set_language("zh_CN")
    try:
        with pytest.raises(ReissueRefused) as refused:
            receive_card(seeded, login(seeded, "super1"), request_id, "C12345679", "110105D156000005ABCDEF0123456780")
        with pytest.raises(RecordChanged) as changed:
            complete_collection(seeded, clerk, request_id, 0, identity(seeded, clerk, person, "collect_card"),
                                chip_of(_new, person), pin_changed=True)
    finally:
        set_language("en")
    assert "待领取" in refused.value.message and "ready" not in refused.value.message
    assert "待领取" in changed.value.message and "ready" not in changed.value.message


def test_two_counters_collecting_the_same_card_one_hands_it_over_the_other_is_told(seeded: Desk) -> None:
    clerk1, clerk2 = login(seeded, "clerk1"), login(seeded, "clerk2")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = _ready_card(seeded, clerk1, person, old)
    with Session(seeded.engine) as s:
        shown = (s.get(ReissueRequest, request_id) or ReissueRequest()).version  # both screens show this version
    checks = [identity(seeded, c, person, "collect_card") for c in (clerk1, clerk2)]
    with reads_held_together(seeded.engine, "reissue_request"):  # both read "ready" unless the row is locked
        outcomes = at_once(
            lambda actor, check: complete_collection(seeded, actor, request_id, shown, check, chip_of(new, person),
                                                     pin_changed=True),
            (clerk1, clerk2), checks, (RecordChanged, CollectionRefused))
    refusals = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(refusals) == 1, outcomes
    assert isinstance(refusals[0], RecordChanged) and "Another counter" in refusals[0].message
    assert "reloaded" not in refusals[0].message  # a service reloads nothing: the screen does (and says what)
    assert (reload(seeded, new.id or 0).status, reload(seeded, old.id or 0).status) == ("active", "replaced")
    with Session(seeded.engine) as s:
        assert len(s.exec(select(Collection).where(col(Collection.request_id) == request_id)).all()) == 1
        assert len(s.exec(select(AuditEvent).where(col(AuditEvent.action) == "card_collected")).all()) == 1
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact


def test_withdrawal_refuses_a_chip_with_the_same_number_but_another_identification_code(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.SUSPENDED)
    forged = chip_of(card, person, identification_code="110105D156000005FFFFFFFFFFFFFFFF")
    with pytest.raises(ChipDoesNotMatch) as refused:
        withdraw_loss(seeded, clerk, card.id or 0, card.version, identity(seeded, clerk, person, "withdraw_loss"),
                      forged)
    message = refused.value.message
    assert "110105D156000005FFFFFFFFFFFFFFFF" in message and (card.identification_code or "") in message
    assert message.count(card.card_number) == 1  # the number that matches is not shown as if it differed
    assert reload(seeded, card.id or 0).status == "suspended"


def _chip_check_failures(desk: Desk) -> list[AuditEvent]:
    with Session(desk.engine) as s:
        return list(s.exec(select(AuditEvent).where(col(AuditEvent.action) == "chip_check_failed")).all())


def test_a_card_already_collected_is_explained_with_its_status_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = _ready_card(seeded, clerk, person, old)
    with Session(seeded.engine) as s:
        version = (s.get(ReissueRequest, request_id) or ReissueRequest()).version
    complete_collection(seeded, clerk, request_id, version, identity(seeded, clerk, person, "collect_card"),
                        chip_of(new, person), pin_changed=True)
    with pytest.raises(CollectionRefused) as refused:
        check_chip(seeded, clerk, request_id, chip_of(new, person))
    assert f"Card {new.card_number} was already collected" in refused.value.message
    assert "is active" in refused.value.message  # the card's status, in words
    failures = _chip_check_failures(seeded)
    assert len(failures) == 1 and failures[0].entity_id == str(request_id)


def test_the_holders_old_lost_card_at_collection_is_named_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, old = person_with(seeded, CardStatus.LOST)
    request_id, new = _ready_card(seeded, clerk, person, old)
    with pytest.raises(CollectionRefused) as refused:
        check_chip(seeded, clerk, request_id, chip_of(old, person))
    message = refused.value.message
    assert f"{old.card_number}, the holder's old card (reported lost)" in message and new.card_number in message
    assert refused.value.comparison is not None  # shown side by side on the screen
    assert len(_chip_check_failures(seeded)) == 1
    with Session(seeded.engine) as s:  # the old card swapped in after the new one's check: refused at F9 too
        version = (s.get(ReissueRequest, request_id) or ReissueRequest()).version
    with pytest.raises(CollectionRefused, match="the holder's old card"):
        complete_collection(seeded, clerk, request_id, version, identity(seeded, clerk, person, "collect_card"),
                            chip_of(old, person), pin_changed=True)
    assert len(_chip_check_failures(seeded)) == 2
    assert (reload(seeded, new.id or 0).status, reload(seeded, old.id or 0).status) == ("ready", "lost")


@pytest.mark.parametrize("on_lapse", ["active", "escalate"])
def test_two_desks_sweeping_at_once_lapse_each_report_once(seeded: Desk, clock: FakeClock, on_lapse: str) -> None:
    """Two desks of the outlet run their lapse sweep at the same moment: each lapsed report lapses once (one
    audit event, the card moved once), and neither desk is shown an error for the other's work."""
    hotline = login(seeded, "hotline1")
    cards = cards_without_application(seeded, CardStatus.ACTIVE.value, 4)
    for person, _card in cards:
        report_loss_hotline(seeded, hotline, person.citizen_number, person.name, person.phone)
    clock.advance(days=seeded.settings.loss.temporary_days, seconds=1)
    settings = seeded.settings.model_copy(
        update={"loss": seeded.settings.loss.model_copy(update={"on_lapse": on_lapse})})
    desks = [Desk(settings=settings, engine=seeded.engine, audit_key=seeded.audit_key, clock=clock)
             for _ in range(2)]
    outcomes = at_once(lambda _actor, n: sweep_lapsed(desks[n]), [hotline, hotline], [0, 1], (Exception,))
    assert all(isinstance(o, list) for o in outcomes), outcomes
    numbers = [lapse.card_number for o in outcomes for lapse in o]  # type: ignore[attr-defined]
    assert len(numbers) == len(set(numbers)), numbers  # (the training data's own suspensions lapse too)
    assert {card.card_number for _p, card in cards} <= set(numbers)
    action = "loss_lapsed" if on_lapse == "active" else "loss_lapse_escalated"
    with Session(seeded.engine) as s:
        lapsed = [e.entity_id for e in s.exec(select(AuditEvent).where(col(AuditEvent.action) == action)).all()]
        assert len(lapsed) == len(set(lapsed)) == len(numbers), lapsed
        report = verify_chain(s, seeded.audit_key, seeded.outlet_code)
    assert report.intact, report.message()
    expected = "active" if on_lapse == "active" else "suspended"
    assert {reload(seeded, card.id or 0).status for _p, card in cards} == {expected}
