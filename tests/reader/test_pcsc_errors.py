"""Every PC/SC failure the recipe measured maps to the clerk's "card gone" or "service gone"."""

from __future__ import annotations

import pytest
from smartcard.Exceptions import CardConnectionException, NoCardException

from outlet_desk.reader.errors import (
    CardGone,
    CardNotResponding,
    NoReader,
    ReaderBusy,
    ReaderError,
    ServiceGone,
)
from outlet_desk.reader.pcsc_errors import error_from_pcsc, error_from_pyscard


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (0x8010001D, ServiceGone),
        (0x8010001E, ServiceGone),
        (0x80100013, ServiceGone),
        (0x80100016, CardGone),
        (0x80100069, CardGone),
        (0x80100067, CardGone),
        (0x8010000C, CardGone),
        (0x80100068, CardGone),
        (0x80100009, NoReader),
        (0x80100017, NoReader),
        (0x8010002E, NoReader),
        (0x8010000B, ReaderBusy),
        (0x80100066, CardNotResponding),
    ],
)
def test_pcsc_codes(code: int, error: type[ReaderError]) -> None:
    mapped = error_from_pcsc(code, "SCardTransmit")
    assert type(mapped) is error
    assert f"0x{code:08X}" in mapped.detail and mapped.message


def test_pyscard_exceptions() -> None:
    no_response = CardConnectionException("Card returned no valid response", hresult=0)
    assert isinstance(error_from_pyscard(no_response), CardGone)
    assert isinstance(error_from_pyscard(NoCardException("no card", hresult=0x8010000C)), CardGone)
    gone = CardConnectionException("x", hresult=0x8010001D)
    assert isinstance(error_from_pyscard(gone), ServiceGone)
    removed = CardConnectionException("x", hresult=0x80100069)
    assert isinstance(error_from_pyscard(removed), CardGone)


def test_messages_go_through_the_catalogue_at_raise_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from outlet_desk.reader import errors

    monkeypatch.setattr(errors, "_", lambda text: "[zh] " + text)
    assert CardGone().message.startswith("[zh] The card was taken out")
    assert ServiceGone().message.startswith("[zh] ")
    monkeypatch.undo()
    assert CardGone().message.startswith("The card was taken out")
