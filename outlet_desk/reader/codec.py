"""Byte encodings used on the chip: SIMPLE-TLV, BCD digits and dates, GBK text.

Decoders take untrusted bytes and raise :class:`CardDataError` (never anything else) on bad input.
Encoders take values the application built and raise ``ValueError`` on values that cannot be encoded.
"""

from __future__ import annotations

from datetime import date

from outlet_desk.reader.errors import CardDataError


def encode_tlv(tag: int, value: bytes) -> bytes:
    """One SIMPLE-TLV object: tag (1 byte, 01..FE), length (1 byte, or FF + 2 bytes), value."""
    if not 0x01 <= tag <= 0xFE:
        raise ValueError(f"SIMPLE-TLV tag out of range: {tag:#x}")
    if len(value) < 0xFF:
        return bytes([tag, len(value)]) + value
    if len(value) > 0xFFFF:
        raise ValueError("SIMPLE-TLV value too long")
    return bytes([tag, 0xFF]) + len(value).to_bytes(2, "big") + value


def decode_tlv(data: bytes) -> tuple[int, bytes]:
    """Decode exactly one SIMPLE-TLV object filling ``data``; return (tag, value)."""
    if len(data) < 2:
        raise CardDataError(f"TLV too short: {data.hex()}")
    tag = data[0]
    if tag in (0x00, 0xFF):
        raise CardDataError(f"invalid TLV tag {tag:02X}")
    length, offset = data[1], 2
    if length == 0xFF:
        if len(data) < 4:
            raise CardDataError("TLV long length truncated")
        length, offset = int.from_bytes(data[2:4], "big"), 4
    value = data[offset:]
    if len(value) != length:
        raise CardDataError(f"TLV tag {tag:02X} says {length} bytes, record has {len(value)}")
    return tag, value


def encode_bcd(digits: str) -> bytes:
    """Pack decimal digits two per byte; an odd count is padded with a trailing F nibble."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"not decimal digits: {digits!r}")
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex(digits)


def decode_bcd(data: bytes, digits: int | None = None) -> str:
    """Unpack BCD; every nibble must be 0-9 (a trailing F pad is allowed for odd ``digits``)."""
    text = data.hex().upper()
    if digits is not None:
        if len(data) != (digits + 1) // 2:
            raise CardDataError(f"BCD field of {len(data)} bytes, expected {(digits + 1) // 2}")
        if digits % 2:
            if not text.endswith("F"):
                raise CardDataError(f"bad BCD padding: {text}")
            text = text[:-1]
    if not text.isdigit():
        raise CardDataError(f"bad BCD: {text}")
    return text


def encode_bcd_date(value: date) -> bytes:
    return encode_bcd(f"{value.year:04d}{value.month:02d}{value.day:02d}")


def decode_bcd_date(data: bytes) -> date:
    """4 bytes BCD ``YYYYMMDD``; a non-existent date is a data error."""
    text = decode_bcd(data, 8)
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise CardDataError(f"bad date {text}") from exc


def encode_padded_gbk(text: str, size: int) -> bytes:
    """GBK bytes of ``text`` padded with 00 to ``size`` bytes."""
    raw = text.encode("gbk")
    if len(raw) > size:
        raise ValueError(f"{text!r} needs {len(raw)} GBK bytes, only {size} fit")
    return raw.ljust(size, b"\x00")


def decode_padded_gbk(data: bytes) -> str:
    """Strip the 00 padding and decode GBK strictly; a 00 inside the text is a data error."""
    raw = data.rstrip(b"\x00")
    if b"\x00" in raw:
        raise CardDataError("NUL inside text field")
    try:
        return raw.decode("gbk")
    except UnicodeDecodeError as exc:
        raise CardDataError(f"not GBK text: {raw.hex()}") from exc


def decode_ascii(data: bytes) -> str:
    """Printable ASCII only."""
    if not all(0x20 <= b < 0x7F for b in data):
        raise CardDataError(f"not printable ASCII: {data.hex()}")
    return data.decode("ascii")
