"""APDUs of the social security card profile (command builders and status words).

Only pure functions: they build command bytes or split a response. The card side
(:mod:`outlet_desk.reader.virtual_card`) and the desk side (:mod:`outlet_desk.reader.card_session`)
both use these, so the two can never disagree about a byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from outlet_desk.reader.codec import encode_bcd

# GBK bytes of "sx1.sh.社会保障": the application name of the PRC social security card.
SOCIAL_SECURITY_AID = "sx1.sh.社会保障".encode("gbk")
EF05_FID = 0xEF05
EF06_FID = 0xEF06
SFI_EF05 = 5
SFI_EF06 = 6

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_AUTH_METHOD_BLOCKED = 0x6983
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_WRONG_DATA = 0x6A80
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_AUTH_FAILED = 0x6300
SW_UNKNOWN = 0x6F00

INS_SELECT = 0xA4
INS_READ_RECORD = 0xB2
INS_UPDATE_RECORD = 0xDC
INS_VERIFY = 0x20
INS_CHANGE_PIN = 0x5E
INS_RESET_RETRY_COUNTER = 0x2C
INS_GET_CHALLENGE = 0x84
INS_EXTERNAL_AUTHENTICATE = 0x82
INS_GET_RESPONSE = 0xC0

CHALLENGE_LENGTH = 8
AUTH_CRYPTOGRAM_LENGTH = 16
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12


@dataclass(frozen=True, slots=True)
class Response:
    data: bytes
    sw: int

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF


def split_response(raw: bytes) -> Response:
    """Split an R-APDU (needs at least the two status bytes; the caller checks that)."""
    return Response(raw[:-2], int.from_bytes(raw[-2:], "big"))


def build_response(data: bytes, sw: int) -> bytes:
    return data + sw.to_bytes(2, "big")


def _case(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> bytes:
    if len(data) > 255:
        raise ValueError("command data longer than 255 bytes")
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le is not None:
        apdu += bytes([le & 0xFF])
    return apdu


def select_application(aid: bytes = SOCIAL_SECURITY_AID) -> bytes:
    """SELECT by DF name: ``00 A4 04 00 0F <AID>``."""
    return _case(0x00, INS_SELECT, 0x04, 0x00, aid)


def select_file(fid: int) -> bytes:
    """SELECT EF by file identifier: ``00 A4 02 00 02 <FID>``."""
    return _case(0x00, INS_SELECT, 0x02, 0x00, fid.to_bytes(2, "big"))


def read_record(sfi: int, record: int, le: int = 0) -> bytes:
    """READ RECORD by number in the file with this SFI: P2 = (SFI << 3) | 4."""
    return _case(0x00, INS_READ_RECORD, record, (sfi << 3) | 0x04, le=le)


def read_record_by_tag(tag: int, le: int = 0) -> bytes:
    """READ RECORD by tag in the current file: P1 = tag, P2 = 00 (low bits 000)."""
    return _case(0x00, INS_READ_RECORD, tag, 0x00, le=le)


def update_record(sfi: int, record: int, content: bytes) -> bytes:
    """UPDATE RECORD by number: ``00 DC rec (SFI<<3)|4 Lc <record>`` (needs issuer authentication)."""
    return _case(0x00, INS_UPDATE_RECORD, record, (sfi << 3) | 0x04, content)


def pin_bcd(pin: str) -> bytes:
    """A PIN as BCD (``123456`` -> ``12 34 56``; an odd digit count is padded with F)."""
    if not (pin.isascii() and pin.isdigit() and PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS):
        raise ValueError(f"a PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits")
    return encode_bcd(pin)


def verify_pin(pin: str | None) -> bytes:
    """VERIFY ``00 20 00 00 Lc <BCD PIN>``; without a PIN, asks for the tries left (answer 63Cx)."""
    return _case(0x00, INS_VERIFY, 0x00, 0x00, pin_bcd(pin) if pin is not None else b"")


def change_pin(old: str, new: str) -> bytes:
    """CHANGE PIN ``80 5E 01 00 Lc <old BCD> FF <new BCD>``."""
    return _case(0x80, INS_CHANGE_PIN, 0x01, 0x00, pin_bcd(old) + b"\xff" + pin_bcd(new))


def reset_pin(new: str) -> bytes:
    """RESET RETRY COUNTER with a new PIN ``00 2C 02 00 Lc <BCD PIN>`` (needs issuer authentication)."""
    return _case(0x00, INS_RESET_RETRY_COUNTER, 0x02, 0x00, pin_bcd(new))


def get_challenge() -> bytes:
    """GET CHALLENGE ``00 84 00 00 08``."""
    return _case(0x00, INS_GET_CHALLENGE, 0x00, 0x00, le=CHALLENGE_LENGTH)


def external_authenticate(cryptogram: bytes) -> bytes:
    """EXTERNAL AUTHENTICATE ``00 82 00 01 10 <cryptogram>`` (see :mod:`issuer_auth`)."""
    return _case(0x00, INS_EXTERNAL_AUTHENTICATE, 0x00, 0x01, cryptogram)


def get_response(le: int) -> bytes:
    return _case(0x00, INS_GET_RESPONSE, 0x00, 0x00, le=le)


def with_le(apdu: bytes, le: int) -> bytes:
    """The same case-2 command with another Le (used after a 6Cxx answer)."""
    return apdu[:4] + bytes([le & 0xFF])
