"""The card profile without any reader: APDU bytes, record encoders and decoders, typed errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from outlet_desk.reader import apdu, card_session
from outlet_desk.reader.card_data import CardData, Gender
from outlet_desk.reader.codec import (
    decode_bcd,
    decode_bcd_date,
    decode_padded_gbk,
    decode_tlv,
    encode_bcd_date,
    encode_padded_gbk,
    encode_tlv,
)
from outlet_desk.reader.errors import (
    BlankCard,
    CardDataError,
    CardGone,
    CardNotResponding,
    IssuerKeyError,
    NotSocialSecurityCard,
    PinBlocked,
    UnexpectedStatus,
    WrongPin,
)
from outlet_desk.reader.issuer_auth import KeyIssuer, parse_issuer_key
from outlet_desk.reader.profile import RECORDS, SPEC_BY_KEY, decode_card, decode_record, encode_records
from outlet_desk.reader.virtual_card import sample_card_data

SAMPLE = sample_card_data()


def test_select_apdu_is_the_published_one() -> None:
    assert apdu.select_application().hex().upper() == "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"


def test_read_record_addresses_by_number_with_sfi() -> None:
    # public reader code: 00 B2 07 2C 0B reads record 7 of SFI 5
    assert apdu.read_record(5, 7, le=0x0B).hex().upper() == "00B2072C0B"
    assert apdu.read_record(6, 1).hex().upper() == "00B2013400"
    assert apdu.read_record_by_tag(0x08, le=0x14).hex().upper() == "00B2080014"
    assert apdu.select_file(apdu.EF06_FID).hex().upper() == "00A4020002EF06"


def test_pin_apdus() -> None:
    assert apdu.verify_pin("123456").hex().upper() == "00200000031234 56".replace(" ", "")
    assert apdu.change_pin("123456", "654321").hex().upper() == "805E010007123456FF654321"
    assert apdu.verify_pin("12345").hex().upper() == "00200000031234 5F".replace(" ", "")
    with pytest.raises(ValueError):
        apdu.verify_pin("12a456")


def test_records_follow_the_design_table() -> None:
    records = encode_records(SAMPLE)
    assert records[(5, 7)] == b"\x07\x09A12345678"
    assert records[(6, 1)] == b"\x08\x12" + b"11010519491231002X"
    assert records[(5, 5)] == bytes.fromhex("050420240315")
    assert records[(6, 4)] == b"\x0a\x012"
    name = records[(6, 2)]
    assert name[:2] == b"\x09\x1e" and name[2:8] == "张小燕".encode("gbk") and name[8:] == bytes(24)
    assert records[(5, 1)] == bytes.fromhex("0110110100D15600000500AB12CD34EF5678")
    assert {r.tag for r in RECORDS} == {1, 2, 3, 4, 5, 6, 7, 8, 9, 0x4E, 0x0A, 0x0B, 0x0C, 0x0D}


def test_round_trip_of_all_fields() -> None:
    card = sample_card_data(name="欧阳娜娜", name_extension="·测试", gender=Gender.MALE, ethnicity="05")
    decoded = decode_card(encode_records(card))
    assert decoded == card
    assert decoded.region_code == "110100"
    assert decoded.to_json_dict()["birth_date"] == "1949-12-31"


def test_card_data_rejects_invalid_fields() -> None:
    with pytest.raises(ValueError, match="citizen_number"):
        sample_card_data(citizen_number="1101051949123100")
    with pytest.raises(ValueError, match="name"):
        sample_card_data(name="名" * 16)  # 32 GBK bytes do not fit in 30
    with pytest.raises(ValueError, match="identification_code"):
        sample_card_data(identification_code="110100d15600000500ab12cd34ef5678")


def _chip_with(record: tuple[int, int], tag: int, value: bytes) -> dict[tuple[int, int], bytes]:
    return {**encode_records(SAMPLE), record: encode_tlv(tag, value)}


@pytest.mark.parametrize(("code", "says"), [
    ("ABCDEFD15600000500AB12CD34EF5678",
     "The chip's card identification code is not valid: Card identification code must start with the "
     "6-digit issuing region code, not ABCDEF."),
    ("110100D15600000900AB12CD34EF5678",
     "The chip's card identification code is not valid: Card identification code must have D156000005 as "
     "characters 7 to 16, not D156000009."),
])
def test_a_chip_identification_code_is_checked_by_the_domain_rule(code: str, says: str) -> None:
    """design.md: 6-digit region code + D156000005 + 16 hex unique to the chip; any 32 hex is not enough."""
    with pytest.raises(CardDataError) as refused:
        decode_card(_chip_with((5, 1), 0x01, bytes.fromhex(code)))
    assert refused.value.message.startswith(says)
    assert refused.value.message.endswith("Do not hand this card over; it may need replacing.")


def test_a_chip_citizen_number_must_pass_its_check_digit() -> None:
    with pytest.raises(CardDataError) as refused:
        decode_card(_chip_with((6, 1), 0x08, b"110105194912310023"))
    assert refused.value.message.startswith(
        "The chip's citizen number is not valid: Citizen ID number check digit is wrong: X is expected as "
        "the last character.")


def test_bcd_and_dates() -> None:
    assert encode_bcd_date(date(2034, 3, 15)) == bytes.fromhex("20340315")
    assert decode_bcd_date(bytes.fromhex("19491231")) == date(1949, 12, 31)
    with pytest.raises(CardDataError):
        decode_bcd_date(bytes.fromhex("2024A315"))
    with pytest.raises(CardDataError):
        decode_bcd_date(bytes.fromhex("20240230"))  # 30 February
    with pytest.raises(CardDataError):
        decode_bcd(bytes.fromhex("12"), 4)


def test_tlv_lengths_are_checked() -> None:
    assert decode_tlv(encode_tlv(0x07, b"abc")) == (0x07, b"abc")
    assert decode_tlv(encode_tlv(0x07, bytes(300))) == (0x07, bytes(300))
    with pytest.raises(CardDataError):
        decode_tlv(b"\x07\x05abc")  # says 5, has 3
    with pytest.raises(CardDataError):
        decode_tlv(b"\x07")


def test_gbk_name_padding() -> None:
    assert decode_padded_gbk(encode_padded_gbk("王五", 30)) == "王五"
    with pytest.raises(CardDataError):
        decode_padded_gbk(b"\xff\xff" + bytes(28))
    with pytest.raises(CardDataError):
        decode_padded_gbk(b"A\x00B" + bytes(27))


@pytest.mark.parametrize(
    ("key", "record", "problem"),
    [
        ((5, 7), b"\x07\x08A1234567", "short card number record"),
        ((5, 7), b"\x07\x0aA123456789", "long card number record"),
        ((5, 7), b"\x08\x09A12345678", "wrong tag"),
        ((5, 5), bytes.fromhex("05042024131F"), "bad BCD date"),
        ((6, 4), b"\x0a\x013", "gender 3"),
        ((6, 5), b"\x0b\x01\x5a", "ethnicity not BCD"),
        ((6, 1), b"\x08\x12" + "1101051949123100二".encode("gbk"), "citizen number not ASCII"),
    ],
)
def test_malformed_records_are_card_data_errors(key: tuple[int, int], record: bytes, problem: str) -> None:
    records = encode_records(SAMPLE)
    records[key] = record
    with pytest.raises(CardDataError) as info:
        decode_card(records)
    assert info.value.message, problem


def test_decode_record_checks_its_spec() -> None:
    spec = SPEC_BY_KEY[(6, 7)]
    assert decode_record(spec, bytes.fromhex("0d0419491231")) == date(1949, 12, 31)


class ScriptedCard:
    """A transmit function answering from a script: the desk side's view of a misbehaving chip."""

    def __init__(self, answers: dict[bytes, bytes], default: bytes = b"\x90\x00") -> None:
        self.answers = answers
        self.default = default
        self.sent: list[bytes] = []

    def __call__(self, command: bytes) -> bytes:
        self.sent.append(command)
        return self.answers.get(command, self.default)


def _good_answers(data: CardData = SAMPLE) -> dict[bytes, bytes]:
    answers = {apdu.select_application(): b"\x90\x00"}
    for (sfi, number), record in encode_records(data).items():
        answers[apdu.read_record(sfi, number)] = record + b"\x90\x00"
    return answers


def test_full_read_uses_select_then_records_by_number() -> None:
    card = ScriptedCard(_good_answers())
    assert card_session.read_card_data(card) == SAMPLE
    assert card.sent[0] == apdu.select_application()
    assert all(c[1] == 0xB2 and c[3] & 0x07 == 0x04 for c in card.sent[1:])
    assert len(card.sent) == 1 + len(RECORDS)


def test_failing_select_means_not_a_social_security_card() -> None:
    card = ScriptedCard({apdu.select_application(): b"\x6a\x82"})
    with pytest.raises(NotSocialSecurityCard) as info:
        card_session.read_card_data(card)
    assert "not a social security card" in info.value.message


def test_blank_card_and_missing_record() -> None:
    answers = _good_answers()
    answers[apdu.read_record(5, 1)] = b"\x6a\x83"
    with pytest.raises(BlankCard):
        card_session.read_card_data(ScriptedCard(answers))
    answers = _good_answers()
    answers[apdu.read_record(6, 3)] = b"\x6a\x83"
    with pytest.raises(CardDataError) as info:
        card_session.read_card_data(ScriptedCard(answers))
    assert not isinstance(info.value, BlankCard)


def test_unknown_status_word_and_short_answers() -> None:
    answers = _good_answers()
    answers[apdu.read_record(5, 2)] = b"\x6f\x00"
    with pytest.raises(UnexpectedStatus) as info:
        card_session.read_card_data(ScriptedCard(answers))
    assert info.value.sw == 0x6F00 and "6F00" in info.value.message
    answers[apdu.read_record(5, 2)] = b"\x90"
    with pytest.raises(CardNotResponding):
        card_session.read_card_data(ScriptedCard(answers))
    answers[apdu.read_record(5, 2)] = b""
    with pytest.raises(CardGone):
        card_session.read_card_data(ScriptedCard(answers))


def test_6cxx_and_61xx_are_followed() -> None:
    record = encode_records(SAMPLE)[(5, 7)]
    answers = _good_answers()
    answers[apdu.read_record(5, 7)] = bytes([0x6C, len(record)])
    answers[apdu.read_record(5, 7, le=len(record))] = bytes([*record[:3], 0x61, len(record) - 3])
    answers[apdu.get_response(len(record) - 3)] = record[3:] + b"\x90\x00"
    assert card_session.read_card_data(ScriptedCard(answers)).card_number == "A12345678"


@pytest.mark.parametrize(
    ("sw", "error", "tries"),
    [(b"\x63\xc2", WrongPin, 2), (b"\x63\xc1", WrongPin, 1), (b"\x63\xc0", PinBlocked, None),
     (b"\x69\x83", PinBlocked, None)],
)
def test_pin_answers(sw: bytes, error: type[Exception], tries: int | None) -> None:
    card = ScriptedCard({apdu.verify_pin("000000"): sw})
    with pytest.raises(error) as info:
        card_session.verify_pin(card, "000000")
    if tries is not None:
        assert isinstance(info.value, WrongPin) and info.value.tries_left == tries
        assert str(tries) in info.value.message


def test_issuer_key_file_format() -> None:
    assert parse_issuer_key("# comment\n0011 2233 4455 6677\n8899aabbccddeeff\n") == bytes.fromhex(
        "00112233445566778899aabbccddeeff"
    )
    with pytest.raises(IssuerKeyError):
        parse_issuer_key("00112233")  # too short
    with pytest.raises(IssuerKeyError):
        parse_issuer_key("not hex at all, not at all.")


def test_personalise_refuses_a_differing_read_back() -> None:
    other = replace(SAMPLE, card_number="B00000001")
    answers = _good_answers(other)  # the chip "keeps" other data whatever is written
    answers[apdu.get_challenge()] = bytes(8) + b"\x90\x00"
    with pytest.raises(CardDataError):
        card_session.personalise(ScriptedCard(answers), SAMPLE, KeyIssuer(b"k" * 16))
