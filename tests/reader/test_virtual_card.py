"""The emulator's chip logic, APDU by APDU (no reader): what a real card would answer."""

from __future__ import annotations

import pytest

from outlet_desk.reader import apdu, card_session
from outlet_desk.reader.errors import NotAuthorised, PinBlocked, WrongPin
from outlet_desk.reader.issuer_auth import TRAINING_ISSUER_KEY, KeyIssuer
from outlet_desk.reader.profile import encode_records
from outlet_desk.reader.virtual_card import GARBAGE_RESPONSE, Fault, VirtualCard, make_atr, sample_card_data

SAMPLE = sample_card_data()


def sw(answer: bytes | None) -> int:
    assert answer is not None
    return int.from_bytes(answer[-2:], "big")


def test_atr_carries_the_nonce_and_a_valid_tck() -> None:
    card = VirtualCard(SAMPLE)
    atr = card.atr
    assert atr[:4] == bytes.fromhex("3B878001") and len(atr) == 12
    check = 0
    for byte in atr[1:]:
        check ^= byte
    assert check == 0, "TCK makes the XOR of T0..TCK zero"
    assert card.nonce in atr and VirtualCard(SAMPLE).atr != atr
    assert make_atr(bytes(5))[-1] != 0


def test_read_record_before_select_is_refused() -> None:
    card = VirtualCard(SAMPLE)
    assert sw(card.process(apdu.read_record(5, 7))) == apdu.SW_CONDITIONS_NOT_SATISFIED


def test_both_addressing_modes_find_the_same_record() -> None:
    card = VirtualCard(SAMPLE)
    assert sw(card.process(apdu.select_application())) == apdu.SW_OK
    by_number = card.process(bytes.fromhex("00B2072C0B"))  # public reader code's exact command
    assert by_number == encode_records(SAMPLE)[(5, 7)] + b"\x90\x00"
    assert sw(card.process(apdu.select_file(apdu.EF06_FID))) == apdu.SW_OK
    by_tag = card.process(bytes.fromhex("00B2080014"))  # tag 08 of the selected EF06
    assert by_tag is not None and by_tag[2:-2] == b"11010519491231002X"
    current = card.process(bytes.fromhex("00B2010400"))  # record 1 of the current file
    assert current == by_tag


def test_short_le_gets_6cxx_and_unknown_record_6a83() -> None:
    card = VirtualCard(SAMPLE)
    card.process(apdu.select_application())
    assert sw(card.process(apdu.read_record(6, 2, le=5))) == 0x6C00 | 32
    assert sw(card.process(apdu.read_record(6, 8))) == apdu.SW_RECORD_NOT_FOUND
    assert sw(card.process(apdu.read_record(7, 1))) == apdu.SW_FILE_NOT_FOUND


def test_foreign_card_refuses_our_application() -> None:
    assert sw(VirtualCard.foreign().process(apdu.select_application())) == apdu.SW_FILE_NOT_FOUND


def test_pin_counter_blocks_after_three_wrong_tries_and_issuer_resets_it() -> None:
    card = VirtualCard(SAMPLE)
    transmit = card.process
    for expected in (2, 1):
        with pytest.raises(WrongPin) as info:
            card_session.verify_pin(transmit, "000000")  # type: ignore[arg-type]
        assert info.value.tries_left == expected
    with pytest.raises(PinBlocked):
        card_session.verify_pin(transmit, "000000")  # type: ignore[arg-type]
    with pytest.raises(PinBlocked):
        card_session.verify_pin(transmit, "123456")  # type: ignore[arg-type]
    card_session.reset_pin(transmit, "246810", KeyIssuer(TRAINING_ISSUER_KEY))  # type: ignore[arg-type]
    card_session.verify_pin(transmit, "246810")  # type: ignore[arg-type]
    assert card.tries_left == 3


def test_writes_need_issuer_authentication() -> None:
    card = VirtualCard(None)
    card.process(apdu.select_application())
    record = encode_records(SAMPLE)[(5, 7)]
    assert sw(card.process(apdu.update_record(5, 7, record))) == apdu.SW_SECURITY_NOT_SATISFIED
    with pytest.raises(NotAuthorised):
        card_session.personalise(card.process, SAMPLE, KeyIssuer(b"x" * 24))  # type: ignore[arg-type]
    assert card.data is None, "a refused personalisation writes nothing"
    # a challenge is good for one attempt only
    assert sw(card.process(apdu.external_authenticate(bytes(16)))) == apdu.SW_CONDITIONS_NOT_SATISFIED


def test_power_cycle_forgets_authentication() -> None:
    card = VirtualCard(None)
    card_session.select_social_security_application(card.process)  # type: ignore[arg-type]
    card_session.authenticate_issuer(card.process, KeyIssuer(TRAINING_ISSUER_KEY))  # type: ignore[arg-type]
    card.power(0x02)
    card.process(apdu.select_application())
    assert sw(card.process(apdu.update_record(5, 7, b"\x07\x01A"))) == apdu.SW_SECURITY_NOT_SATISFIED


def test_a_reset_between_challenge_and_answer_is_survived_with_a_new_challenge() -> None:
    """Found in CI under load: the card was powered again between GET CHALLENGE and EXTERNAL AUTHENTICATE,
    forgot its challenge and answered 6985; the personalisation failed with "unexpected answer"."""
    card = VirtualCard(None)
    resets = []

    def transmit(command: bytes) -> bytes | None:
        if command[1] == apdu.INS_EXTERNAL_AUTHENTICATE and not resets:
            resets.append(command)
            card.power(0x02)  # the reset lands between the two commands, once
        return card.process(command)

    written = card_session.personalise(transmit, SAMPLE, KeyIssuer(TRAINING_ISSUER_KEY))  # type: ignore[arg-type]
    assert written == SAMPLE and card.data == SAMPLE and len(resets) == 1


def test_fault_hooks() -> None:
    card = VirtualCard(SAMPLE, max_hang_s=0.05)
    card.set_fault(Fault.GARBAGE, after=1)
    assert sw(card.process(apdu.select_application())) == apdu.SW_OK
    assert card.process(apdu.read_record(5, 1)) == GARBAGE_RESPONSE
    card.set_fault(Fault.DIE)
    assert card.process(apdu.read_record(5, 1)) is None
    card.set_fault(Fault.HANG)
    assert sw(card.process(apdu.read_record(5, 1))) == apdu.SW_UNKNOWN  # watchdog ended the hang
