"""A PIN reset or unblock at the counter, on both databases, with the card in the training reader (the same card
logic `card emulate` puts behind pcscd; the real pcscd run is in test_pin_reset_pcsc.py): the holder in person,
the new PIN typed twice, the chip reset with the issuer's authority, a free receipt; refused with the reason for
a proxy, a card not active, the limit reached, another card in the reader, the PIN's rules, a wrong issuer key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlmodel import Session

from outlet_desk.db.tables import Card, Person
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.pin import PinRefused
from outlet_desk.domain.pin_reset import PinResetRefused
from outlet_desk.reader.card_reader import CardReader
from outlet_desk.reader.errors import NotAuthorised, PinBlocked, WrongPin
from outlet_desk.reader.issuer_auth import TRAINING_ISSUER_KEY, KeyIssuer
from outlet_desk.reader.supervisor import ReaderSupervisor
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.context import Desk
from outlet_desk.services.emulation import card_data_for
from outlet_desk.services.identity import Document, IdentityRefused, ProxyDetails, record_identity_check
from outlet_desk.services.pin_reset import ChipDiffers, outlet_issuer, pin_reset_allowed, reset_card_pin
from outlet_desk.services.receipt_check import verify_receipt
from outlet_desk.services.records import IdentityCheckMissing
from tests.clock import FakeClock
from tests.services.builders import audit_events, cards_without_application, identity, login, person_with, reload
from tests.services.conftest import SeededFactory

ISSUER = KeyIssuer(TRAINING_ISSUER_KEY)
NEW_PIN = "802417"


@contextmanager
def reader_with(transport: CardReader, name: str) -> Iterator[ReaderSupervisor]:
    """The desk's reader supervisor on ``transport``, using reader ``name`` (as the desk does)."""
    supervisor = ReaderSupervisor(transport, reader=name, auto_read=False, poll_s=0.05)
    with supervisor:
        deadline = time.monotonic() + 5
        while supervisor.state.reader != name:
            assert time.monotonic() < deadline, "the supervisor never saw the reader"
            time.sleep(0.01)
        yield supervisor


def chip_card(desk: Desk, person: Person, card: Card, pin_tries: int = 3) -> VirtualCard:
    return VirtualCard(card_data_for(desk, person.citizen_number, card.card_number), max_tries=pin_tries)


def block(chip: VirtualCard) -> None:
    while chip.tries_left:
        chip.process(bytes.fromhex("00A404000F") + "sx1.sh.社会保障".encode("gbk"))
        chip.process(bytes.fromhex("0020000003000000"))


@contextmanager
def card_in_reader(chip: VirtualCard) -> Iterator[ReaderSupervisor]:
    training = TrainingReader()
    name = training.insert(chip)
    try:
        with reader_with(training, name) as supervisor:
            yield supervisor
    finally:
        training.close()


def test_a_blocked_pin_is_unblocked_with_a_free_sealed_receipt(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    assert card.id is not None
    chip = chip_card(seeded, person, card)
    block(chip)
    check = identity(seeded, clerk, person, "reset_pin")
    with card_in_reader(chip) as ops:
        with pytest.raises(PinBlocked):
            ops.verify_pin("123456")
        result = reset_card_pin(seeded, clerk, ops, ISSUER, card.id, card.version, check, NEW_PIN, NEW_PIN)
        ops.verify_pin(NEW_PIN)  # the holder's new PIN works, the tries counter is full again
    assert result.unblocked and chip.tries_left == 3
    assert result.receipt.fee_fen == 0 and result.receipt.title() == "Blocked PIN unblocked (free of charge)"
    [event] = audit_events(seeded, "pin_unblocked")
    assert event.entity_id == str(card.id) and event.person_id == person.id
    found = verify_receipt(seeded, result.receipt.code)
    assert found is not None and found.genuine and found.card_number == card.card_number
    assert reload(seeded, card.id).status == "active"
    with Session(seeded.engine) as s:
        assert verify_chain(s, seeded.audit_key, seeded.outlet_code).intact


def test_a_forgotten_pin_is_reset_and_recorded_as_a_reset(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    assert card.id is not None
    chip = chip_card(seeded, person, card)
    check = identity(seeded, clerk, person, "reset_pin")
    with card_in_reader(chip) as ops:
        result = reset_card_pin(seeded, clerk, ops, ISSUER, card.id, card.version, check, NEW_PIN, NEW_PIN)
        with pytest.raises(WrongPin):
            ops.verify_pin("123456")  # the old PIN no longer opens the card
        ops.verify_pin(NEW_PIN)
    assert not result.unblocked and [e.entity_id for e in audit_events(seeded, "pin_reset")] == [str(card.id)]


def test_a_proxy_is_refused_whatever_the_outlet_allows_proxies(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, _card = person_with(seeded, CardStatus.ACTIVE)
    assert person.id is not None
    expiry = seeded.local_now().date() + timedelta(days=900)
    proxy = ProxyDetails(Document("resident_id_card", "11010519491231002X", "王代办", expiry), "son", "AUTH-1")
    with pytest.raises(IdentityRefused, match="in person only") as refused:
        record_identity_check(seeded, clerk, person.id, "reset_pin", presenter="proxy",
                              document=Document("resident_id_card", person.citizen_number, person.name, expiry),
                              face_confirmed=True, proxy=proxy)
    assert refused.value.rule == "proxy_not_allowed"


def test_an_identity_check_of_another_person_does_not_open_a_pin_reset(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    [(person, card), (someone_else, _card)] = cards_without_application(seeded, CardStatus.ACTIVE.value, 2)
    assert card.id is not None
    chip = chip_card(seeded, person, card)
    check = identity(seeded, clerk, someone_else, "apply_reissue")  # the visit is someone else's
    with card_in_reader(chip) as ops, pytest.raises(IdentityCheckMissing):
        reset_card_pin(seeded, clerk, ops, ISSUER, card.id, card.version, check, NEW_PIN, NEW_PIN)
    assert audit_events(seeded, "pin_reset") == []


def test_a_card_that_is_not_active_is_refused_with_its_status_and_the_chip_is_untouched(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.LOST)
    assert card.id is not None
    chip = chip_card(seeded, person, card)
    block(chip)
    with pytest.raises(PinResetRefused, match="reported lost"):
        pin_reset_allowed(seeded, card.id)
    check = identity(seeded, clerk, person, "reset_pin")
    with card_in_reader(chip) as ops, pytest.raises(PinResetRefused, match="reported lost"):
        reset_card_pin(seeded, clerk, ops, ISSUER, card.id, card.version, check, NEW_PIN, NEW_PIN)
    assert chip.tries_left == 0


def test_the_limit_per_card_per_period_refuses_one_more_until_the_period_has_passed(
    make_seeded: SeededFactory, clock: FakeClock
) -> None:
    desk = make_seeded("\n[pin_reset]\nlimit = 2\nperiod_days = 30\n")
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.ACTIVE)
    assert card.id is not None
    chip = chip_card(desk, person, card)
    with card_in_reader(chip) as ops:
        for pin in ("802417", "913528"):
            version = reload(desk, card.id).version
            reset_card_pin(desk, clerk, ops, ISSUER, card.id, version, identity(desk, clerk, person, "reset_pin"),
                           pin, pin)
        with pytest.raises(PinResetRefused, match="limit is 2"):
            pin_reset_allowed(desk, card.id)
        version = reload(desk, card.id).version
        check = identity(desk, clerk, person, "reset_pin")
        with pytest.raises(PinResetRefused, match="already reset 2 times in the last 30 days"):
            reset_card_pin(desk, clerk, ops, ISSUER, card.id, version, check, "724613", "724613")
        ops.verify_pin("913528")  # the refused reset left the PIN as it was
        clock.advance(days=31)
        assert pin_reset_allowed(desk, card.id).done_in_period == 0
        check = identity(desk, clerk, person, "reset_pin")
        reset_card_pin(desk, clerk, ops, ISSUER, card.id, version, check, "724613", "724613")
        ops.verify_pin("724613")
    assert len(audit_events(desk, "pin_reset")) == 3


def test_another_persons_card_in_the_reader_is_refused_and_audited(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    [(person, card), (other, other_card)] = cards_without_application(seeded, "active", 2)
    assert card.id is not None
    chip = chip_card(seeded, other, other_card)
    block(chip)
    check = identity(seeded, clerk, person, "reset_pin")
    with card_in_reader(chip) as ops, pytest.raises(ChipDiffers) as refused:
        reset_card_pin(seeded, clerk, ops, ISSUER, card.id, card.version, check, NEW_PIN, NEW_PIN)
    assert {"card_number", "citizen_number"} <= {f.field for f in refused.value.fields if not f.matches}
    assert chip.tries_left == 0  # still blocked: nothing was written on the other card
    [event] = audit_events(seeded, "chip_check_failed")
    assert event.entity_id == str(card.id)
    assert audit_events(seeded, "pin_unblocked") == []


def test_pins_breaking_a_rule_never_reach_the_chip(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    assert card.id is not None
    chip = chip_card(seeded, person, card)
    block(chip)
    check = identity(seeded, clerk, person, "reset_pin")
    sent = chip.apdu_count
    with card_in_reader(chip) as ops:
        for new, again in (("802417", "802418"), ("123456", "123456"), ("8024", "8024")):
            with pytest.raises(PinRefused):
                reset_card_pin(seeded, clerk, ops, ISSUER, card.id, card.version, check, new, again)
    assert chip.tries_left == 0 and chip.apdu_count == sent


def test_a_wrong_issuer_key_changes_nothing_on_the_chip_or_the_record(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    assert card.id is not None
    chip = chip_card(seeded, person, card)
    block(chip)
    check = identity(seeded, clerk, person, "reset_pin")
    with card_in_reader(chip) as ops, pytest.raises(NotAuthorised):
        reset_card_pin(seeded, clerk, ops, KeyIssuer(b"\x00" * 24), card.id, card.version, check, NEW_PIN, NEW_PIN)
    assert chip.tries_left == 0
    assert audit_events(seeded, "pin_unblocked") == [] and reload(seeded, card.id).version == card.version


def test_the_outlets_issuer_is_its_key_file(seeded: Desk) -> None:
    from outlet_desk.reader.errors import IssuerKeyError
    from outlet_desk.services.bootstrap import ensure_training_issuer_key

    path = seeded.settings.issuer_key_path()
    if path.exists():
        path.unlink()
    with pytest.raises(IssuerKeyError):
        outlet_issuer(seeded)
    ensure_training_issuer_key(path)
    assert outlet_issuer(seeded).answer_challenge(b"12345678") == ISSUER.answer_challenge(b"12345678")

