"""Instant issuance on real parts: a blank virtual card in the vpcd reader is personalised through the
reader profile's write command (authenticated with the training outlet's issuer key), read back, and
becomes the request's card, ready for collection; its chip then passes the collection check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.reader.errors import NotAuthorised
from outlet_desk.reader.pcsc_reader import PcscCardReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services import demo, operators
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.collection import check_chip
from outlet_desk.services.identity import Document, record_identity_check
from outlet_desk.services.reissue import apply_reissue, complete_instant_issue, instant_card_data
from tests.clock import FakeClock
from tests.fixtures_pcsc import FreshSlot

pytestmark = pytest.mark.pcsc

INSTANT = '\n[reissue]\nproduction_mode = "instant"\n'


def test_blank_card_personalised_at_the_counter_is_ready_and_passes_the_chip_check(
    make_settings, clock: FakeClock, fresh_card: FreshSlot  # type: ignore[no-untyped-def]
) -> None:
    settings = make_settings(INSTANT)  # not a training outlet: the test key is put in place below
    desk = open_desk(settings)
    desk.clock = clock
    demo.seed_training(desk, persons=30)
    clerk = operators.authenticate(desk, "clerk1", demo.training_password("clerk1"))
    with Session(desk.engine) as s:
        taken = select(ReissueRequest.old_card_id).where(col(ReissueRequest.old_card_id).is_not(None))
        card = s.exec(select(Card).where(col(Card.status) == "lost", col(Card.id).not_in(taken))).first()
        assert card is not None
        person = s.get(Person, card.person_id)
        assert person is not None and card.id is not None and person.id is not None
    check = record_identity_check(
        desk, clerk, person.id, "apply_reissue", presenter="holder",
        document=Document("resident_id_card", person.citizen_number, person.name,
                          desk.local_now().date() + timedelta(days=900)), face_confirmed=True)
    applied = apply_reissue(desk, clerk, card.id, card.version, ReissueReason.LOST, check.check_id,
                            payment_method="cash", amount_paid_fen=2000)
    assert applied.production_mode == "instant"

    data = instant_card_data(desk, applied.request_id)
    assert data.card_number.startswith("T") and data.citizen_number == person.citizen_number
    blank = VirtualCard(None)
    fresh_card.insert(blank)
    reader = PcscCardReader()
    try:
        wrong_key = settings.base_dir / "wrong.key"
        wrong_key.write_text("00" * 24 + "\n")
        with pytest.raises(NotAuthorised):
            reader.personalise(fresh_card.reader, data, wrong_key)
        from outlet_desk.services.bootstrap import ensure_training_issuer_key

        ensure_training_issuer_key(settings.issuer_key_path())
        written = reader.personalise(fresh_card.reader, data, settings.issuer_key_path())
        assert written == data
        received = complete_instant_issue(desk, clerk, applied.request_id, written)
        chip = reader.read_card(fresh_card.reader)
    finally:
        reader.close()
    assert chip.card_number == received.card_number
    assert check_chip(desk, clerk, applied.request_id, chip).passed
    desk.engine.dispose()
