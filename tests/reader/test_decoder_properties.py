"""Whatever bytes a chip returns, the decoders raise only typed reader errors (property tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from outlet_desk.reader import card_session
from outlet_desk.reader.card_data import CardData, Gender
from outlet_desk.reader.codec import decode_bcd, decode_bcd_date, decode_padded_gbk, decode_tlv
from outlet_desk.reader.errors import ReaderError
from outlet_desk.reader.profile import RECORDS, decode_card, decode_record, encode_records
from outlet_desk.reader.virtual_card import sample_card_data

SAMPLE_RECORDS = encode_records(sample_card_data())


@given(st.binary(max_size=300))
def test_tlv_decoder_raises_only_typed_errors(data: bytes) -> None:
    try:
        tag, value = decode_tlv(data)
    except ReaderError as error:
        assert error.message
    else:
        assert 1 <= tag <= 0xFE and len(value) <= len(data)


@given(st.binary(max_size=8), st.sampled_from([None, 2, 4, 6, 8]))
def test_bcd_decoders_raise_only_typed_errors(data: bytes, digits: int | None) -> None:
    for decode in (lambda: decode_bcd(data, digits), lambda: decode_bcd_date(data)):
        try:
            result = decode()
        except ReaderError as error:
            assert error.message
        else:
            assert result is not None


@given(st.binary(max_size=40))
def test_gbk_decoder_raises_only_typed_errors(data: bytes) -> None:
    try:
        text = decode_padded_gbk(data)
    except ReaderError as error:
        assert error.message
    else:
        assert "\x00" not in text


@given(st.sampled_from(RECORDS), st.binary(max_size=40))
def test_any_record_bytes_decode_or_raise_a_card_error(spec: object, record: bytes) -> None:
    try:
        decode_record(spec, record)  # type: ignore[arg-type]
    except ReaderError as error:
        assert error.message


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from([r.key for r in RECORDS]), st.binary(max_size=36)))
def test_corrupted_cards_decode_or_raise_a_card_error(corruption: dict[tuple[int, int], bytes]) -> None:
    records = {**SAMPLE_RECORDS, **corruption}
    try:
        card = decode_card(records)
    except ReaderError as error:
        assert error.message
    else:
        assert isinstance(card, CardData) and isinstance(card.gender, Gender)


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=20))
def test_a_chip_answering_random_bytes_gives_typed_errors(answers: list[bytes]) -> None:
    queue = list(answers)

    def transmit(command: bytes) -> bytes:
        return queue.pop(0) if queue else b"\x6f\x00"

    for operation in (card_session.read_card_data, lambda t: card_session.verify_pin(t, "123456")):
        queue[:] = answers
        try:
            operation(transmit)
        except ReaderError as error:
            assert error.message
