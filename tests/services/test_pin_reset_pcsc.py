"""PIN unblock on real parts: a person's card (the emulator `card emulate` runs, blocking after the outlet's
``pin_tries``) in the vpcd reader behind the real pcscd; the PIN blocked by wrong entries through pyscard, then
unblocked at the counter with the outlet's issuer key file, and the holder's new PIN opens the card again."""

from __future__ import annotations

import pytest

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.reader.errors import PinBlocked, WrongPin
from outlet_desk.reader.pcsc_reader import PcscCardReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services.bootstrap import ensure_training_issuer_key, open_desk
from outlet_desk.services.emulation import card_data_for
from outlet_desk.services.pin_reset import outlet_issuer, reset_card_pin
from tests.clock import FakeClock
from tests.fixtures_pcsc import FreshSlot
from tests.services.builders import audit_events, identity, login, person_with, seed
from tests.services.test_pin_reset import reader_with

pytestmark = pytest.mark.pcsc


def test_a_blocked_pin_is_unblocked_through_the_real_pcscd(
    make_settings, clock: FakeClock, fresh_card: FreshSlot  # type: ignore[no-untyped-def]
) -> None:
    settings = make_settings("\n[collection]\npin_tries = 4\n")
    desk = open_desk(settings)
    desk.clock = clock
    seed(desk)
    ensure_training_issuer_key(settings.issuer_key_path())  # the training outlet's test key, in its key file
    clerk = login(desk, "clerk1")
    person, card = person_with(desk, CardStatus.ACTIVE)
    assert card.id is not None
    chip = VirtualCard(card_data_for(desk, person.citizen_number, card.card_number),
                       max_tries=settings.collection.pin_tries)
    fresh_card.insert(chip)
    transport = PcscCardReader()
    try:
        with reader_with(transport, fresh_card.reader) as ops:
            for left in (3, 2, 1):
                with pytest.raises(WrongPin) as wrong:
                    ops.verify_pin("000000")
                assert wrong.value.tries_left == left
            with pytest.raises(PinBlocked):
                ops.verify_pin("000000")
            assert ops.pin_tries_left() == 0
            check = identity(desk, clerk, person, "reset_pin")
            result = reset_card_pin(desk, clerk, ops, outlet_issuer(desk), card.id, card.version, check,
                                    "802417", "802417")
            ops.verify_pin("802417")
            assert ops.pin_tries_left() == 4
    finally:
        transport.close()
        desk.engine.dispose()
    assert result.unblocked and len(audit_events(desk, "pin_unblocked")) == 1
