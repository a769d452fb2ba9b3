"""``outlet-desk backup`` and ``restore`` as services, on both databases: a copy checked before it is kept
(integrity, database revision, the audit chain), restored into an empty store only, by a supervisor or an
administrator, and a backup taken while another process keeps writing."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from outlet_desk.config import Settings, parse_settings
from outlet_desk.db.engine import is_sqlite
from outlet_desk.db.tables import AuditEvent, IdentityCheck, Person
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services import demo, operators
from outlet_desk.services.audit import AuditKeyNotThisOutlets, verify_chain
from outlet_desk.services.backup import BackupRefused, back_up, restore, sqlite_copy
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import LoginRefused
from tests.fixtures_db import TEMPLATE
from tests.pgcluster import PgCluster
from tests.services.conftest import MINIMAL_TOML


class Progress:
    """What a progress bar was told, stage by stage."""

    def __init__(self) -> None:
        self.seen: dict[str, list[tuple[int, int]]] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.seen.setdefault(stage, []).append((done, total))

    def finished(self) -> set[str]:
        return {stage for stage, steps in self.seen.items() if steps[-1][0] == steps[-1][1] > 0}


class SlowProgress(Progress):
    """A progress bar slow enough that the writer's use cases fall between the copy's steps."""

    def __call__(self, stage: str, done: int, total: int) -> None:
        super().__call__(stage, done, total)
        time.sleep(0.01)


@pytest.fixture
def seeded(desk: Desk) -> Desk:
    demo.seed_training(desk, persons=12)
    return desk


def sign_in(username: str) -> Callable[[Desk], Actor]:
    return lambda desk: operators.authenticate(desk, username, demo.training_password(username))


def login(desk: Desk, username: str) -> Actor:
    return operators.authenticate(desk, username, demo.training_password(username))


@pytest.fixture
def empty_store(request: pytest.FixtureRequest, desk: Desk, sqlite_template: Path,
                tmp_path: Path) -> Iterator[Settings]:
    """The settings of a second desk of the same outlet (the same audit key file) on a freshly migrated,
    empty store of the same kind."""
    if is_sqlite(desk.engine):
        folder = tmp_path / "restored"
        folder.mkdir()
        shutil.copyfile(sqlite_template, folder / "outlet.db")
        url = f"sqlite:///{folder / 'outlet.db'}"
    else:
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        url = cluster.fresh_database(TEMPLATE)
        folder = tmp_path / "restored"
        folder.mkdir()
    (folder / "data").mkdir()  # the outlet's data key goes with it, as its audit key (neither is in a backup)
    shutil.copy2(desk.settings.data_key_path(), folder / "data" / "data.key")
    path = folder / "outlet.toml"
    text = MINIMAL_TOML.format(url=url) + f'\n[audit]\nkey_file = "{desk.settings.audit_key_path()}"\n'
    path.write_text(text)
    yield parse_settings(text, path)


def counts(desk: Desk) -> tuple[int, int, int]:
    with Session(desk.engine) as s:
        return (s.exec(select(func.count()).select_from(Person)).one(),
                s.exec(select(func.count()).select_from(IdentityCheck)).one(),
                s.exec(select(func.count()).select_from(AuditEvent)).one())


def test_a_backup_is_checked_private_and_restores_into_an_empty_store(seeded: Desk, empty_store: Settings,
                                                                       tmp_path: Path) -> None:
    supervisor = login(seeded, "super1")
    before = counts(seeded)
    progress = Progress()
    done = back_up(seeded, supervisor, tmp_path / "outlet.backup", progress)
    assert done.file.exists() and stat.S_IMODE(done.file.stat().st_mode) == 0o600
    assert done.checked.events == before[2] and done.checked.revision
    assert progress.finished() == set(progress.seen) == {"Copying", "Checking the copy"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left

    progress = Progress()
    restored = restore(empty_store, done.file, progress, sign_in("admin"))
    assert progress.finished() == {"Copying", "Checking the copy"}
    desk = open_desk(empty_store)
    try:
        persons, checks, events = counts(desk)
        # the copy as it was, plus the backup's own event (after the copy) in neither, plus the sign-in
        # and the restore in the restored chain
        assert (persons, checks) == before[:2] and events == before[2] + 2
        with Session(desk.engine) as s:
            chain = verify_chain(s, desk.audit_key, desk.outlet_code)
            last = s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
        assert chain.intact and restored.event_seq == chain.last_seq
        assert last is not None and last.action == "store_restored"
    finally:
        desk.engine.dispose()


def test_restore_refuses_a_store_that_is_not_empty(seeded: Desk, tmp_path: Path) -> None:
    done = back_up(seeded, login(seeded, "super1"), tmp_path / "outlet.backup", Progress())
    before = counts(seeded)
    with pytest.raises(BackupRefused, match="is not empty"):
        restore(seeded.settings, done.file, Progress(), sign_in("super1"))
    assert counts(seeded) == before


def test_only_a_supervisor_or_an_administrator_backs_up_or_restores(seeded: Desk, empty_store: Settings,
                                                                     tmp_path: Path) -> None:
    with pytest.raises(Forbidden):
        back_up(seeded, login(seeded, "clerk1"), tmp_path / "by-clerk.backup", Progress())
    assert not (tmp_path / "by-clerk.backup").exists()
    done = back_up(seeded, login(seeded, "admin"), tmp_path / "outlet.backup", Progress())
    for refused, who in ((Forbidden, sign_in("clerk1")),
                         (LoginRefused, lambda desk: operators.authenticate(desk, "super1", "not the password"))):
        with pytest.raises(refused):
            restore(empty_store, done.file, Progress(), who)
        assert _is_empty(empty_store), "a refused restore leaves the store empty"


def test_a_backup_never_overwrites_a_file(seeded: Desk, tmp_path: Path) -> None:
    target = tmp_path / "kept.backup"
    target.write_text("an older backup")
    with pytest.raises(BackupRefused, match="already exists"):
        back_up(seeded, login(seeded, "super1"), target, Progress())
    assert target.read_text() == "an older backup"


def test_restore_refuses_a_file_that_is_no_backup_and_a_copy_of_another_key(
        seeded: Desk, empty_store: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all" * 100)
    with pytest.raises(BackupRefused, match="not a backup"):
        restore(empty_store, junk, Progress(), sign_in("super1"))
    done = back_up(seeded, login(seeded, "super1"), tmp_path / "outlet.backup", Progress())
    other_key = tmp_path / "other.key"
    other_key.write_text("ab" * 32)
    other_key.chmod(0o600)
    elsewhere = empty_store.config_path.parent / "other.toml"
    text = empty_store.config_path.read_text().replace(str(seeded.settings.audit_key_path()), str(other_key))
    elsewhere.write_text(text)
    with pytest.raises((BackupRefused, AuditKeyNotThisOutlets), match=r"audit chain|not the key"):
        restore(parse_settings(text, elsewhere), done.file, Progress(), sign_in("super1"))
    assert _is_empty(empty_store)


def _is_empty(settings: Settings) -> bool:
    from outlet_desk.db.engine import make_engine
    from outlet_desk.services.backup.empty_store import tables_with_rows

    engine = make_engine(settings.database_url())
    try:
        with engine.connect() as conn:
            return tables_with_rows(conn) == []
    finally:
        engine.dispose()


WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import date, datetime, timedelta
    from pathlib import Path
    from outlet_desk.config import load_settings
    from outlet_desk.services import demo, operators
    from outlet_desk.services.bootstrap import open_desk
    from outlet_desk.services.identity import Document, record_identity_check

    config, person_id, citizen, name, now = sys.argv[1:6]
    desk = open_desk(load_settings(Path(config)))
    fixed = datetime.fromisoformat(now)
    desk.clock = lambda: fixed
    clerk = operators.authenticate(desk, "clerk2", demo.training_password("clerk2"))
    document = Document("resident_id_card", citizen, name, date(2040, 1, 1))
    n = 0
    while True:  # a counter at work: identity checks, each one a use case with its audit event
        record_identity_check(desk, clerk, int(person_id), "apply_reissue", presenter="holder",
                              document=document, face_confirmed=True)
        n += 1
        time.sleep(0.005)  # the next citizen (a counter that never paused would starve every other writer)
        if n == 3:
            print("writing", flush=True)
    """
)


def test_a_backup_taken_while_a_counter_writes_restores_whole(seeded: Desk, empty_store: Settings, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_copy, "PAGES_PER_STEP", 4)  # many steps, so that writes fall between them
    with Session(seeded.engine) as s:
        person = s.exec(select(Person).order_by(col(Person.id))).first()
    assert person is not None
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(seeded.settings.config_path), str(person.id), person.citizen_number,
         person.name, seeded.now().isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing", writer.stderr.read() if writer.stderr else ""
        before = counts(seeded)
        progress = SlowProgress()
        done = back_up(seeded, login(seeded, "super1"), tmp_path / "busy.backup", progress)
        after = counts(seeded)
    finally:
        writer.kill()
        writer.wait(10)
    assert after[1] > before[1], "the counter kept writing during the backup"
    # (On SQLite the writes usually make the backup API start the copy again; how often depends on the
    # machine's load, so the test asserts the outcome, not the restarts.)
    assert progress.seen["Copying"], "the copy reported its progress"
    restore(empty_store, done.file, Progress(), sign_in("super1"))
    desk = open_desk(empty_store)
    try:
        persons, checks, _events = counts(desk)
        assert before[1] <= checks <= after[1] and persons == before[0]
        with Session(desk.engine) as s:
            assert verify_chain(s, desk.audit_key, desk.outlet_code).intact
    finally:
        desk.engine.dispose()
