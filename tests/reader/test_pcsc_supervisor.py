"""The supervisor and the CLI on the real stack: insertions, removals, dying and hanging cards, pcscd
going away and coming back."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outlet_desk.reader.emulator_run import run_emulator
from outlet_desk.reader.errors import CardGone, CardNotResponding, ServiceGone
from outlet_desk.reader.events import (
    CardInserted,
    CardRead,
    CardRemoved,
    ReaderAdded,
    ReaderErrorEvent,
    ReaderEvent,
    ReaderStatus,
)
from outlet_desk.reader.pcsc_reader import PcscCardReader
from outlet_desk.reader.supervisor import ReaderSupervisor
from outlet_desk.reader.virtual_card import FOREIGN_AID, Fault, VirtualCard, sample_card_data
from outlet_desk.reader_cli import reader_app
from tests.fixtures_pcsc import (
    CARD_MAX_HANG_S,
    PCSCD_SOCKET,
    FreshSlot,
    InsertedCard,
    PcscDaemon,
    wait_empty,
    wait_present,
)

from .conftest import EventRecorder

pytestmark = pytest.mark.pcsc

SAMPLE = sample_card_data()


def on(reader: str, kind: type) -> Callable[[ReaderEvent], bool]:
    return lambda e: isinstance(e, kind) and getattr(e, "reader", None) == reader


@pytest.fixture
def supervisor(recorder: EventRecorder, stop_all: list[Callable[[], None]]) -> ReaderSupervisor:
    transport = PcscCardReader()
    sup = ReaderSupervisor(transport, recorder, read_timeout=0.6, retry_s=0.1)
    sup.start()
    stop_all.append(transport.close)
    stop_all.append(sup.stop)
    recorder.wait_for(lambda e: isinstance(e, ReaderAdded), 2.0)
    return sup


def test_insertion_and_removal_seen_within_a_second(
    supervisor: ReaderSupervisor, fresh_card: FreshSlot, recorder: EventRecorder
) -> None:
    reader = fresh_card.reader
    start = time.monotonic()
    fresh_card.insert(wait=False)
    inserted_at, inserted = recorder.wait_for(on(reader, CardInserted), 1.0)
    assert isinstance(inserted, CardInserted) and inserted.atr == fresh_card.card.atr
    read_at, read = recorder.wait_for(on(reader, CardRead), 1.0)
    assert isinstance(read, CardRead) and read.card == SAMPLE
    assert inserted_at - start < 1.0 and read_at - start < 1.0
    assert supervisor.readers[reader].status is ReaderStatus.CARD
    assert supervisor.readers[reader].card_number == "A12345678"
    mark = recorder.mark()
    start = time.monotonic()
    fresh_card.remove(settle=False)
    removed_at, _event = recorder.wait_for(on(reader, CardRemoved), 1.0, since=mark)
    assert removed_at - start < 1.0
    assert supervisor.readers[reader].status is ReaderStatus.NO_CARD


def test_card_pulled_mid_read_then_next_card_reads(
    supervisor: ReaderSupervisor, fresh_card: FreshSlot, recorder: EventRecorder
) -> None:
    reader = fresh_card.reader
    dying = VirtualCard(SAMPLE, max_hang_s=CARD_MAX_HANG_S)
    dying.set_fault(Fault.DIE, after=5)  # SELECT and four records, then it drops the line
    fresh_card.insert(dying, wait=False)
    _t, failed = recorder.wait_for(on(reader, ReaderErrorEvent), 1.5)
    assert isinstance(failed, ReaderErrorEvent) and isinstance(failed.error, CardGone)
    assert "taken out" in failed.error.message
    recorder.wait_for(on(reader, CardRemoved), 1.5)
    assert supervisor.readers[reader].status is ReaderStatus.NO_CARD
    fresh_card.remove()  # settle before the next card takes the slot
    mark = recorder.mark()
    fresh_card.insert(wait=False)
    _t, read = recorder.wait_for(on(reader, CardRead), 1.5, since=mark)
    assert isinstance(read, CardRead) and read.card.card_number == "A12345678"


def test_hanging_card_is_not_responding_and_supervisor_keeps_working(
    supervisor: ReaderSupervisor, fresh_card: FreshSlot, recorder: EventRecorder
) -> None:
    reader = fresh_card.reader
    hanging = VirtualCard(SAMPLE, max_hang_s=CARD_MAX_HANG_S)
    hanging.set_fault(Fault.HANG, after=2)
    fresh_card.insert(hanging, wait=False)
    inserted_at, _e = recorder.wait_for(on(reader, CardInserted), 1.0)
    failed_at, failed = recorder.wait_for(on(reader, ReaderErrorEvent), 2.0)
    assert isinstance(failed, ReaderErrorEvent) and isinstance(failed.error, CardNotResponding)
    assert failed_at - inserted_at < supervisor.read_timeout + 0.3
    assert supervisor.readers[reader].status is ReaderStatus.CARD_ERROR
    assert "not responding" in supervisor.readers[reader].message
    fresh_card.remove()
    assert supervisor.readers[reader].status is ReaderStatus.NO_CARD
    mark = recorder.mark()
    fresh_card.insert(wait=False)
    _t, read = recorder.wait_for(on(reader, CardRead), 1.5, since=mark)
    assert isinstance(read, CardRead) and read.card == SAMPLE


def test_pcscd_restart_service_gone_then_card_seen_again(
    pcscd: PcscDaemon, resident_card: InsertedCard, supervisor: ReaderSupervisor, recorder: EventRecorder
) -> None:
    reader = resident_card.reader
    recorder.wait_for(on(reader, CardRead), 1.5)
    assert reader in supervisor.transport.list_readers()
    try:
        pcscd.stop()
        with pytest.raises(ServiceGone):
            supervisor.transport.list_readers()
        _t, gone = recorder.wait_for(lambda e: isinstance(e, ReaderErrorEvent) and e.reader is None, 1.0)
        assert isinstance(gone, ReaderErrorEvent)
        assert isinstance(gone.error, ServiceGone), gone.error.detail
        assert supervisor.state.status is ReaderStatus.NO_SERVICE
        with pytest.raises(ServiceGone):
            supervisor.read_card()
        mark = recorder.mark()
    finally:
        pcscd.start()
    _t, again = recorder.wait_for(on(reader, CardRead), 3.0, since=mark)
    assert isinstance(again, CardRead) and again.card == SAMPLE
    assert supervisor.readers[reader].card_number == "A12345678"
    assert supervisor.read_card(reader) == SAMPLE
    assert list(pcscd.readers) == sorted(supervisor.transport.list_readers())


def test_pcscd_killed_leaves_a_stale_socket_service_gone_then_card_seen_again(
    pcscd: PcscDaemon, resident_card: InsertedCard, supervisor: ReaderSupervisor, recorder: EventRecorder
) -> None:
    """pcscd crashes (SIGKILL): its socket stays in /run/pcscd with nobody behind it. The footer says
    there is no reader service (no hang, no traceback), and once pcscd is started again (the stale socket
    removed first, recipe section 3) the card in the reader is read again without a restart of the desk."""
    reader = resident_card.reader
    recorder.wait_for(on(reader, CardRead), 1.5)
    try:
        pcscd.kill(signal.SIGKILL)
        assert PCSCD_SOCKET.exists(), "a killed pcscd leaves its socket behind"
        started = time.monotonic()
        _t, gone = recorder.wait_for(lambda e: isinstance(e, ReaderErrorEvent) and e.reader is None, 2.0)
        assert isinstance(gone, ReaderErrorEvent) and isinstance(gone.error, ServiceGone), gone.error.detail
        assert supervisor.state.status is ReaderStatus.NO_SERVICE
        assert supervisor.state.label() == "no card reader service"
        with pytest.raises(ServiceGone):
            supervisor.transport.list_readers()
        with pytest.raises(ServiceGone):
            supervisor.read_card()
        assert time.monotonic() - started < 2.0
        recorder.wait_for(on(reader, CardRemoved), 0.5)
        mark = recorder.mark()
    finally:
        pcscd.start()
    _t, again = recorder.wait_for(on(reader, CardRead), 3.0, since=mark)
    assert isinstance(again, CardRead) and again.card == SAMPLE
    assert supervisor.readers[reader].card_number == "A12345678"
    assert supervisor.read_card(reader) == SAMPLE


def test_cli_list_shows_the_readers(pcscd: PcscDaemon, resident_card: InsertedCard) -> None:
    result = CliRunner().invoke(reader_app, ["list"])
    assert result.exit_code == 0, result.output
    assert f"{resident_card.reader}\tcard present" in result.output
    assert all(name in result.output for name in pcscd.readers)


def test_cli_watch_once_prints_the_card_as_json_the_holder_masked(resident_card: InsertedCard) -> None:
    """Without signing in (the technician checking a reader) the card reads, the holder's identity masked;
    in full only for a signed-in operator (tests/test_card_emulate_cli.py)."""
    result = CliRunner().invoke(reader_app, ["watch", "--once", "--timeout", "3",
                                             "--reader", resident_card.reader])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed["card_number"] == "A12345678" and printed["name"] == "张**"
    assert printed["birth_date"] is None and printed["citizen_number"] == "110105************"
    assert "The holder's data is masked: sign in (--as USER) to see it in full." in result.stderr


def test_cli_watch_prints_events_until_the_timeout(resident_card: InsertedCard) -> None:
    result = CliRunner().invoke(reader_app, ["watch", "--timeout", "0.8"])
    assert result.exit_code == 0, result.output
    assert f"reader added: {resident_card.reader}" in result.output
    assert f"card inserted in {resident_card.reader} (ATR {resident_card.card.atr.hex().upper()})" in result.output
    assert '"card_number": "A12345678"' in result.output and "reader state: card A12345678" in result.output
    assert "11010519491231002X" not in result.output and "张小燕" not in result.output


def test_cli_watch_once_card_error_exits_1(resident_card: InsertedCard) -> None:
    resident_card.swap(VirtualCard.make_state(None, aid=FOREIGN_AID))
    result = CliRunner().invoke(reader_app, ["watch", "--once", "--timeout", "3",
                                             "--reader", resident_card.reader])
    assert result.exit_code == 1
    assert "This is not a social security card" in result.output


def test_cli_without_pcscd_exits_1(pcscd: PcscDaemon, resident_card: InsertedCard) -> None:
    try:
        pcscd.stop()
        listed = CliRunner().invoke(reader_app, ["list"])
        watched = CliRunner().invoke(reader_app, ["watch", "--once", "--timeout", "3"])
    finally:
        pcscd.start()
    assert listed.exit_code == 1 and "no PC/SC service" in listed.output
    assert watched.exit_code == 1 and "no PC/SC service" in watched.output


def test_run_emulator_keeps_the_card_in_until_stopped(fresh_card: FreshSlot) -> None:
    card = VirtualCard(SAMPLE, max_hang_s=CARD_MAX_HANG_S)
    stop = threading.Event()
    thread = threading.Thread(target=run_emulator, args=(card, 1, stop), daemon=True)
    thread.start()
    transport = PcscCardReader()
    try:
        wait_present(fresh_card.reader, card.atr)
        assert transport.read_card(fresh_card.reader) == SAMPLE
    finally:
        stop.set()
        thread.join(2.0)
        transport.close()
    assert not thread.is_alive()
    wait_empty(fresh_card.reader)


def test_a_blank_card_written_in_the_reader_is_the_written_card_without_a_second_insertion(
    supervisor: ReaderSupervisor, fresh_card: FreshSlot, recorder: EventRecorder, issuer_key_file: Path
) -> None:
    reader = fresh_card.reader
    fresh_card.insert(VirtualCard(None))
    recorder.wait_for(on(reader, ReaderErrorEvent), 2.0)
    assert supervisor.readers[reader].status is ReaderStatus.CARD_ERROR  # blank: "card unreadable"
    assert supervisor.personalise(SAMPLE, issuer_key_file, reader) == SAMPLE
    assert supervisor.readers[reader].status is ReaderStatus.CARD
    assert supervisor.readers[reader].card_number == SAMPLE.card_number
    assert supervisor.last_card(reader) == SAMPLE
    assert supervisor.read_card(reader) == SAMPLE  # the chip itself, read again through pcscd
