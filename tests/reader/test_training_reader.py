"""Training mode: the supervisor over the in-process reader behaves like over PC/SC."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.card_reader import CardReader
from outlet_desk.reader.errors import (
    BlankCard,
    CardGone,
    CardNotResponding,
    NoReader,
    NotSocialSecurityCard,
    ServiceGone,
)
from outlet_desk.reader.events import (
    CardInserted,
    CardRead,
    CardRemoved,
    ReaderAdded,
    ReaderErrorEvent,
    ReaderRemoved,
    ReaderStatus,
    StateChanged,
)
from outlet_desk.reader.supervisor import ReaderSupervisor
from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import Fault, VirtualCard, sample_card_data

from .conftest import EventRecorder

SAMPLE = sample_card_data()


@pytest.fixture
def training() -> Iterator[TrainingReader]:
    reader = TrainingReader()
    yield reader
    for name in reader.reader_names:
        reader.remove(name)
    reader.close()


@pytest.fixture
def supervisor(
    training: TrainingReader, recorder: EventRecorder, stop_all: list[Callable[[], None]]
) -> ReaderSupervisor:
    sup = ReaderSupervisor(training, recorder, read_timeout=0.5, retry_s=0.05)
    sup.start()
    stop_all.append(sup.stop)
    return sup


def test_training_reader_is_a_card_reader_the_footer_can_label(training: TrainingReader) -> None:
    assert isinstance(training, CardReader)
    assert training.is_training and training.description == "training reader"


def test_inserted_card_is_read_and_shown(supervisor: ReaderSupervisor, training: TrainingReader,
                                         recorder: EventRecorder) -> None:
    name = training.insert(VirtualCard(SAMPLE))
    _t, event = recorder.wait_for(lambda e: isinstance(e, CardRead), 1.0)
    assert isinstance(event, CardRead) and event.card == SAMPLE and event.reader == name
    shown = supervisor.state
    assert shown.status is ReaderStatus.CARD and shown.card_number == "A12345678"
    assert shown.label() == "card A12345678"
    assert supervisor.last_card() == SAMPLE
    training.remove()
    recorder.wait_for(lambda e: isinstance(e, CardRemoved), 1.0)
    after = supervisor.state
    assert after.status is ReaderStatus.NO_CARD and supervisor.last_card() is None


def test_sync_operations_through_the_supervisor(supervisor: ReaderSupervisor, training: TrainingReader,
                                                issuer_key_file: Path) -> None:
    training.insert(VirtualCard(None))
    with pytest.raises(BlankCard):
        supervisor.read_card()
    assert supervisor.personalise(SAMPLE, issuer_key_file) == SAMPLE
    supervisor.change_pin("123456", "802211")
    supervisor.verify_pin("802211")
    assert supervisor.pin_tries_left() == 3


def test_every_insertion_ends_in_one_result(supervisor: ReaderSupervisor, training: TrainingReader,
                                            recorder: EventRecorder) -> None:
    training.insert(VirtualCard.foreign())
    _t, event = recorder.wait_for(lambda e: isinstance(e, ReaderErrorEvent), 1.0)
    assert isinstance(event, ReaderErrorEvent) and isinstance(event.error, NotSocialSecurityCard)
    assert supervisor.state.status is ReaderStatus.CARD_ERROR
    assert "not a social security card" in supervisor.state.message


def test_hanging_card_times_out_and_reader_recovers(supervisor: ReaderSupervisor, training: TrainingReader,
                                                    recorder: EventRecorder) -> None:
    hanging = VirtualCard(SAMPLE, max_hang_s=5)
    hanging.set_fault(Fault.HANG)
    start = time.monotonic()
    training.insert(hanging)
    stamp, event = recorder.wait_for(lambda e: isinstance(e, ReaderErrorEvent), 2.0)
    assert isinstance(event, ReaderErrorEvent) and isinstance(event.error, CardNotResponding)
    assert stamp - start < 0.5 + 0.3
    training.remove()
    mark = recorder.mark()
    training.insert(VirtualCard(SAMPLE))
    _t, read = recorder.wait_for(lambda e: isinstance(e, CardRead), 1.0, since=mark)
    assert isinstance(read, CardRead) and read.card.card_number == "A12345678"


def test_card_dying_mid_read_is_card_gone(supervisor: ReaderSupervisor, training: TrainingReader,
                                          recorder: EventRecorder) -> None:
    dying = VirtualCard(SAMPLE)
    dying.set_fault(Fault.DIE, after=4)
    training.insert(dying)
    _t, event = recorder.wait_for(lambda e: isinstance(e, ReaderErrorEvent), 1.0)
    assert isinstance(event, ReaderErrorEvent) and isinstance(event.error, CardGone)
    recorder.wait_for(lambda e: isinstance(e, CardRemoved), 1.0)
    assert training.card_in() is None


def test_service_gone_and_back(supervisor: ReaderSupervisor, training: TrainingReader,
                               recorder: EventRecorder) -> None:
    training.insert(VirtualCard(SAMPLE))
    recorder.wait_for(lambda e: isinstance(e, CardRead), 1.0)
    training.stop_service()
    recorder.wait_for(lambda e: isinstance(e, ReaderErrorEvent) and isinstance(e.error, ServiceGone), 1.0)
    assert supervisor.state.status is ReaderStatus.NO_SERVICE
    assert supervisor.state.label() == "no card reader service"
    with pytest.raises(ServiceGone):
        supervisor.read_card()
    mark = recorder.mark()
    training.start_service()
    recorder.wait_for(lambda e: isinstance(e, CardInserted), 1.0, since=mark)
    recorder.wait_for(lambda e: isinstance(e, CardRead), 1.0, since=mark)
    assert supervisor.state.card_number == "A12345678"


def test_preferred_reader_state(training: TrainingReader, recorder: EventRecorder,
                                stop_all: list[Callable[[], None]]) -> None:
    sup = ReaderSupervisor(training, recorder, reader="Training Reader 01")
    sup.start()
    stop_all.append(sup.stop)
    training.insert(VirtualCard(SAMPLE), "Training Reader 00")
    recorder.wait_for(lambda e: isinstance(e, CardRead), 1.0)
    assert sup.state.reader == "Training Reader 01" and sup.state.status is ReaderStatus.NO_CARD


@pytest.mark.parametrize("reader_name", ["*reader 01", "READER 01", "*01"])
def test_the_outlet_toml_reader_name_picks_the_counters_reader(
        training: TrainingReader, recorder: EventRecorder, stop_all: list[Callable[[], None]],
        reader_name: str) -> None:
    """A glob or a piece of the name, case ignored, as outlet.toml documents it: the card in the other
    reader is not this counter's."""
    from outlet_desk.config.schema import ReaderSettings

    settings = ReaderSettings(reader_name=reader_name)
    sup = ReaderSupervisor(training, recorder, reader=settings.matches)
    sup.start()
    stop_all.append(sup.stop)
    training.insert(VirtualCard(SAMPLE), "Training Reader 00")
    recorder.wait_for(lambda e: isinstance(e, CardRead), 1.0)
    assert sup.state.reader == "Training Reader 01" and sup.state.status is ReaderStatus.NO_CARD
    mark = recorder.mark()
    training.insert(VirtualCard(SAMPLE), "Training Reader 01")
    recorder.wait_for(lambda e: isinstance(e, CardRead) and e.reader == "Training Reader 01", 1.0, since=mark)
    assert sup.state.reader == "Training Reader 01" and sup.state.card_number == "A12345678"


def test_reader_unplugged_and_back(training: TrainingReader, recorder: EventRecorder,
                                   stop_all: list[Callable[[], None]]) -> None:
    sup = ReaderSupervisor(training, recorder, reader="Training Reader 00")
    sup.start()
    stop_all.append(sup.stop)
    training.insert(VirtualCard(SAMPLE))
    recorder.wait_for(lambda e: isinstance(e, CardRead), 1.0)
    mark = recorder.mark()
    training.unplug("Training Reader 00")
    recorder.wait_for(lambda e: isinstance(e, ReaderRemoved) and e.reader == "Training Reader 00", 1.0, mark)
    assert sup.state.status is ReaderStatus.NO_READER and sup.state.label() == "no reader"
    with pytest.raises(NoReader):
        training.read_card("Training Reader 00")
    mark = recorder.mark()
    training.plug("Training Reader 00")
    recorder.wait_for(lambda e: isinstance(e, ReaderAdded), 1.0, mark)
    _t, again = recorder.wait_for(lambda e: isinstance(e, CardRead), 1.0, mark)
    assert isinstance(again, CardRead) and sup.state.card_number == "A12345678"


def test_training_mode_and_cli_load_without_pyscard() -> None:
    """A training machine without the PC/SC libraries still gets the training reader and the CLI."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['smartcard'] = None\n"
        "from outlet_desk.reader.training_reader import TrainingReader\n"
        "from outlet_desk.reader.supervisor import ReaderSupervisor\n"
        "from outlet_desk.reader_cli import reader_app\n"
        "from outlet_desk.reader.virtual_card import VirtualCard, sample_card_data\n"
        "t = TrainingReader(); t.insert(VirtualCard(sample_card_data()))\n"
        "print(t.read_card(t.reader_names[0]).card_number, 'smartcard.scard' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["A12345678", "False"]


class SlowCard(VirtualCard):
    """A chip that takes 0.02 s per APDU: a full read (15 APDUs) takes about 0.3 s. While it answers
    its ``pause_at``-th APDU it says so (``answering``) and waits for ``go_on``."""

    def __init__(self, data: CardData, pause_at: int) -> None:
        super().__init__(data)
        self.pause_at = pause_at
        self.calls = 0
        self.answering = threading.Event()
        self.go_on = threading.Event()

    def process(self, command: bytes) -> bytes | None:
        self.calls += 1
        time.sleep(0.02)
        if self.calls == self.pause_at:
            self.answering.set()
            self.go_on.wait(2.0)
        return super().process(command)


def test_card_pulled_and_put_back_during_a_slow_read_is_read_once(
        training: TrainingReader, recorder: EventRecorder, stop_all: list[Callable[[], None]]) -> None:
    """The clerk pulls the card during a 0.3 s read and pushes it back: the first insertion's read must
    not arrive after its removal (the desk would open the holder twice, or hand a task screen a chip
    after it was told the chip had gone); the card now in the reader is read once."""
    supervisor = ReaderSupervisor(training, recorder, read_timeout=2.0, retry_s=0.05)
    supervisor.start()
    stop_all.append(supervisor.stop)
    card = SlowCard(SAMPLE, pause_at=5)
    name = training.insert(card)
    assert card.answering.wait(2.0)
    reading = supervisor.state  # the footer while the chip is being read
    assert reading.status is ReaderStatus.READING and reading.label() == "reading card…"
    training.remove()
    recorder.wait_for(lambda e: isinstance(e, CardRemoved), 1.0)
    mark = recorder.mark()
    training.insert(card)
    recorder.wait_for(lambda e: isinstance(e, CardInserted), 1.0, since=mark)
    card.go_on.set()
    recorder.wait_for(lambda e: isinstance(e, CardRead), 2.0, since=mark)
    time.sleep(0.4)  # both reads have ended
    assert [e for e in recorder.of_reader(name) if isinstance(e, CardRead)] == [CardRead(name, SAMPLE)]
    assert supervisor.state.status is ReaderStatus.CARD and supervisor.state.card_number == "A12345678"


class PulledAsTheReadEnds(TrainingReader):
    """The chip answered every record, then the card left before the supervisor got the result."""

    def __init__(self, recorder: EventRecorder) -> None:
        super().__init__()
        self.recorder = recorder

    def read_card(self, reader: str, timeout: float = 3.0) -> CardData:
        data = super().read_card(reader, timeout)
        self.remove(reader)
        self.recorder.wait_for(lambda e: isinstance(e, CardRemoved), 1.0)
        return data


def test_card_gone_before_the_read_result_sends_no_card_read(
        recorder: EventRecorder, stop_all: list[Callable[[], None]]) -> None:
    training = PulledAsTheReadEnds(recorder)
    stop_all.append(training.close)
    sup = ReaderSupervisor(training, recorder, read_timeout=0.5, retry_s=0.05)
    sup.start()
    stop_all.append(sup.stop)
    name = training.insert(VirtualCard(SAMPLE))
    _t, ended = recorder.wait_for(lambda e: isinstance(e, ReaderErrorEvent), 1.0)
    assert isinstance(ended, ReaderErrorEvent) and isinstance(ended.error, CardGone)
    assert "taken out" in ended.error.message
    time.sleep(0.2)
    assert not [e for e in recorder.of_reader(name) if isinstance(e, CardRead)]
    assert sup.state.status is ReaderStatus.NO_CARD and sup.last_card() is None


def test_a_card_written_in_the_reader_is_read_back_without_a_second_insertion(
        supervisor: ReaderSupervisor, training: TrainingReader, recorder: EventRecorder, issuer_key_file: Path) -> None:
    training.insert(VirtualCard(None))
    recorder.wait_for(lambda e: isinstance(e, ReaderErrorEvent), 1.0)
    assert supervisor.state.status is ReaderStatus.CARD_ERROR  # a blank card: nothing to read yet
    mark = recorder.mark()
    assert supervisor.personalise(SAMPLE, issuer_key_file) == SAMPLE
    shown = supervisor.state
    assert shown.status is ReaderStatus.CARD and shown.card_number == SAMPLE.card_number
    assert supervisor.last_card() == SAMPLE  # what a task asks for: the written card, still in the reader
    _t, changed = recorder.wait_for(lambda e: isinstance(e, StateChanged), 1.0, since=mark)
    assert isinstance(changed, StateChanged) and changed.state.card_number == SAMPLE.card_number
