"""Personal data sealed at rest: the data key's rules, lookups through the blind index, and a dump of the
seeded training outlet that shows no citizen number, document number, phone or address in clear."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outlet_desk.config import Settings
from outlet_desk.db.sealing import sealed_key_id
from outlet_desk.db.tables import AuditEvent, Collection, IdentityCheck, Operator, Person
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.roles import Forbidden
from outlet_desk.services import demo
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import DataKeyProblem
from outlet_desk.services.key_rotation import rotate_data_key
from outlet_desk.services.persons import find_persons
from tests.services.builders import login


@pytest.fixture
def seeded(desk: Desk) -> Desk:
    assert demo.seed_training(desk, persons=40).seeded
    return desk


def _personal_values(desk: Desk) -> set[str]:
    """Every citizen number, document number, phone and address on record, read back through the desk."""
    with Session(desk.engine) as s:
        values = {v for p in s.exec(select(Person)) for v in (p.citizen_number, p.phone, p.address)}
        values |= {v for c in s.exec(select(IdentityCheck)) for v in (c.document_number, c.proxy_document_number)}
        values |= {c.chip_citizen_number for c in s.exec(select(Collection))}
    return {v for v in values if v}


def test_the_first_start_makes_the_data_key_readable_by_its_owner_only(desk: Desk) -> None:
    path = desk.settings.data_key_path()
    assert path == desk.settings.base_dir / "data" / "data.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text().strip())) == 32


def test_the_store_holds_sealed_values_and_finds_a_person_by_citizen_number(seeded: Desk) -> None:
    with Session(seeded.engine) as s:
        persons = list(s.exec(select(Person).limit(5)))
    for person in persons:
        found = find_persons(seeded, person.citizen_number)
        assert [(p.id, p.name) for p in found] == [(person.id, person.name)]
    with seeded.engine.connect() as conn:
        stored = [bytes(v) for row in conn.execute(text("SELECT citizen_number, phone, address FROM person"))
                  for v in row]
        clear = conn.execute(text("SELECT count(*) FROM person WHERE citizen_number = :n"),
                             {"n": persons[0].citizen_number.encode()}).scalar()
    assert clear == 0
    for value in _personal_values(seeded):
        assert not any(value.encode() in blob for blob in stored), value


def test_a_citizen_number_stays_unique_through_its_blind_index(seeded: Desk) -> None:
    with Session(seeded.engine) as s:
        person = s.exec(select(Person)).first()
        assert person is not None
        s.add(Person(citizen_number=person.citizen_number, name="重复", gender=person.gender,
                     birth_date=person.birth_date, created_at=seeded.now()))
        with pytest.raises(IntegrityError):
            s.commit()


def test_a_desk_without_the_data_key_does_not_open(seeded: Desk) -> None:
    path = seeded.settings.data_key_path()
    path.rename(path.with_name("elsewhere.key"))
    with pytest.raises(DataKeyProblem, match="is missing") as refused:
        open_desk(seeded.settings)
    assert str(path) in refused.value.message
    assert not path.exists()  # no new key: it could open none of the sealed data


def test_a_desk_with_another_data_key_does_not_open(seeded: Desk) -> None:
    path = seeded.settings.data_key_path()
    path.write_text("ab" * 32 + "\n")
    with pytest.raises(DataKeyProblem, match="not the key this database's personal data is sealed with"):
        open_desk(seeded.settings)


def test_a_data_key_others_can_read_is_refused(seeded: Desk) -> None:
    path = seeded.settings.data_key_path()
    path.chmod(0o644)
    with pytest.raises(DataKeyProblem, match="chmod 600"):
        open_desk(seeded.settings)


def test_a_data_key_file_that_is_a_folder_is_refused(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings()
    (settings.base_dir / "keys").mkdir()
    database = settings.database.model_copy(update={"data_key_file": Path("keys")})
    folder = settings.model_copy(update={"database": database})
    with pytest.raises(DataKeyProblem, match="is a folder"):
        open_desk(folder)


# `sqlite3 outlet.db .dump` is SQLite's: this runs on SQLite only; the PostgreSQL half checks the columns above.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_dump_of_the_seeded_training_outlet_shows_no_personal_data_in_clear(seeded: Desk) -> None:
    url = make_url(str(seeded.engine.url))
    values = _personal_values(seeded)
    assert len(values) > 100  # 40 persons' numbers, phones and addresses, the documents of their checks
    with sqlite3.connect(url.database or "") as db:
        dump = "\n".join(db.iterdump())
    assert "INSERT INTO \"person\"" in dump
    with Session(seeded.engine) as s:
        names = [p.name for p in s.exec(select(Person))]
    assert all(name in dump for name in names)  # names stay plain, searchable by prefix
    leaked = sorted(v for v in values if v in dump)
    assert leaked == []


def test_rotating_the_data_key_seals_every_value_again_and_keeps_them(seeded: Desk) -> None:
    before = _personal_values(seeded)
    with Session(seeded.engine) as s:
        person = s.exec(select(Person)).first()
    assert person is not None
    old_key = seeded.settings.data_key_path().read_text()

    done = rotate_data_key(seeded, login(seeded, "super1"))

    path = seeded.settings.data_key_path()
    assert path.read_text() != old_key and done.old_file.read_text() == old_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert done.new_key != done.old_key and done.values >= len(before)
    seeded.engine.dispose()
    reopened = open_desk(seeded.settings)  # the new key file is the one the data is sealed with now
    assert _personal_values(reopened) == before
    assert [p.id for p in find_persons(reopened, person.citizen_number)] == [person.id]
    with reopened.engine.connect() as conn:
        keys = {sealed_key_id(v) for (v,) in conn.execute(text("SELECT citizen_number FROM person"))}
    assert keys == {done.new_key}
    with Session(reopened.engine) as s:  # the rotation is in the chain, by the supervisor who ran it
        rotated = s.exec(select(AuditEvent).where(col(AuditEvent.action) == AuditAction.DATA_KEY_ROTATED)).all()
        supervisor = s.exec(select(Operator).where(col(Operator.username) == "super1")).one()
    assert [(e.operator_id, e.entity_id) for e in rotated] == [(supervisor.id, done.new_key)]
    reopened.engine.dispose()


def test_a_clerk_may_not_rotate_the_data_key_and_nothing_changes(seeded: Desk) -> None:
    old_key = seeded.settings.data_key_path().read_text()
    with pytest.raises(Forbidden):
        rotate_data_key(seeded, login(seeded, "clerk1"))
    assert seeded.settings.data_key_path().read_text() == old_key
    assert not seeded.settings.data_key_path().with_name("data.key.new").exists()


def test_identity_checks_are_found_by_document_number_through_its_blind_index(seeded: Desk) -> None:
    with Session(seeded.engine) as s:
        check = s.exec(select(IdentityCheck)).first()
        assert check is not None and check.document_number
        found = s.exec(select(IdentityCheck).where(col(IdentityCheck.document_index) == check.document_number)).all()
        assert check.id in [c.id for c in found]
        assert all(c.document_number == check.document_number for c in found)
        with pytest.raises(TypeError, match="blind index"):  # the sealed column itself cannot be compared
            select(IdentityCheck).where(col(IdentityCheck.document_number) == check.document_number)
