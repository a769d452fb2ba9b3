"""The reader supervisor: a background thread that turns reader and card changes into typed events.

It watches every reader of a :class:`~outlet_desk.reader.card_reader.CardReader` (PC/SC or training), reports
:class:`ReaderAdded`/:class:`ReaderRemoved`/:class:`CardInserted`/:class:`CardRemoved`, reads each inserted
card (one :class:`CardRead` or one :class:`ReaderErrorEvent` per insertion, always; a card that left the
reader before its read ended gets :class:`ReaderErrorEvent` with :class:`CardGone`, never a :class:`CardRead`
after its :class:`CardRemoved`) and keeps a :attr:`ReaderSupervisor.state` for the footer. It never dies: when
the PC/SC service goes away it reports :class:`ServiceGone` once, retries every ``retry_s`` and, when the
service is back, reports the readers and cards again. Events are delivered one at a time (never concurrently)
from the supervisor's threads, so the callback must be quick; a Textual app should hand them over with
``App.call_from_thread`` or ``post_message``.

The synchronous methods (``read_card``, ``verify_pin``, ...) are for the services: they default to the
active reader (the configured one, else the first reader holding a card, else the first reader).

A card that stops answering: every operation has a deadline (``read_timeout``), after which it ends in
:class:`CardNotResponding` (see :mod:`operation_worker`). With vpcd, which has no timeout of its own,
the blocked PC/SC call stays stuck in that reader's worker until the card is pulled out; meanwhile
operations on that reader fail at their deadline, while other readers and the watching go on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.card_reader import DEFAULT_TIMEOUT_S, CardReader, ReaderSnapshot
from outlet_desk.reader.errors import CardGone, CardNotResponding, NoReader, ReaderError, ServiceGone
from outlet_desk.reader.events import (
    CardInserted,
    CardRead,
    CardRemoved,
    ReaderAdded,
    ReaderErrorEvent,
    ReaderEvent,
    ReaderRemoved,
    ReaderState,
    ReaderStatus,
    StateChanged,
)
from outlet_desk.reader.issuer_auth import IssuerAuthority

log = logging.getLogger(__name__)

EventCallback = Callable[[ReaderEvent], None]
_STALE_RETRIES = 2
_STALE_RETRY_S = 0.15


class ReaderSupervisor:
    def __init__(
        self,
        transport: CardReader,
        on_event: EventCallback | None = None,
        *,
        reader: str | Callable[[str], bool] | None = None,
        read_timeout: float = DEFAULT_TIMEOUT_S,
        poll_s: float = 0.5,
        retry_s: float = 0.25,
        auto_read: bool = True,
    ) -> None:
        """``reader``: the reader to use: an exact name or a name prefix, or a test of the name (the
        ``[reader] reader_name`` glob of outlet.toml: the first matching one, one holding a card first);
        None = whichever holds a card."""
        self.transport = transport
        self._on_event = on_event
        self._preferred = reader
        self.read_timeout = read_timeout
        self._poll_s = poll_s
        self._retry_s = retry_s
        self._auto_read = auto_read
        self._lock = threading.RLock()
        self._emit_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._service_up: bool | None = None
        self._snapshot: dict[str, ReaderSnapshot] = {}
        self._states: dict[str, ReaderState] = {}
        self._cards: dict[str, CardData] = {}
        self._last_state: ReaderState | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="reader-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self.transport.cancel_watch()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> ReaderSupervisor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def is_training(self) -> bool:
        return self.transport.is_training

    @property
    def description(self) -> str:
        return self.transport.description

    # -- state --------------------------------------------------------------------------------
    @property
    def state(self) -> ReaderState:
        """What the footer shows: service / reader / card status of the active reader."""
        with self._lock:
            if self._service_up is False:
                return ReaderState(ReaderStatus.NO_SERVICE)
            if self._service_up is None:
                return ReaderState(ReaderStatus.NO_READER)
            name = self._active_reader()
            if name is None:
                return ReaderState(ReaderStatus.NO_READER)
            return self._states.get(name, ReaderState(ReaderStatus.NO_CARD, name))

    @property
    def readers(self) -> dict[str, ReaderState]:
        with self._lock:
            return dict(self._states)

    def last_card(self, reader: str | None = None) -> CardData | None:
        """The data read from the card now in ``reader`` (default: the active reader), if any."""
        with self._lock:
            name = reader or self._active_reader()
            return self._cards.get(name) if name else None

    def _active_reader(self) -> str | None:
        names = list(self._snapshot)
        preferred = self._preferred
        if isinstance(preferred, str):
            return next((n for n in names if n == preferred), None) or next(
                (n for n in names if n.startswith(preferred)), None
            )
        if preferred is not None:
            names = [n for n in names if preferred(n)]
        with_card = [n for n in names if self._snapshot[n].present]
        candidates = with_card or names
        return candidates[0] if candidates else None

    def _set_state(self, reader: str, state: ReaderState) -> None:
        with self._lock:
            self._states[reader] = state

    # -- the watch loop -----------------------------------------------------------------------
    def _emit(self, event: ReaderEvent) -> None:
        with self._emit_lock:
            self._deliver(event)

    def _deliver(self, event: ReaderEvent) -> None:
        """Call the callback (``_emit_lock`` held, so events never overlap)."""
        if self._on_event is None or self._stop.is_set():
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("reader event callback failed on %r", event)

    def _emit_state(self) -> None:
        """Report the state if it changed; computed under the emit lock so reports never go stale."""
        with self._emit_lock:
            state = self.state
            if state == self._last_state:
                return
            self._last_state = state
            self._deliver(StateChanged(state))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                snapshot = self.transport.watch(self._poll_s)
            except ServiceGone as error:
                self._service_lost(error)
                self._stop.wait(self._retry_s)
                continue
            except ReaderError as error:
                self._emit(ReaderErrorEvent(None, error))
                self._stop.wait(self._retry_s)
                continue
            except Exception:
                log.exception("reader watch failed")
                self._stop.wait(self._retry_s)
                continue
            if self._stop.is_set():
                return
            with self._lock:
                self._service_up = True
            self._apply(snapshot)
            self._emit_state()

    def _service_lost(self, error: ServiceGone) -> None:
        with self._lock:
            was_up = self._service_up is not False
            self._service_up = False
            previous, self._snapshot = self._snapshot, {}
            self._states.clear()
            self._cards.clear()
        if not was_up:
            return
        self._emit(ReaderErrorEvent(None, error))
        for name, snap in previous.items():
            if snap.present:
                self._emit(CardRemoved(name))
            self._emit(ReaderRemoved(name))
        self._emit_state()

    def _apply(self, snapshot: dict[str, ReaderSnapshot]) -> None:
        with self._lock:
            previous, self._snapshot = self._snapshot, dict(snapshot)
        for name in previous.keys() - snapshot.keys():
            if previous[name].present:
                self._card_removed(name)
            with self._lock:
                self._states.pop(name, None)
            self._emit(ReaderRemoved(name))
        for name, now in snapshot.items():
            before = previous.get(name)
            if before is None:
                self._set_state(name, ReaderState(ReaderStatus.NO_CARD, name))
                self._emit(ReaderAdded(name))
                if now.present:
                    self._card_inserted(name, now)
                continue
            if before.present and (
                not now.present or now.generation != before.generation or now.atr != before.atr
            ):
                self._card_removed(name)
                before = ReaderSnapshot(False)
            if now.present and not before.present:
                self._card_inserted(name, now)

    def _card_removed(self, reader: str) -> None:
        with self._lock:
            self._cards.pop(reader, None)
            if reader in self._states:
                self._states[reader] = ReaderState(ReaderStatus.NO_CARD, reader)
        self._emit(CardRemoved(reader))

    def _card_inserted(self, reader: str, snap: ReaderSnapshot) -> None:
        self._emit(CardInserted(reader, snap.atr))
        if not self._auto_read:
            self._set_state(reader, ReaderState(ReaderStatus.CARD, reader))
            return
        self._set_state(reader, ReaderState(ReaderStatus.READING, reader))
        threading.Thread(
            target=self._read_inserted, args=(reader, snap), name=f"read-{reader}", daemon=True
        ).start()

    def _still_inserted(self, reader: str, snap: ReaderSnapshot) -> bool:
        with self._lock:
            return self._snapshot.get(reader) == snap

    def _read_inserted(self, reader: str, snap: ReaderSnapshot) -> None:
        """Read the card just inserted; ends in exactly one CardRead or ReaderErrorEvent."""
        result: CardData | ReaderError
        attempt = 0
        while True:
            try:
                result = self.transport.read_card(reader, self.read_timeout)
            except CardGone as error:
                # right after an insertion pcscd may still hold the previous card's state (recipe,
                # gotcha 2): if the card is still in, try again shortly
                if attempt < _STALE_RETRIES and self._still_inserted(reader, snap):
                    attempt += 1
                    self._stop.wait(_STALE_RETRY_S)
                    continue
                result = error
            except ReaderError as error:
                result = error
            except Exception as error:  # a bug must not leave the insertion without an answer
                log.exception("card read failed")
                result = CardNotResponding(f"internal error: {error!r}")
            break
        with self._emit_lock:
            # decided and delivered under the emit lock: the watch loop updates the snapshot before it
            # sends CardRemoved, so a card that left is seen here and its removal is never followed by
            # a CardRead of it (the desk would open the holder of a card no longer in the reader)
            if not self._still_inserted(reader, snap):
                if isinstance(result, CardData):
                    result = CardGone("the card left the reader before its read was delivered")
                self._deliver(ReaderErrorEvent(reader, result))
                return
            if isinstance(result, CardData):
                with self._lock:
                    self._cards[reader] = result
                self._set_state(reader, ReaderState(ReaderStatus.CARD, reader, result.card_number))
                self._deliver(CardRead(reader, result))
            else:
                self._set_state(reader, ReaderState(ReaderStatus.CARD_ERROR, reader, message=result.message))
                self._deliver(ReaderErrorEvent(reader, result))
        self._emit_state()

    # -- synchronous operations for the services ----------------------------------------------
    def _reader_for(self, reader: str | None) -> str:
        if reader is not None:
            return reader
        with self._lock:
            if self._service_up is False:
                raise ServiceGone("supervisor: service down")
            name = self._active_reader()
        if name is None:
            raise NoReader("supervisor: no reader")
        return name

    def read_card(self, reader: str | None = None, timeout: float | None = None) -> CardData:
        """Read the card now (full chip read); raises a typed :class:`ReaderError`."""
        return self.transport.read_card(self._reader_for(reader), timeout or self.read_timeout)

    def pin_tries_left(self, reader: str | None = None, timeout: float | None = None) -> int:
        return self.transport.pin_tries_left(self._reader_for(reader), timeout or self.read_timeout)

    def verify_pin(self, pin: str, reader: str | None = None, timeout: float | None = None) -> None:
        self.transport.verify_pin(self._reader_for(reader), pin, timeout or self.read_timeout)

    def change_pin(
        self, old_pin: str, new_pin: str, reader: str | None = None, timeout: float | None = None
    ) -> None:
        self.transport.change_pin(self._reader_for(reader), old_pin, new_pin, timeout or self.read_timeout)

    def personalise(
        self, data: CardData, issuer: IssuerAuthority | Path, reader: str | None = None,
        timeout: float | None = None
    ) -> CardData:
        """Write ``data`` on the blank card in the reader; the chip is read back (``card_session.personalise``)
        and the card in the reader is then the written one: its state names it and :meth:`last_card` returns
        it, with no second insertion (the blank card's read at insertion had said "unreadable")."""
        name = self._reader_for(reader)
        written = self.transport.personalise(name, data, issuer, timeout or self.read_timeout)
        with self._emit_lock, self._lock:
            if name in self._snapshot and self._snapshot[name].present:
                self._cards[name] = written
                self._states[name] = ReaderState(ReaderStatus.CARD, name, written.card_number)
        self._emit_state()
        return written

    def reset_pin(
        self, new_pin: str, issuer: IssuerAuthority | Path, reader: str | None = None, timeout: float | None = None
    ) -> None:
        self.transport.reset_pin(self._reader_for(reader), new_pin, issuer, timeout or self.read_timeout)
