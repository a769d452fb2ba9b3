"""Card operations through the real stack (pyscard -> pcscd -> vpcd -> emulator), resident card."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from smartcard import scard

from outlet_desk.reader.card_data import Gender
from outlet_desk.reader.errors import (
    BlankCard,
    CardDataError,
    CardNotResponding,
    NotAuthorised,
    NotSocialSecurityCard,
    PinBlocked,
    WrongPin,
)
from outlet_desk.reader.pcsc_reader import PcscCardReader
from outlet_desk.reader.profile import encode_records
from outlet_desk.reader.virtual_card import FOREIGN_AID, Fault, VirtualCard, sample_card_data
from tests.fixtures_pcsc import InsertedCard

pytestmark = pytest.mark.pcsc

SAMPLE = sample_card_data()


@pytest.fixture(scope="module")
def pcsc() -> Iterator[PcscCardReader]:
    reader = PcscCardReader()
    yield reader
    reader.close()


def test_reads_every_field(pcsc: PcscCardReader, resident_card: InsertedCard) -> None:
    data = pcsc.read_card(resident_card.reader)
    assert data == SAMPLE
    assert (data.card_number, data.citizen_number, data.name) == ("A12345678", "11010519491231002X", "张小燕")
    assert data.identification_code == "110100D15600000500AB12CD34EF5678"
    assert data.gender.value == "2" and data.birth_date.isoformat() == "1949-12-31"
    assert (data.card_type, data.spec_version, data.ethnicity, data.birthplace) == (1, "3.00", "01", "110105")
    assert data.issue_date.isoformat() == "2024-03-15" and data.expiry_date.isoformat() == "2034-03-15"


def test_card_answers_public_reader_code_by_tag(resident_card: InsertedCard) -> None:
    """Other desks' code reads by tag after SELECT EF: the emulator must answer it like a real card."""
    _hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    hr, card, protocol = scard.SCardConnect(context, resident_card.reader, scard.SCARD_SHARE_SHARED,
                                            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    assert hr == scard.SCARD_S_SUCCESS
    try:
        def send(hex_apdu: str) -> bytes:
            _code, response = scard.SCardTransmit(card, protocol, list(bytes.fromhex(hex_apdu)))
            return bytes(response)

        assert send("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")[-2:] == b"\x90\x00"
        assert send("00A4020002EF06") == b"\x90\x00"
        assert send("00B2080014")[2:-2] == b"11010519491231002X"
        assert send("00B2072C0B") == encode_records(SAMPLE)[(5, 7)] + b"\x90\x00"
    finally:
        scard.SCardDisconnect(card, scard.SCARD_RESET_CARD)
        scard.SCardReleaseContext(context)


def test_pin_verify_wrong_tries_and_blocked(pcsc: PcscCardReader, resident_card: InsertedCard) -> None:
    reader = resident_card.reader
    pcsc.verify_pin(reader, "123456")
    with pytest.raises(WrongPin) as first:
        pcsc.verify_pin(reader, "111111")
    assert first.value.tries_left == 2 and "2 tries left" in first.value.message
    with pytest.raises(WrongPin) as second:
        pcsc.verify_pin(reader, "111111")
    assert second.value.tries_left == 1
    with pytest.raises(PinBlocked):
        pcsc.verify_pin(reader, "111111")
    with pytest.raises(PinBlocked) as blocked:
        pcsc.verify_pin(reader, "123456")  # even the right PIN: blocked is blocked
    assert "blocked" in blocked.value.message
    assert pcsc.pin_tries_left(reader) == 0


def test_correct_pin_restores_the_tries(pcsc: PcscCardReader, resident_card: InsertedCard) -> None:
    with pytest.raises(WrongPin):
        pcsc.verify_pin(resident_card.reader, "999999")
    pcsc.verify_pin(resident_card.reader, "123456")
    assert pcsc.pin_tries_left(resident_card.reader) == 3


def test_change_pin(pcsc: PcscCardReader, resident_card: InsertedCard) -> None:
    reader = resident_card.reader
    pcsc.change_pin(reader, "123456", "739155")
    pcsc.verify_pin(reader, "739155")
    with pytest.raises(WrongPin):
        pcsc.verify_pin(reader, "123456")  # the initial PIN no longer works
    with pytest.raises(WrongPin) as wrong_old:
        pcsc.change_pin(reader, "000000", "111111")
    assert wrong_old.value.tries_left == 1


def test_unblock_with_issuer_key(pcsc: PcscCardReader, resident_card: InsertedCard,
                                 issuer_key_file: Path) -> None:
    resident_card.swap(VirtualCard.make_state(SAMPLE, max_tries=1))
    with pytest.raises(PinBlocked):
        pcsc.verify_pin(resident_card.reader, "000000")
    pcsc.reset_pin(resident_card.reader, "123456", issuer_key_file)
    pcsc.verify_pin(resident_card.reader, "123456")


def test_personalise_blank_card_then_read_back(pcsc: PcscCardReader, resident_card: InsertedCard,
                                               issuer_key_file: Path) -> None:
    reader = resident_card.reader
    resident_card.swap(VirtualCard.make_state(None))
    with pytest.raises(BlankCard) as blank:
        pcsc.read_card(reader)
    assert "blank" in blank.value.message
    new = sample_card_data(card_number="B20260001", name="赵敏", citizen_number="440106199001010013",
                           gender=Gender.MALE, birth_date=SAMPLE.birth_date.replace(1990))
    assert pcsc.personalise(reader, new, issuer_key_file) == new
    assert pcsc.read_card(reader) == new


def test_personalise_with_wrong_key_is_refused(pcsc: PcscCardReader, resident_card: InsertedCard,
                                               wrong_key_file: Path) -> None:
    resident_card.swap(VirtualCard.make_state(None))
    with pytest.raises(NotAuthorised) as refused:
        pcsc.personalise(resident_card.reader, SAMPLE, wrong_key_file)
    assert "issuer key" in refused.value.message
    with pytest.raises(BlankCard):
        pcsc.read_card(resident_card.reader)


def test_not_a_social_security_card(pcsc: PcscCardReader, resident_card: InsertedCard) -> None:
    resident_card.swap(VirtualCard.make_state(None, aid=FOREIGN_AID))
    with pytest.raises(NotSocialSecurityCard) as info:
        pcsc.read_card(resident_card.reader)
    assert info.value.message.startswith("This is not a social security card")


def test_damaged_record_is_a_data_error(pcsc: PcscCardReader, resident_card: InsertedCard) -> None:
    state = VirtualCard.make_state(SAMPLE)
    state.records[(6, 7)] = bytes.fromhex("0D0419491332")  # month 13
    resident_card.swap(state)
    with pytest.raises(CardDataError) as info:
        pcsc.read_card(resident_card.reader)
    assert "damaged or unreadable" in info.value.message


def test_garbage_answer_is_card_not_responding(pcsc: PcscCardReader, resident_card: InsertedCard) -> None:
    resident_card.card.set_fault(Fault.GARBAGE, after=2)
    with pytest.raises(CardNotResponding) as info:
        pcsc.read_card(resident_card.reader, timeout=1.0)
    assert "not responding" in info.value.message or "unexpected answer" in info.value.message
    resident_card.card.release()
    assert pcsc.read_card(resident_card.reader) == SAMPLE  # the reader keeps working


def test_hanging_card_gives_up_within_the_timeout(pcsc: PcscCardReader, resident_card: InsertedCard) -> None:
    resident_card.card.set_fault(Fault.HANG, after=3)
    start = time.monotonic()
    with pytest.raises(CardNotResponding) as info:
        pcsc.read_card(resident_card.reader, timeout=0.5)
    assert 0.45 < time.monotonic() - start < 0.8
    assert "not responding" in info.value.message
    assert resident_card.card.hanging.is_set() and pcsc.reader_busy(resident_card.reader)
    resident_card.card.release()  # the card finally answers: the stuck worker is free again
    assert pcsc.read_card(resident_card.reader, timeout=2.0) == SAMPLE
