"""The PC/SC transport: pyscard's ``smartcard.scard`` over libpcsclite and pcscd.

Contexts: the supervisor's :meth:`PcscCardReader.watch` has its own; :meth:`list_readers` another; each
reader's :class:`~outlet_desk.reader.operation_worker.OperationWorker` owns one, used only in that
worker thread. A card that hangs therefore blocks only its own reader. Any context that reports the
service gone (pcscd stopped or restarted) is dropped and established again on the next call.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from smartcard import scard

from outlet_desk.reader.card_reader import ReaderOperations, ReaderSnapshot
from outlet_desk.reader.card_session import Transmit
from outlet_desk.reader.errors import ServiceGone
from outlet_desk.reader.operation_worker import OperationWorker
from outlet_desk.reader.pcsc_errors import error_from_pcsc, pcsc_code

T = TypeVar("T")

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
_PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
_QUIET_CODES = frozenset(pcsc_code(c) for c in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED))
_NO_READERS = pcsc_code(scard.SCARD_E_NO_READERS_AVAILABLE)


def establish_context() -> Any:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise ServiceGone(f"SCardEstablishContext: 0x{pcsc_code(hresult):08X}")
    return context


def release_context(context: Any) -> None:
    with contextlib.suppress(Exception):
        scard.SCardReleaseContext(context)


def list_reader_names(context: Any) -> list[str]:
    hresult, readers = scard.SCardListReaders(context, [])
    if pcsc_code(hresult) == _NO_READERS:
        return []
    if hresult != scard.SCARD_S_SUCCESS:
        raise error_from_pcsc(hresult, "SCardListReaders")
    return list(readers)


class _ReaderChannel:
    """One reader's worker thread and the context it owns."""

    def __init__(self, reader: str) -> None:
        self.reader = reader
        self.worker = OperationWorker(f"pcsc-{reader}")
        self._context: Any = None

    def session(self, operation: Callable[[Transmit], T], reset_after: bool) -> T:
        """Runs in the worker thread: connect, run ``operation``, disconnect."""
        fresh = self._context is None
        if fresh:
            self._context = establish_context()
        hresult, card, protocol = scard.SCardConnect(
            self._context, self.reader, scard.SCARD_SHARE_SHARED, _PROTOCOLS
        )
        if hresult != scard.SCARD_S_SUCCESS:
            error = error_from_pcsc(hresult, "SCardConnect")
            if isinstance(error, ServiceGone):
                self.drop_context()
                if not fresh:  # a context from before a pcscd restart: try once with a new one
                    return self.session(operation, reset_after)
            raise error

        def transmit(command: bytes) -> bytes:
            code, response = scard.SCardTransmit(card, protocol, list(command))
            if code != scard.SCARD_S_SUCCESS:
                raise error_from_pcsc(code, "SCardTransmit")
            return bytes(response)

        try:
            return operation(transmit)
        except ServiceGone:
            self.drop_context()
            raise
        finally:
            with contextlib.suppress(Exception):
                scard.SCardDisconnect(card, scard.SCARD_RESET_CARD if reset_after else scard.SCARD_LEAVE_CARD)

    def drop_context(self) -> None:
        if self._context is not None:
            release_context(self._context)
            self._context = None


class PcscCardReader(ReaderOperations):
    """:class:`~outlet_desk.reader.card_reader.CardReader` over the real PC/SC service."""

    is_training = False
    description = "PC/SC"

    def __init__(self) -> None:
        self._channels: dict[str, _ReaderChannel] = {}
        self._channels_lock = threading.Lock()
        self._list_context: Any = None
        self._list_lock = threading.Lock()
        self._watch_context: Any = None
        self._watch_lock = threading.Lock()
        self._event_states: dict[str, int] = {}
        self._pnp_state = scard.SCARD_STATE_UNAWARE
        self._snapshot: dict[str, ReaderSnapshot] = {}

    # -- listing ------------------------------------------------------------------------------
    def list_readers(self) -> list[str]:
        with self._list_lock:
            try:
                return self._list_once()
            except ServiceGone:  # maybe a context from before a pcscd restart: once more, fresh
                return self._list_once()

    def _list_once(self) -> list[str]:
        if self._list_context is None:
            self._list_context = establish_context()
        try:
            return list_reader_names(self._list_context)
        except ServiceGone:
            release_context(self._list_context)
            self._list_context = None
            raise

    # -- watching -----------------------------------------------------------------------------
    def watch(self, timeout: float) -> dict[str, ReaderSnapshot]:
        with self._watch_lock:
            if self._watch_context is None:
                self._watch_context = establish_context()
            context = self._watch_context
        try:
            return self._watch(context, timeout)
        except ServiceGone:
            self._drop_watch_context()
            raise

    def _drop_watch_context(self) -> None:
        with self._watch_lock:
            context, self._watch_context = self._watch_context, None
        if context is not None:
            release_context(context)
        self._event_states.clear()
        self._pnp_state = scard.SCARD_STATE_UNAWARE
        self._snapshot = {}

    def _watch(self, context: Any, timeout: float) -> dict[str, ReaderSnapshot]:
        readers = list_reader_names(context)
        changed_set = set(readers) != set(self._snapshot)
        for gone in set(self._event_states) - set(readers):
            del self._event_states[gone]
        states = [(r, self._event_states.get(r, scard.SCARD_STATE_UNAWARE)) for r in readers]
        states.append((PNP_NOTIFICATION, self._pnp_state))
        wait_ms = 0 if changed_set else max(0, int(timeout * 1000))
        hresult, results = scard.SCardGetStatusChange(context, wait_ms, states)
        code = pcsc_code(hresult)
        if code in _QUIET_CODES or code in (
            pcsc_code(scard.SCARD_E_UNKNOWN_READER),
            pcsc_code(scard.SCARD_E_READER_UNAVAILABLE),
        ):
            if changed_set:
                self._snapshot = {r: self._snapshot.get(r, ReaderSnapshot(False)) for r in readers}
            return dict(self._snapshot)
        if hresult != scard.SCARD_S_SUCCESS:
            raise error_from_pcsc(hresult, "SCardGetStatusChange")
        snapshot: dict[str, ReaderSnapshot] = {}
        for name, event, atr in results:
            event &= ~scard.SCARD_STATE_CHANGED
            if name == PNP_NOTIFICATION:
                self._pnp_state = event
                continue
            self._event_states[name] = event
            present = bool(event & scard.SCARD_STATE_PRESENT)
            snapshot[name] = ReaderSnapshot(present, bytes(atr) if present else b"", (event >> 16) & 0xFFFF)
        self._snapshot = snapshot
        return dict(snapshot)

    def cancel_watch(self) -> None:
        context = self._watch_context
        if context is not None:
            with contextlib.suppress(Exception):
                scard.SCardCancel(context)

    # -- operations ---------------------------------------------------------------------------
    def _channel(self, reader: str) -> _ReaderChannel:
        with self._channels_lock:
            channel = self._channels.get(reader)
            if channel is None:
                channel = self._channels[reader] = _ReaderChannel(reader)
            return channel

    def _run(
        self, reader: str, operation: Callable[[Transmit], T], timeout: float, *, reset_after: bool
    ) -> T:
        channel = self._channel(reader)
        return channel.worker.run(lambda: channel.session(operation, reset_after), timeout)

    def reader_busy(self, reader: str) -> bool:
        """True while an operation on ``reader`` runs, or hangs on a card that does not answer."""
        channel = self._channels.get(reader)
        return channel is not None and channel.worker.busy

    def close(self) -> None:
        self.cancel_watch()
        with self._channels_lock:
            channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            channel.worker.stop()
        self._drop_watch_context()
        with self._list_lock:
            if self._list_context is not None:
                release_context(self._list_context)
                self._list_context = None
