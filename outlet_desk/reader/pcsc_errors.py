"""PC/SC failure codes (and pyscard's exceptions) -> typed reader errors.

The codes the recipe measured on pcscd 1.9.9 + vpcd, and what a clerk is told:

====================  ===========================================  ==================
code                  when                                         error
====================  ===========================================  ==================
0x8010001D            pcscd not running / went away                ServiceGone
0x8010001E            service stopped                              ServiceGone
0x80100003            context handle stale (pcscd restarted)       ServiceGone
0x80100013            RPC transport error (pcscd died mid-call)    ServiceGone
0x80100016            transmit to a card that just died            CardGone
0x80100069            card removed                                 CardGone
0x80100067            card unpowered (re-inserted too early)       CardGone
0x8010000C            no card in the reader                        CardGone
0x80100068            card reset by another program                CardGone
hresult 0             "Card returned no valid response"            CardGone
0x80100009/17/2E      unknown / unavailable reader, none at all    NoReader
0x8010000B            another program holds the card exclusively   ReaderBusy
other                                                              CardNotResponding
====================  ===========================================  ==================
"""

from __future__ import annotations

from smartcard import scard

from outlet_desk.reader.errors import (
    CardGone,
    CardNotResponding,
    NoReader,
    ReaderBusy,
    ReaderError,
    ServiceGone,
)

SERVICE_CODES = frozenset(
    {
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_E_INVALID_HANDLE,
        scard.SCARD_F_COMM_ERROR,
    }
)
CARD_GONE_CODES = frozenset(
    {
        scard.SCARD_E_NOT_TRANSACTED,
        scard.SCARD_W_REMOVED_CARD,
        scard.SCARD_W_UNPOWERED_CARD,
        scard.SCARD_E_NO_SMARTCARD,
        scard.SCARD_W_RESET_CARD,
        scard.SCARD_E_COMM_DATA_LOST,
    }
)
NO_READER_CODES = frozenset(
    {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE, scard.SCARD_E_NO_READERS_AVAILABLE}
)


def pcsc_code(hresult: int) -> int:
    """pyscard may report codes as negative 32-bit ints; normalise to 0x8010....."""
    return hresult & 0xFFFFFFFF


def error_from_pcsc(hresult: int, during: str = "") -> ReaderError:
    """The typed error for a failed PC/SC call (``hresult`` != 0)."""
    code = pcsc_code(hresult)
    detail = f"{during}: 0x{code:08X} {scard.SCardGetErrorMessage(hresult)}".strip(": ")
    if code == 0 or code in CARD_GONE_CODES:
        return CardGone(detail)
    if code in SERVICE_CODES:
        return ServiceGone(detail)
    if code in NO_READER_CODES:
        return NoReader(detail)
    if code == pcsc_code(scard.SCARD_E_SHARING_VIOLATION):
        return ReaderBusy(detail)
    return CardNotResponding(detail)


def error_from_pyscard(exc: Exception) -> ReaderError:
    """The typed error for an exception of pyscard's high-level API (``smartcard.*``)."""
    from smartcard import Exceptions as pyscard_exc

    if isinstance(exc, ReaderError):
        return exc
    if isinstance(exc, pyscard_exc.NoCardException):
        return CardGone(str(exc))
    if isinstance(exc, pyscard_exc.NoReadersException | pyscard_exc.InvalidReaderException):
        return NoReader(str(exc))
    hresult = getattr(exc, "hresult", -1)
    if isinstance(exc, pyscard_exc.CardConnectionException) and hresult in (0, -1):
        # pcscd returned success with 0 bytes: the card dropped the line mid-APDU
        return CardGone(str(exc))
    if hresult not in (0, -1) and isinstance(hresult, int):
        return error_from_pcsc(hresult, type(exc).__name__)
    if type(exc).__name__ == "EstablishContextException":
        return ServiceGone(str(exc))
    return CardNotResponding(f"{type(exc).__name__}: {exc}")
