"""The data layout of the social security card: which record holds which field, and how.

Pure functions only. :func:`encode_records` turns a :class:`CardData` into the 14 SIMPLE-TLV records
(used by the virtual card and by personalisation); :func:`decode_record` checks one record read from the
chip (tag, exact length) and :func:`decode_card` builds the :class:`CardData` from all of them. Anything
malformed raises :class:`CardDataError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from outlet_desk.i18n import _
from outlet_desk.reader.apdu import SFI_EF05, SFI_EF06
from outlet_desk.reader.card_data import (
    INITIALISING_ORG_BYTES,
    NAME_BYTES,
    NAME_EXTENSION_BYTES,
    CardData,
    Gender,
    InvalidChipField,
)
from outlet_desk.reader.codec import (
    decode_ascii,
    decode_bcd,
    decode_bcd_date,
    decode_padded_gbk,
    decode_tlv,
    encode_bcd,
    encode_bcd_date,
    encode_padded_gbk,
    encode_tlv,
)
from outlet_desk.reader.errors import CardDataError

RecordKey = tuple[int, int]
"""(SFI, record number)."""


@dataclass(frozen=True, slots=True)
class RecordSpec:
    sfi: int
    number: int
    tag: int
    field: str
    length: int

    @property
    def key(self) -> RecordKey:
        return (self.sfi, self.number)


RECORDS: tuple[RecordSpec, ...] = (
    RecordSpec(SFI_EF05, 1, 0x01, "identification_code", 16),
    RecordSpec(SFI_EF05, 2, 0x02, "card_type", 1),
    RecordSpec(SFI_EF05, 3, 0x03, "spec_version", 4),
    RecordSpec(SFI_EF05, 4, 0x04, "initialising_org", INITIALISING_ORG_BYTES),
    RecordSpec(SFI_EF05, 5, 0x05, "issue_date", 4),
    RecordSpec(SFI_EF05, 6, 0x06, "expiry_date", 4),
    RecordSpec(SFI_EF05, 7, 0x07, "card_number", 9),
    RecordSpec(SFI_EF06, 1, 0x08, "citizen_number", 18),
    RecordSpec(SFI_EF06, 2, 0x09, "name", NAME_BYTES),
    RecordSpec(SFI_EF06, 3, 0x4E, "name_extension", NAME_EXTENSION_BYTES),
    RecordSpec(SFI_EF06, 4, 0x0A, "gender", 1),
    RecordSpec(SFI_EF06, 5, 0x0B, "ethnicity", 1),
    RecordSpec(SFI_EF06, 6, 0x0C, "birthplace", 3),
    RecordSpec(SFI_EF06, 7, 0x0D, "birth_date", 4),
)
RECORDS_PER_FILE = 7
SPEC_BY_KEY: dict[RecordKey, RecordSpec] = {spec.key: spec for spec in RECORDS}

FieldValue = str | int | date | Gender


def _encode_value(spec: RecordSpec, data: CardData) -> bytes:
    value = getattr(data, spec.field)
    match spec.field:
        case "identification_code" | "initialising_org":
            raw = bytes.fromhex(value)
        case "card_type":
            raw = bytes([value])
        case "spec_version" | "card_number" | "citizen_number":
            raw = value.encode("ascii")
        case "issue_date" | "expiry_date" | "birth_date":
            raw = encode_bcd_date(value)
        case "name" | "name_extension":
            raw = encode_padded_gbk(value, spec.length)
        case "gender":
            raw = value.value.encode("ascii")
        case "ethnicity" | "birthplace":
            raw = encode_bcd(value)
        case _:  # pragma: no cover - RECORDS and this match are edited together
            raise AssertionError(spec.field)
    if len(raw) != spec.length:
        raise ValueError(f"{spec.field} encodes to {len(raw)} bytes, expected {spec.length}")
    return raw


def encode_records(data: CardData) -> dict[RecordKey, bytes]:
    """All records of EF05 and EF06 for ``data``, each one SIMPLE-TLV object."""
    return {spec.key: encode_tlv(spec.tag, _encode_value(spec, data)) for spec in RECORDS}


def decode_record(spec: RecordSpec, record: bytes) -> FieldValue:
    """Check one record against its spec and decode its value."""
    tag, value = decode_tlv(record)
    if tag != spec.tag:
        raise CardDataError(f"record {spec.sfi}/{spec.number}: tag {tag:02X}, expected {spec.tag:02X}")
    if len(value) != spec.length:
        raise CardDataError(
            f"record {spec.sfi}/{spec.number} ({spec.field}): {len(value)} bytes, expected {spec.length}"
        )
    match spec.field:
        case "identification_code" | "initialising_org":
            return value.hex().upper()
        case "card_type":
            return value[0]
        case "spec_version" | "card_number" | "citizen_number":
            return decode_ascii(value)
        case "issue_date" | "expiry_date" | "birth_date":
            return decode_bcd_date(value)
        case "name" | "name_extension":
            return decode_padded_gbk(value)
        case "gender":
            try:
                return Gender(decode_ascii(value))
            except ValueError as exc:
                raise CardDataError(f"gender byte {value.hex()}") from exc
        case "ethnicity" | "birthplace":
            return decode_bcd(value, 2 * spec.length)
        case _:  # pragma: no cover
            raise AssertionError(spec.field)


def decode_card(records: Mapping[RecordKey, bytes]) -> CardData:
    """Build :class:`CardData` from the raw records; a missing or malformed one is a data error."""
    fields: dict[str, FieldValue] = {}
    for spec in RECORDS:
        record = records.get(spec.key)
        if record is None:
            raise CardDataError(f"record {spec.sfi}/{spec.number} missing")
        fields[spec.field] = decode_record(spec, record)
    try:
        return CardData(**fields)  # type: ignore[arg-type]
    except InvalidChipField as exc:
        raise CardDataError(str(exc), _invalid_field_message(exc)) from exc
    except (ValueError, TypeError) as exc:
        raise CardDataError(str(exc)) from exc


def _invalid_field_message(exc: InvalidChipField) -> str:
    if exc.field == "identification_code":
        text = _("The chip's card identification code is not valid: {reason} Do not hand this card over; it may "
                 "need replacing.")
    else:
        text = _("The chip's citizen number is not valid: {reason} Do not hand this card over; it may need "
                 "replacing.")
    return text.format(reason=exc.reason)
