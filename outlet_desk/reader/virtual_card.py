"""A social security card emulator: the chip's logic, APDU in -> R-APDU out.

The same profile as :mod:`card_session` speaks from the desk side: the application selected by name,
EF05/EF06 with SIMPLE-TLV records readable by number (P2 low bits ``100``) and by tag (``000``, after
SELECT EF by file id), a PIN with a retry counter and a blocked state, and writes (UPDATE RECORD, RESET
RETRY COUNTER) only after issuer authentication (:mod:`issuer_auth`).

A :class:`VirtualCard` does no I/O; :class:`~outlet_desk.reader.vpcd_link.VpcdLink` puts it into a
vpcd reader slot and :class:`~outlet_desk.reader.training_reader.TrainingReader` into an in-process
one. Fault hooks for tests: :meth:`VirtualCard.set_fault` (garbage, hang, die mid-APDU).
"""

from __future__ import annotations

import enum
import os
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from outlet_desk.reader import apdu
from outlet_desk.reader.apdu import build_response, pin_bcd
from outlet_desk.reader.card_data import CardData, Gender
from outlet_desk.reader.issuer_auth import TRAINING_ISSUER_KEY, cryptogram_matches
from outlet_desk.reader.profile import RECORDS_PER_FILE, RecordKey, decode_card, encode_records

INITIAL_PIN = "123456"
DEFAULT_PIN_TRIES = 3
DEFAULT_MAX_HANG_S = 10.0
FOREIGN_AID = bytes.fromhex("A0000000031010")  # a payment application: "not a social security card"
GARBAGE_RESPONSE = bytes.fromhex("DEADBEEF1234")
_FID_TO_SFI = {apdu.EF05_FID: apdu.SFI_EF05, apdu.EF06_FID: apdu.SFI_EF06}
_ATR_PREFIX = bytes([0x3B, 0x87, 0x80, 0x01])
_HISTORICAL_TAG = b"SS"
NONCE_BYTES = 5


def make_atr(nonce: bytes) -> bytes:
    """``3B 87 80 01 <'SS' + 5-byte nonce> TCK`` (T=0 and T=1 offered; TCK = XOR of T0..last byte)."""
    if len(nonce) != NONCE_BYTES:
        raise ValueError("ATR nonce must be 5 bytes")
    body = _ATR_PREFIX + _HISTORICAL_TAG + nonce
    tck = 0
    for byte in body[1:]:
        tck ^= byte
    return body + bytes([tck])


class Fault(enum.Enum):
    """What the card does with the next APDUs (after ``after`` normal answers)."""

    NONE = "none"
    GARBAGE = "garbage"
    """Answer bytes that are no valid R-APDU of this profile."""
    HANG = "hang"
    """Never answer (until released, removed, or the watchdog's maximum hang has passed)."""
    DIE = "die"
    """Take the command and drop the connection without answering (a card pulled mid-APDU)."""


@dataclass
class CardState:
    """What the chip stores (survives power-off)."""

    records: dict[RecordKey, bytes] = field(default_factory=dict)
    pin: bytes = field(default_factory=lambda: pin_bcd(INITIAL_PIN))
    max_tries: int = DEFAULT_PIN_TRIES
    tries_left: int = DEFAULT_PIN_TRIES
    issuer_key: bytes = TRAINING_ISSUER_KEY
    aid: bytes = apdu.SOCIAL_SECURITY_AID


@dataclass
class _Session:
    """What a power cycle forgets."""

    app_selected: bool = False
    current_sfi: int | None = None
    challenge: bytes | None = None
    issuer_authenticated: bool = False


class VirtualCard:
    """The card. Thread-safe: the link thread processes APDUs while a test swaps the state."""

    def __init__(
        self,
        data: CardData | None = None,
        *,
        pin: str = INITIAL_PIN,
        max_tries: int = DEFAULT_PIN_TRIES,
        issuer_key: bytes = TRAINING_ISSUER_KEY,
        aid: bytes = apdu.SOCIAL_SECURITY_AID,
        max_hang_s: float = DEFAULT_MAX_HANG_S,
    ) -> None:
        self.nonce = secrets.token_bytes(NONCE_BYTES)
        self.atr = make_atr(self.nonce)
        self.max_hang_s = max_hang_s
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._state = self.make_state(data, pin=pin, max_tries=max_tries, issuer_key=issuer_key, aid=aid)
        self._session = _Session()
        self._fault = Fault.NONE
        self._fault_after = 0
        self.apdu_count = 0
        self.hanging = threading.Event()
        """Set while an APDU is being held by the HANG fault."""

    # -- construction helpers -------------------------------------------------------------------
    @staticmethod
    def make_state(
        data: CardData | None = None,
        *,
        pin: str = INITIAL_PIN,
        max_tries: int = DEFAULT_PIN_TRIES,
        issuer_key: bytes = TRAINING_ISSUER_KEY,
        aid: bytes = apdu.SOCIAL_SECURITY_AID,
    ) -> CardState:
        """A fresh chip state: personalised with ``data``, or blank when ``data`` is None."""
        return CardState(
            records=encode_records(data) if data is not None else {},
            pin=pin_bcd(pin),
            max_tries=max_tries,
            tries_left=max_tries,
            issuer_key=issuer_key,
            aid=aid,
        )

    @classmethod
    def foreign(cls) -> VirtualCard:
        """A card without the social security application (SELECT answers 6A82)."""
        return cls(None, aid=FOREIGN_AID)

    # -- test hooks -----------------------------------------------------------------------------
    def swap_state(self, state: CardState) -> None:
        """Replace what the chip holds, clear faults and the session (a new card behind the same ATR)."""
        with self._lock:
            self._state = state
            self._session = _Session()
            self._fault = Fault.NONE
            self._fault_after = 0
            self.apdu_count = 0
        self._release.set()

    def set_fault(self, fault: Fault, *, after: int = 0) -> None:
        """Answer ``after`` more APDUs normally, then misbehave as ``fault``."""
        with self._lock:
            self._fault = fault
            self._fault_after = after
            self._release.clear()

    def release(self) -> None:
        """Watchdog: end a hang now (the held APDU is answered 6F00) and clear the fault."""
        with self._lock:
            self._fault = Fault.NONE
        self._release.set()

    @property
    def state(self) -> CardState:
        with self._lock:
            return replace(self._state, records=dict(self._state.records))

    @property
    def data(self) -> CardData | None:
        """What the chip holds, decoded; None when blank."""
        records = self.state.records
        return decode_card(records) if records else None

    @property
    def tries_left(self) -> int:
        with self._lock:
            return self._state.tries_left

    # -- the chip -------------------------------------------------------------------------------
    def power(self, control: int) -> None:
        """vpcd control byte 00 (off), 01 (on), 02 (reset): the session is forgotten."""
        with self._lock:
            self._session = _Session()

    def process(self, command: bytes) -> bytes | None:
        """Answer one C-APDU; None means "drop the connection now" (the DIE fault)."""
        with self._lock:
            self.apdu_count += 1
            fault = Fault.NONE
            if self._fault is not Fault.NONE:
                if self._fault_after > 0:
                    self._fault_after -= 1
                else:
                    fault = self._fault
        if fault is Fault.DIE:
            return None
        if fault is Fault.GARBAGE:
            return GARBAGE_RESPONSE
        if fault is Fault.HANG:
            self.hanging.set()
            try:
                self._release.wait(self.max_hang_s)
            finally:
                self.hanging.clear()
            return build_response(b"", apdu.SW_UNKNOWN)
        with self._lock:
            return self._dispatch(command)

    def _dispatch(self, c: bytes) -> bytes:
        if len(c) < 4:
            return build_response(b"", apdu.SW_WRONG_LENGTH)
        cla, ins, p1, p2 = c[0], c[1], c[2], c[3]
        data, le = _parse_body(c[4:])
        if data is None:
            return build_response(b"", apdu.SW_WRONG_LENGTH)
        if cla not in (0x00, 0x80):
            return build_response(b"", apdu.SW_CLA_NOT_SUPPORTED)
        handlers = {
            apdu.INS_SELECT: self._select,
            apdu.INS_READ_RECORD: self._read_record,
            apdu.INS_UPDATE_RECORD: self._update_record,
            apdu.INS_VERIFY: self._verify,
            apdu.INS_CHANGE_PIN: self._change_pin,
            apdu.INS_RESET_RETRY_COUNTER: self._reset_retry_counter,
            apdu.INS_GET_CHALLENGE: self._get_challenge,
            apdu.INS_EXTERNAL_AUTHENTICATE: self._external_authenticate,
        }
        handler = handlers.get(ins)
        if handler is None:
            return build_response(b"", apdu.SW_INS_NOT_SUPPORTED)
        return handler(p1, p2, data, le)

    def _select(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        s = self._session
        if p1 == 0x04:
            if data != self._state.aid:
                return build_response(b"", apdu.SW_FILE_NOT_FOUND)
            self._session = _Session(app_selected=True)
            fci_body = bytes([0x84, len(data)]) + data
            return build_response(bytes([0x6F, len(fci_body)]) + fci_body, apdu.SW_OK)
        if p1 == 0x02 and s.app_selected:
            sfi = _FID_TO_SFI.get(int.from_bytes(data, "big")) if len(data) == 2 else None
            if sfi is None:
                return build_response(b"", apdu.SW_FILE_NOT_FOUND)
            s.current_sfi = sfi
            return build_response(b"", apdu.SW_OK)
        return build_response(b"", apdu.SW_FILE_NOT_FOUND)

    def _file_for(self, p2: int) -> int | None:
        sfi = p2 >> 3
        return self._session.current_sfi if sfi == 0 else sfi

    def _read_record(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self._session.app_selected:
            return build_response(b"", apdu.SW_CONDITIONS_NOT_SATISFIED)
        sfi = self._file_for(p2)
        if sfi is None:
            return build_response(b"", apdu.SW_CONDITIONS_NOT_SATISFIED)
        if sfi not in _FID_TO_SFI.values():
            return build_response(b"", apdu.SW_FILE_NOT_FOUND)
        mode = p2 & 0x07
        record: bytes | None
        if mode == 0x04:
            record = self._state.records.get((sfi, p1))
        elif mode == 0x00:
            in_file = [r for (f, _n), r in sorted(self._state.records.items()) if f == sfi]
            record = next((r for r in in_file if r[:1] == bytes([p1])), None)
        else:
            return build_response(b"", apdu.SW_WRONG_P1P2)
        if record is None:
            return build_response(b"", apdu.SW_RECORD_NOT_FOUND)
        if le and le < len(record):
            return build_response(b"", 0x6C00 | len(record))
        return build_response(record, apdu.SW_OK)

    def _update_record(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        s = self._session
        if not s.app_selected:
            return build_response(b"", apdu.SW_CONDITIONS_NOT_SATISFIED)
        if not s.issuer_authenticated:
            return build_response(b"", apdu.SW_SECURITY_NOT_SATISFIED)
        sfi = self._file_for(p2)
        if p2 & 0x07 != 0x04 or sfi is None or sfi not in _FID_TO_SFI.values():
            return build_response(b"", apdu.SW_WRONG_P1P2)
        if not 1 <= p1 <= RECORDS_PER_FILE:
            return build_response(b"", apdu.SW_RECORD_NOT_FOUND)
        self._state.records[(sfi, p1)] = data
        return build_response(b"", apdu.SW_OK)

    def _check_pin(self, candidate: bytes) -> bytes:
        st = self._state
        if st.tries_left == 0:
            return build_response(b"", apdu.SW_AUTH_METHOD_BLOCKED)
        if candidate == st.pin:
            st.tries_left = st.max_tries
            return build_response(b"", apdu.SW_OK)
        st.tries_left -= 1
        return build_response(b"", 0x63C0 | st.tries_left)

    def _verify(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self._session.app_selected:
            return build_response(b"", apdu.SW_CONDITIONS_NOT_SATISFIED)
        if (p1, p2) != (0x00, 0x00):
            return build_response(b"", apdu.SW_WRONG_P1P2)
        if not data:
            if self._state.tries_left == 0:
                return build_response(b"", apdu.SW_AUTH_METHOD_BLOCKED)
            return build_response(b"", 0x63C0 | self._state.tries_left)
        return self._check_pin(data)

    def _change_pin(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self._session.app_selected:
            return build_response(b"", apdu.SW_CONDITIONS_NOT_SATISFIED)
        old, sep, new = data.partition(b"\xff")
        if (p1, p2) != (0x01, 0x00) or not sep or not _is_pin(new):
            return build_response(b"", apdu.SW_WRONG_DATA)
        answer = self._check_pin(old)
        if answer[-2:] == b"\x90\x00":
            self._state.pin = new
        return answer

    def _reset_retry_counter(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not (self._session.app_selected and self._session.issuer_authenticated):
            return build_response(b"", apdu.SW_SECURITY_NOT_SATISFIED)
        if (p1, p2) != (0x02, 0x00) or not _is_pin(data):
            return build_response(b"", apdu.SW_WRONG_DATA)
        self._state.pin = data
        self._state.tries_left = self._state.max_tries
        return build_response(b"", apdu.SW_OK)

    def _get_challenge(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if le != apdu.CHALLENGE_LENGTH:
            return build_response(b"", apdu.SW_WRONG_LENGTH)
        self._session.challenge = os.urandom(apdu.CHALLENGE_LENGTH)
        return build_response(self._session.challenge, apdu.SW_OK)

    def _external_authenticate(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        s = self._session
        challenge, s.challenge = s.challenge, None
        if challenge is None:
            return build_response(b"", apdu.SW_CONDITIONS_NOT_SATISFIED)
        s.issuer_authenticated = cryptogram_matches(self._state.issuer_key, challenge, data)
        return build_response(b"", apdu.SW_OK if s.issuer_authenticated else apdu.SW_AUTH_FAILED)


def _is_pin(raw: bytes) -> bool:
    text = raw.hex().upper()
    if text.endswith("F"):
        text = text[:-1]
    return text.isdigit() and apdu.PIN_MIN_DIGITS <= len(text) <= apdu.PIN_MAX_DIGITS


def _parse_body(body: bytes) -> tuple[bytes | None, int | None]:
    """(data, Le) of a short APDU body; data None when the lengths do not add up."""
    if not body:
        return b"", None
    if len(body) == 1:
        return b"", body[0]
    lc = body[0]
    if lc == 0 or len(body) not in (1 + lc, 2 + lc):
        return None, None
    data = body[1 : 1 + lc]
    le = body[1 + lc] if len(body) == 2 + lc else None
    return data, le


def sample_card_data(**overrides: Any) -> CardData:
    """A plausible personalised card for training and tests; override any field by keyword."""
    fields: dict[str, Any] = {
        "card_number": "A12345678",
        "identification_code": "110100D15600000500AB12CD34EF5678",
        "card_type": 1,
        "spec_version": "3.00",
        "issue_date": date(2024, 3, 15),
        "expiry_date": date(2034, 3, 15),
        "citizen_number": "11010519491231002X",
        "name": "张小燕",
        "gender": Gender.FEMALE,
        "ethnicity": "01",
        "birthplace": "110105",
        "birth_date": date(1949, 12, 31),
        "initialising_org": "313130313030303030303031",
    }
    fields.update(overrides)
    return CardData(**fields)

