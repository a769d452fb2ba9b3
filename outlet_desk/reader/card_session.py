"""Desk-side card operations, as APDU sequences over any ``transmit`` function.

Each operation starts by selecting the social security application, so it never depends on what an
earlier operation left selected. ``transmit`` sends one C-APDU and returns the raw R-APDU (data + SW);
the transports (PC/SC, in-process) supply it and map their own failures. Everything the card returns
is checked here: a wrong status word, length, tag or encoding raises a typed
:class:`~outlet_desk.reader.errors.ReaderError`, never anything else.

Records are always read **by number** (P2 = (SFI << 3) | 4).
"""

from __future__ import annotations

from collections.abc import Callable

from outlet_desk.reader import apdu
from outlet_desk.reader.apdu import Response
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.errors import (
    BlankCard,
    CardDataError,
    CardGone,
    CardNotResponding,
    NotAuthorised,
    NotSocialSecurityCard,
    PinBlocked,
    UnexpectedStatus,
    WrongPin,
)
from outlet_desk.reader.issuer_auth import IssuerAuthority
from outlet_desk.reader.profile import RECORDS, RecordKey, decode_card, encode_records

Transmit = Callable[[bytes], bytes]

_MAX_CHAINED_RESPONSES = 16


def exchange(transmit: Transmit, command: bytes) -> Response:
    """Send ``command``; follow 61xx (GET RESPONSE) and 6Cxx (resend with the right Le)."""
    response = _checked(transmit(command))
    if response.sw1 == 0x6C and len(command) == 5:  # wrong Le on a case-2 command: resend with SW2
        response = _checked(transmit(apdu.with_le(command, response.sw2)))
    data = response.data
    for _round in range(_MAX_CHAINED_RESPONSES):
        if response.sw1 != 0x61:
            return apdu.Response(data, response.sw)
        response = _checked(transmit(apdu.get_response(response.sw2)))
        data += response.data
    raise CardNotResponding("endless 61xx chain")


def _checked(raw: bytes) -> Response:
    if len(raw) == 0:
        raise CardGone("card returned no response")
    if len(raw) < 2:
        raise CardNotResponding(f"{len(raw)}-byte response {raw.hex()}")
    return apdu.split_response(raw)


def select_social_security_application(transmit: Transmit) -> None:
    """SELECT the application by name; any refusal means this is not a social security card."""
    response = exchange(transmit, apdu.select_application())
    if response.sw != apdu.SW_OK:
        raise NotSocialSecurityCard(f"SELECT answered {response.sw:04X}")


def read_records(transmit: Transmit) -> dict[RecordKey, bytes]:
    """SELECT, then every record of EF05 and EF06 by number, raw."""
    select_social_security_application(transmit)
    records: dict[RecordKey, bytes] = {}
    for spec in RECORDS:
        response = exchange(transmit, apdu.read_record(spec.sfi, spec.number))
        if response.sw == apdu.SW_OK:
            records[spec.key] = response.data
        elif response.sw == apdu.SW_RECORD_NOT_FOUND:
            if not records:
                raise BlankCard(f"record {spec.sfi}/{spec.number} not found")
            raise CardDataError(f"record {spec.sfi}/{spec.number} not found")
        elif response.sw in (apdu.SW_FILE_NOT_FOUND, apdu.SW_WRONG_P1P2):
            raise CardDataError(f"READ RECORD {spec.sfi}/{spec.number} answered {response.sw:04X}")
        else:
            raise UnexpectedStatus(response.sw, f"READ RECORD {spec.sfi}/{spec.number}")
    return records


def read_card_data(transmit: Transmit) -> CardData:
    """The full chip read: SELECT + all 14 records, decoded and checked."""
    return decode_card(read_records(transmit))


def _pin_status(response: Response) -> None:
    if response.sw == apdu.SW_OK:
        return
    if response.sw == apdu.SW_AUTH_METHOD_BLOCKED:
        raise PinBlocked()
    if response.sw1 == 0x63 and response.sw2 & 0xF0 == 0xC0:
        tries = response.sw2 & 0x0F
        if tries == 0:
            raise PinBlocked()
        raise WrongPin(tries)
    raise UnexpectedStatus(response.sw, "PIN command")


def pin_tries_left(transmit: Transmit) -> int:
    """How many PIN tries remain (0 when blocked), without spending one."""
    select_social_security_application(transmit)
    response = exchange(transmit, apdu.verify_pin(None))
    if response.sw == apdu.SW_AUTH_METHOD_BLOCKED:
        return 0
    if response.sw1 == 0x63 and response.sw2 & 0xF0 == 0xC0:
        return response.sw2 & 0x0F
    raise UnexpectedStatus(response.sw, "VERIFY query")


def verify_pin(transmit: Transmit, pin: str) -> None:
    """VERIFY; raises :class:`WrongPin` (with tries left) or :class:`PinBlocked`."""
    command = apdu.verify_pin(pin)
    select_social_security_application(transmit)
    _pin_status(exchange(transmit, command))


def change_pin(transmit: Transmit, old_pin: str, new_pin: str) -> None:
    """CHANGE PIN from ``old_pin`` to ``new_pin`` (a wrong old PIN spends a try)."""
    command = apdu.change_pin(old_pin, new_pin)
    select_social_security_application(transmit)
    _pin_status(exchange(transmit, command))


def authenticate_issuer(transmit: Transmit, issuer: IssuerAuthority) -> None:
    """GET CHALLENGE + EXTERNAL AUTHENTICATE (scheme in :mod:`outlet_desk.reader.issuer_auth`). A card reset
    between the two (the reader or the driver powering it again) forgets the challenge, and the card answers
    6985: the application is selected again and the pair is tried once more with a new challenge."""
    try:
        _challenge_and_answer(transmit, issuer)
    except ChallengeLost:
        select_social_security_application(transmit)
        _challenge_and_answer(transmit, issuer)


class ChallengeLost(UnexpectedStatus):
    """EXTERNAL AUTHENTICATE found no challenge to answer (6985): the card was reset after GET CHALLENGE."""


def _challenge_and_answer(transmit: Transmit, issuer: IssuerAuthority) -> None:
    challenge = exchange(transmit, apdu.get_challenge())
    if challenge.sw != apdu.SW_OK:
        raise UnexpectedStatus(challenge.sw, "GET CHALLENGE")
    if len(challenge.data) != apdu.CHALLENGE_LENGTH:
        raise CardDataError(f"challenge of {len(challenge.data)} bytes")
    response = exchange(transmit, apdu.external_authenticate(issuer.answer_challenge(challenge.data)))
    if response.sw in (apdu.SW_AUTH_FAILED, apdu.SW_SECURITY_NOT_SATISFIED, apdu.SW_AUTH_METHOD_BLOCKED):
        raise NotAuthorised(f"EXTERNAL AUTHENTICATE answered {response.sw:04X}")
    if response.sw == apdu.SW_CONDITIONS_NOT_SATISFIED:
        raise ChallengeLost(response.sw, "EXTERNAL AUTHENTICATE")
    if response.sw != apdu.SW_OK:
        raise UnexpectedStatus(response.sw, "EXTERNAL AUTHENTICATE")


def _write_status(response: Response, what: str) -> None:
    if response.sw == apdu.SW_OK:
        return
    if response.sw in (apdu.SW_SECURITY_NOT_SATISFIED, apdu.SW_CONDITIONS_NOT_SATISFIED):
        raise NotAuthorised(f"{what} answered {response.sw:04X}")
    raise UnexpectedStatus(response.sw, what)


def personalise(transmit: Transmit, data: CardData, issuer: IssuerAuthority) -> CardData:
    """Write ``data`` into EF05/EF06 after issuer authentication, then read it back and compare.

    Returns what the chip now holds; raises :class:`CardDataError` when the read-back differs.
    """
    records = encode_records(data)
    select_social_security_application(transmit)
    authenticate_issuer(transmit, issuer)
    for (sfi, number), record in records.items():
        _write_status(exchange(transmit, apdu.update_record(sfi, number, record)),
                      f"UPDATE RECORD {sfi}/{number}")
    written = read_card_data(transmit)
    if written != data:
        raise CardDataError("read-back after personalisation differs from what was written")
    return written


def reset_pin(transmit: Transmit, new_pin: str, issuer: IssuerAuthority) -> None:
    """Unblock the PIN and set ``new_pin`` (RESET RETRY COUNTER after issuer authentication): the tries counter
    is full again."""
    command = apdu.reset_pin(new_pin)
    select_social_security_application(transmit)
    authenticate_issuer(transmit, issuer)
    _write_status(exchange(transmit, command), "RESET RETRY COUNTER")
