"""The command line: exit codes 0 ok, 1 a check failed, 2 bad input or config; messages asserted."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import col, select

from outlet_desk.db.tables import Person
from outlet_desk.i18n import set_language
from tests.cli_outlet import OUTLET, run
from tests.stored import first_stored

pytestmark = pytest.mark.usefixtures("english")


def signed_in(user: str, password: str | None = None) -> dict[str, str]:
    """The variables a script signs in with (no terminal): the user, and the password (the training one)."""
    return {"OUTLET_DESK_USER": user, "OUTLET_DESK_PASSWORD": password or f"training-{user}"}


CLERK, SUPER, ADMIN = signed_in("clerk1"), signed_in("super1"), signed_in("admin")
BOSS = signed_in("boss", "first admin password")


def first_admin(config: Path) -> dict[str, str]:
    """An outlet's first administrator (no sign-in needed for the first), and the variables to sign in as them."""
    added = run(config, "operator", "add", "boss", "--role", "admin", "--name", "Boss",
                env={"OUTLET_DESK_NEW_PASSWORD": BOSS["OUTLET_DESK_PASSWORD"]})
    assert added.exit_code == 0, added.output
    return BOSS


def test_broken_config_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "outlet.toml"
    bad.write_text(OUTLET + "\n[security]\nlockout_attempts = 0\n")
    result = run(bad, "db", "upgrade")
    assert result.exit_code == 2
    assert str(bad) in result.output and "lockout_attempts" in result.output and "1 to 20" in result.output


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("\n[security]\nlockot_attempts = 3\n", "lockot_attempts"),
        ("\n[loss]\ntemporary_days = \"seven\"\n", "temporary_days"),
        ("\n[reader]\nmode = \"usb\"\n", "pcsc"),
    ],
    ids=["unknown key", "wrong type", "not an allowed value"],
)
def test_every_kind_of_config_error_exits_2_with_one_message(tmp_path: Path, extra: str, named: str) -> None:
    bad = tmp_path / "outlet.toml"
    bad.write_text(OUTLET + extra)
    result = run(bad, "person", "find", "王")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and named in lines[0], result.output


def test_missing_config_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = run(missing, "person", "find", "王")
    assert (result.exit_code, result.stderr, result.stdout) == (2, f"{missing} not found\n", "")


def test_toml_syntax_error_exits_2_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "outlet.toml"
    bad.write_text(OUTLET + "\n[loss\n")
    result = run(bad, "audit", "verify")
    assert (result.exit_code, result.stderr, result.stdout) == (
        2, f"{bad}, line 9, column 6: Expected ']' at the end of a table declaration\n", "")
    assert not (tmp_path / "data").exists()


def test_db_upgrade_creates_the_database_beside_the_config(config: Path) -> None:
    result = run(config, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "upgraded" in result.output
    assert (config.parent / "data" / "outlet.db").exists()
    again = run(config, "db", "upgrade")
    assert again.exit_code == 0 and "already" in again.output


def test_demo_is_idempotent_and_shows_passwords(config: Path) -> None:
    first = run(config, "demo")
    assert first.exit_code == 0, first.output
    assert "200 persons" in first.output and "training-clerk1" in first.output
    second = run(config, "demo")
    assert second.exit_code == 0 and "already present" in second.output


def test_person_find_invalid_number_exits_2_with_the_rule(config: Path) -> None:
    result = run(config, "person", "find", "110105194912310021")
    assert result.exit_code == 2
    assert "check digit" in result.output


@pytest.mark.parametrize(
    ("typed", "rule_words"),
    [
        ("1101051949A231002X", "not allowed: 'A' at position 11"),  # a letter in the middle
        ("AB0105194912310021", "not allowed: 'A' at position 1"),  # two letters
        ("11010519491231002A", "not allowed: 'A' at position 18"),  # a wrong last letter
        ("1101051949X2310021", "X at position 11"),  # an X before the end
        ("11010519491231002", "17 characters; it must have 18"),
        ("11010519491231002X12", "20 characters; it must have 18"),
        ("王2", "not allowed: '王' at position 1"),  # a digit is never part of a name
    ],
)
def test_person_find_refuses_a_mistyped_citizen_number_with_the_rule(config: Path, typed: str,
                                                                      rule_words: str) -> None:
    """Not searched as a name (which found nobody and said so, exit 0): refused, exit 2, the rule named."""
    result = run(config, "person", "find", typed)
    assert result.exit_code == 2, result.output
    assert "Citizen ID number" in result.output and rule_words in result.output
    assert "Nobody found" not in result.output


def test_person_find_legacy_number_asks_for_18_digits(config: Path) -> None:
    result = run(config, "person", "find", "110105491231002")
    assert result.exit_code == 2
    assert "18" in result.output


def test_person_find_json_masks_numbers(config: Path) -> None:
    run(config, "demo")
    number, name = first_stored(config, select(Person.citizen_number, Person.name).order_by(col(Person.id)))
    result = run(config, "person", "find", number, "--json", env=CLERK)
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [p["name"] for p in found] == [name]
    assert found[0]["masked_number"] == number[:6] + "*" * 12
    assert number not in result.output


def test_audit_verify_ok_then_names_the_edited_event(config: Path) -> None:
    run(config, "demo")
    ok = run(config, "audit", "verify", env=SUPER)
    assert ok.exit_code == 0 and "intact" in ok.output
    db = sqlite3.connect(config.parent / "data" / "outlet.db")
    db.execute("UPDATE audit_event SET action = 'nothing_to_see' WHERE seq = 2")
    db.commit()
    db.close()
    broken = run(config, "audit", "verify", env=SUPER)
    assert broken.exit_code == 1
    assert "BROKEN at event 2" in broken.output


def test_operator_commands(config: Path) -> None:
    env = {"OUTLET_DESK_NEW_PASSWORD": "first admin password"}
    first = run(config, "operator", "add", "boss", "--role", "admin", "--name", "Boss", env=env)
    assert first.exit_code == 0, first.output
    # Now that an operator exists, adding another needs --as and a password.
    anon = run(config, "operator", "add", "clerk7", "--role", "clerk", "--name", "Clerk", env=env)
    assert anon.exit_code == 2 and "--as" in anon.output
    env2 = {"OUTLET_DESK_PASSWORD": "first admin password", "OUTLET_DESK_NEW_PASSWORD": "clerk seven password"}
    added = run(config, "operator", "add", "clerk7", "--role", "clerk", "--name", "Clerk", "--as", "boss", env=env2)
    assert added.exit_code == 0, added.output
    wrong = run(config, "operator", "unlock", "clerk7", "--as", "boss", env={"OUTLET_DESK_PASSWORD": "nope"})
    assert wrong.exit_code == 2 and "Wrong user name or password." in wrong.output
    short = run(config, "operator", "passwd", "clerk7", "--as", "boss",
                env={"OUTLET_DESK_PASSWORD": "first admin password", "OUTLET_DESK_NEW_PASSWORD": "short"})
    assert short.exit_code == 2 and "12" in short.output
    listing = run(config, "operator", "list", env=BOSS)
    assert listing.exit_code == 0 and "clerk7" in listing.output and "boss" in listing.output


# -- the audit key ---------------------------------------------------------------------------------------


def _key_missing(key_file: Path, outlet: str, events: int) -> str:
    noun = "event" if events == 1 else "events"
    return (f"The audit key file {key_file} is missing, and outlet {outlet} already has {events} sealed audit "
            f"{noun} in its database. Copy the key file from the first desk of this outlet (or restore it from "
            f"backup) to {key_file}, then start again. Nothing was written.\n")


def test_a_lost_audit_key_is_not_replaced_by_a_new_one(config: Path) -> None:
    boss = first_admin(config)  # outlet registered, operator added, signed in: 3 events
    first = run(config, "audit", "verify", env=boss)
    assert first.exit_code == 0 and first.stdout.startswith(
        "Audit chain of outlet CLI001 is intact: 3 events verified.\nCheckpoint recorded at event 3.\n"
        f"Witness file {config.parent / 'data' / 'audit.witness'}: fingerprint "), first.output
    key_file = config.parent / "data" / "audit.key"
    key_file.unlink()
    refused = run(config, "audit", "verify", env=boss)
    assert (refused.exit_code, refused.stderr) == (2, _key_missing(key_file, "CLI001", 3))
    assert not key_file.exists()


def test_a_second_desk_of_the_outlet_without_the_key_file_does_not_open(config: Path, tmp_path: Path) -> None:
    """Two desks of one outlet on one database, each with its own data folder: the second needs the first
    one's key file; with it, both seal into the same chain."""
    assert run(config, "operator", "add", "boss", "--role", "admin", "--name", "Boss",
               env={"OUTLET_DESK_NEW_PASSWORD": "first admin password"}).exit_code == 0
    database = config.parent / "data" / "outlet.db"
    second = tmp_path / "desk2" / "outlet.toml"
    second.parent.mkdir()
    second.write_text(OUTLET + f'\n[database]\nurl = "sqlite:///{database}"\n')
    refused = run(second, "operator", "list")
    assert (refused.exit_code, refused.stderr) == (2, _key_missing(second.parent / "data" / "audit.key", "CLI001", 2))
    assert not (second.parent / "data").exists()
    (second.parent / "data").mkdir()
    shutil.copy2(config.parent / "data" / "audit.key", second.parent / "data" / "audit.key")
    assert run(second, "operator", "unlock", "boss", "--as", "boss",
               env={"OUTLET_DESK_PASSWORD": "first admin password"}).exit_code == 0
    verified = run(config, "audit", "verify", env=BOSS)
    assert verified.exit_code == 0 and verified.stdout.startswith(
        "Audit chain of outlet CLI001 is intact: 5 events verified."), verified.output


def test_a_desk_with_another_outlets_key_does_not_open(config: Path, tmp_path: Path) -> None:
    """The key file is not the one the outlet's chain is sealed with: refused before anything is sealed with
    it, exit 2; with the right key back, the chain verifies."""
    boss = first_admin(config)
    assert run(config, "audit", "verify", env=boss).exit_code == 0
    key_file = config.parent / "data" / "audit.key"
    right = key_file.read_text()
    key_file.write_text("ab" * 32 + "\n")
    refused = run(config, "audit", "verify", env=boss)
    assert (refused.exit_code, refused.stderr) == (2, (
        f"The audit key file {key_file} is not the key outlet CLI001's audit chain is sealed with (3 events). "
        f"Every desk of an outlet needs the same key file: copy it from the first desk of this outlet (or restore "
        f"it from backup) to {key_file}, then start again. Nothing was written.\n"))
    key_file.write_text(right)
    verified = run(config, "audit", "verify", env=boss)
    assert verified.exit_code == 0 and "is intact: 4 events verified" in verified.stdout, verified.output


def test_audit_verify_of_a_store_from_before_key_ids_names_a_wrong_key(config: Path, tmp_path: Path) -> None:
    """A store written before key ids (its audit_head has none) can only learn of a wrong key by verifying."""
    boss = first_admin(config)
    assert run(config, "audit", "verify", env=boss).exit_code == 0
    _sql(config, "UPDATE audit_head SET key_id = '', seal = ''")
    key_file = config.parent / "data" / "audit.key"
    key_file.write_text("ab" * 32 + "\n")
    broken = run(config, "audit", "verify", env=boss)
    assert (broken.exit_code, broken.stderr) == (1, (
        "Audit chain of outlet CLI001 is BROKEN at event 1 (row id 1): no event checked matches its seal, from "
        "the first one on: most likely the audit key file is not this outlet's key (every desk of an outlet "
        "needs the same key file: copy it from the first desk or restore it from backup); if the key is "
        "right, the rows were edited\n"))


# -- audit verify on a tampered chain: exit 1 naming the event ---------------------------------------------


@pytest.fixture(scope="module")
def seeded_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A training outlet after `outlet-desk demo`, made once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("seeded")
    (folder / "outlet.toml").write_text(OUTLET)
    set_language("en")
    assert run(folder / "outlet.toml", "demo").exit_code == 0
    return folder


@pytest.fixture
def seeded(seeded_folder: Path, tmp_path: Path) -> Path:
    shutil.copytree(seeded_folder, tmp_path / "outlet")
    return tmp_path / "outlet" / "outlet.toml"


def _sql(config: Path, *statements: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(config.parent / "data" / "outlet.db")
    rows: list[tuple[object, ...]] = []
    for statement in statements:
        rows = db.execute(statement).fetchall()
    db.commit()
    db.close()
    return rows


def test_audit_verify_names_a_deleted_event(seeded: Path) -> None:
    [(next_id,)] = _sql(seeded, "SELECT id FROM audit_event WHERE seq = 4")
    _sql(seeded, "DELETE FROM audit_event WHERE seq = 3")
    broken = run(seeded, "audit", "verify", env=SUPER)
    assert (broken.exit_code, broken.stderr) == (1, (
        f"Audit chain of outlet CLI001 is BROKEN at event 3 (row id {next_id}): event 3 is missing (deleted?); "
        "the next one found is 4\n"))


def test_audit_verify_names_an_inserted_event(seeded: Path) -> None:
    _sql(seeded,
         "UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 3",
         "UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1003",
         "INSERT INTO audit_event (outlet_code, seq, at, action, entity, entity_id, before, after, prev_mac, mac) "
         "SELECT outlet_code, 3, at, 'card_received', 'card', '', '', '', mac, '" + "0" * 64 + "' "
         "FROM audit_event WHERE seq = 2")
    [(forged_id,)] = _sql(seeded, "SELECT id FROM audit_event WHERE seq = 3")
    broken = run(seeded, "audit", "verify", env=SUPER)
    assert (broken.exit_code, broken.stderr) == (1, (
        f"Audit chain of outlet CLI001 is BROKEN at event 3 (row id {forged_id}): its content does not match its "
        "seal and the event after it does not point at it (an event was inserted or replaced)\n"))


def test_audit_verify_names_an_edited_event(seeded: Path) -> None:
    [(edited_id,)] = _sql(seeded, "SELECT id FROM audit_event WHERE seq = 2")
    _sql(seeded, "UPDATE audit_event SET action = 'nothing_to_see' WHERE seq = 2")
    broken = run(seeded, "audit", "verify", env=SUPER)
    assert (broken.exit_code, broken.stderr) == (1, (
        f"Audit chain of outlet CLI001 is BROKEN at event 2 (row id {edited_id}): its content does not match its "
        "seal (the row was edited)\n"))


# -- demo: training outlets only ---------------------------------------------------------------------------


def test_demo_refuses_an_outlet_that_is_not_a_training_outlet(tmp_path: Path) -> None:
    real = tmp_path / "outlet.toml"
    real.write_text(OUTLET.replace("training = true", "training = false"))
    refused = run(real, "demo")
    assert (refused.exit_code, refused.stderr) == (2, (
        f"Outlet CLI001 is not a training outlet ({real} does not set [outlet] training = true): training data, "
        "with operators whose passwords are published, is only for a training outlet. Nothing was written.\n"))
    assert not (tmp_path / "data").exists()


def test_two_training_outlets_share_one_database(seeded: Path, tmp_path: Path) -> None:
    database = seeded.parent / "data" / "outlet.db"
    other = tmp_path / "trn2" / "outlet.toml"
    other.parent.mkdir()
    other.write_text(OUTLET.replace('"CLI001"', '"CLI002"') + f'\n[database]\nurl = "sqlite:///{database}"\n')
    refused = run(other, "demo")  # every desk of one database needs the data key its personal data is sealed with
    assert refused.exit_code == 2 and "data key file" in refused.output
    (other.parent / "data").mkdir(exist_ok=True)
    shutil.copy2(seeded.parent / "data" / "data.key", other.parent / "data" / "data.key")
    second = run(other, "demo")
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("Training data seeded: 200 persons;")
    [(persons, cards)] = _sql(seeded, "SELECT (SELECT count(*) FROM person), (SELECT count(DISTINCT card_number) "
                                      "FROM card WHERE outlet_code = 'CLI002')")
    assert persons == 400 and cards > 200
    for outlet_config in (seeded, other):
        assert run(outlet_config, "audit", "verify", env=SUPER).exit_code == 0


# -- operators: the role rule -------------------------------------------------------------------------------

SUPERVISOR = {"OUTLET_DESK_PASSWORD": "training-super1", "OUTLET_DESK_NEW_PASSWORD": "taken over at night"}
REFUSED = ("The supervisor role may not manage administrator accounts: only an administrator creates administrator "
           "and supervisor accounts or changes, unlocks or deactivates them; the supervisor role manages clerk, "
           "hotline agent, auditor accounts.\n")


def test_a_supervisor_cannot_create_an_admin(seeded: Path) -> None:
    refused = run(seeded, "operator", "add", "boss2", "--role", "admin", "--name", "Boss", "--as", "super1",
                  env=SUPERVISOR)
    assert (refused.exit_code, refused.stderr) == (2, REFUSED)
    assert "boss2" not in run(seeded, "operator", "list", env=SUPER).stdout


def test_a_supervisor_cannot_change_an_admins_password(seeded: Path) -> None:
    refused = run(seeded, "operator", "passwd", "admin", "--as", "super1", env=SUPERVISOR)
    assert (refused.exit_code, refused.stderr) == (2, REFUSED)
    still = run(seeded, "operator", "unlock", "clerk1", "--as", "admin", env={"OUTLET_DESK_PASSWORD": "training-admin"})
    assert still.exit_code == 0, still.output


def test_a_supervisor_adds_a_clerk(seeded: Path) -> None:
    added = run(seeded, "operator", "add", "clerk9", "--role", "clerk", "--name", "Clerk", "--as", "super1",
                env=SUPERVISOR)
    assert (added.exit_code, added.stdout) == (0, "Operator clerk9 (clerk) added at outlet CLI001.\n")


# -- a database that cannot be opened ------------------------------------------------------------------------


def test_an_unreachable_postgresql_server_is_one_message(tmp_path: Path) -> None:
    cfg = tmp_path / "outlet.toml"
    cfg.write_text(OUTLET + '\n[database]\nurl = "postgresql+psycopg://desk:s3cret@127.0.0.1:1/outlet"\n')
    cfg.chmod(0o600)  # a settings file holding the password is its owner's alone (config/secrets.py)
    unreachable = (
        "The database postgresql+psycopg://desk:***@127.0.0.1:1/outlet cannot be opened: connection failed: "
        'connection to server at "127.0.0.1", port 1 failed: Connection refused. Check [database] url in '
        f"{cfg}, and that the database server is running and this machine can reach it.\n"
    )
    for command in (["db", "upgrade"], ["person", "find", "王"], ["audit", "verify"], ["demo"], ["operator", "list"]):
        result = run(cfg, *command)
        assert (result.exit_code, result.stderr, result.stdout) == (2, unreachable, ""), command
        assert "s3cret" not in result.output


def test_a_sqlite_file_in_a_folder_that_cannot_be_made_is_one_message(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    database = tmp_path / "a-file" / "db" / "outlet.db"
    cfg = tmp_path / "outlet.toml"
    cfg.write_text(OUTLET + f'\n[database]\nurl = "sqlite:///{database}"\n')
    for command in (["db", "upgrade"], ["person", "find", "王"]):
        result = run(cfg, *command)
        assert (result.exit_code, result.stderr) == (2, (
            f"The database sqlite:///{database} cannot be opened: the folder {database.parent} cannot be created "
            f"(Not a directory). Check [database] url in {cfg}, and that the database server is running and "
            "this machine can reach it.\n")), command


# -- person find: a mistyped number is a number ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("11010519491231002", "Citizen ID number has 17 characters; it must have 18."),
        ("1101051949123100211", "Citizen ID number has 19 characters; it must have 18."),
        ("11010519491231002B", "Citizen ID number has a character that is not allowed: 'B' at position 18."),
    ],
)
def test_person_find_refuses_a_mistyped_number(config: Path, query: str, message: str) -> None:
    result = run(config, "person", "find", query)
    assert (result.exit_code, result.stderr, result.stdout) == (2, message + "\n", "")


def test_person_find_names_the_card_status_in_the_outlets_language(seeded: Path) -> None:
    """The table is for a person: a suspended card reads "temporarily reported lost" (in Chinese on a
    Chinese outlet), not the code word "suspended"; --json keeps the code word for programs."""
    [(card,)] = _sql(seeded, "SELECT card_number FROM card WHERE status = 'suspended' LIMIT 1")
    found = run(seeded, "person", "find", str(card), env={"COLUMNS": "200", **CLERK})
    assert found.exit_code == 0 and "temporarily reported lost" in found.stdout, found.output
    assert "suspended" not in found.stdout
    chinese = seeded.read_text().replace('language = "en"', 'language = "zh_CN"')
    seeded.write_text(chinese)
    found = run(seeded, "person", "find", str(card), env={"COLUMNS": "200", **CLERK})
    assert found.exit_code == 0 and "临时挂失" in found.stdout, found.output
    as_json = run(seeded, "person", "find", str(card), "--json", env=CLERK)
    assert [p["card_status"] for p in json.loads(as_json.stdout)] == ["suspended"]


def test_operator_list_speaks_the_outlets_language(seeded: Path) -> None:
    """Roles and yes/no in the outlet's language; the role's code word (what --role takes) beside it."""
    seeded.write_text(seeded.read_text().replace('language = "en"', 'language = "zh_CN"'))
    listing = run(seeded, "operator", "list", env={"COLUMNS": "200", **SUPER})
    assert listing.exit_code == 0, listing.output
    row = next(line for line in listing.stdout.splitlines() if "clerk1" in line)
    assert "柜员 (clerk)" in row and "是" in row and "yes" not in row, row


def test_person_find_by_card_number(seeded: Path) -> None:
    [(card, name)] = _sql(seeded, "SELECT card.card_number, person.name FROM card JOIN person "
                                  "ON person.id = card.person_id WHERE card.status = 'active' LIMIT 1")
    found = run(seeded, "person", "find", str(card).lower(), "--json", env=CLERK)
    assert found.exit_code == 0, found.output
    assert [p["name"] for p in json.loads(found.stdout)] == [name]


# -- reading commands sign in (issue 13 item 3) ---------------------------------------------------------------

READING_COMMANDS = [
    ["person", "find", "王"],
    ["operator", "list"],
    ["report", "daily"],
    ["audit", "verify"],
    ["audit", "verify", "--since-checkpoint"],
    ["receipt", "verify", "AAAAA-BBBBB"],
    ["card", "emulate", "--citizen", "11010519491231002X"],  # writes a record to a card: no name without sign-in
    ["db", "rotate-data-key"],
]
NO_SIGN_IN = ("Sign in first: --as USER (your password is asked on the terminal), or set $OUTLET_DESK_USER and "
              "$OUTLET_DESK_PASSWORD when no one is at a terminal.\n")


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
def test_a_reading_command_without_a_terminal_or_the_variables_is_one_message(seeded: Path,
                                                                              command: list[str]) -> None:
    [(events,)] = _sql(seeded, "SELECT count(*) FROM audit_event")
    refused = run(seeded, *command)
    assert (refused.exit_code, refused.stderr, refused.stdout) == (2, NO_SIGN_IN, "")
    assert _sql(seeded, "SELECT count(*) FROM audit_event") == [(events,)]  # nothing read, nothing recorded


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
def test_as_user_without_a_password_and_without_a_terminal_is_one_message(seeded: Path,
                                                                          command: list[str]) -> None:
    refused = run(seeded, *command, "--as", "super1")
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr == ("No terminal to ask super1's password on: set $OUTLET_DESK_PASSWORD (a password is "
                              "never given on the command line).\n")


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
def test_a_wrong_password_is_refused(seeded: Path, command: list[str]) -> None:
    refused = run(seeded, *command, env=signed_in("super1", "not the password"))
    assert (refused.exit_code, refused.stderr, refused.stdout) == (2, "Wrong user name or password.\n", "")


def test_as_wins_over_the_user_variable(seeded: Path) -> None:
    found = run(seeded, "person", "find", "王", "--as", "clerk1",
                env={"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": "training-clerk1"})
    assert found.exit_code == 0, found.output


@pytest.mark.parametrize(("command", "who", "role_words"), [
    (["person", "find", "王"], ADMIN, "The administrator role may not open a card holder's record."),
    (["audit", "verify"], CLERK, "The clerk role may not verify the audit log."),
    (["report", "daily"], CLERK, "The clerk role may not view reports."),
    (["operator", "list"], CLERK, "The clerk role may not manage operators."),
    (["db", "rotate-data-key"], CLERK, "The clerk role may not rotate the data key."),
    (["card", "emulate", "--citizen", "11010519491231002X"], ADMIN,
     "The administrator role may not open a card holder's record."),
], ids=["person find", "audit verify", "report daily", "operator list", "db rotate-data-key", "card emulate"])
def test_a_role_that_may_not_read_it_is_refused(seeded: Path, command: list[str], who: dict[str, str],
                                                role_words: str) -> None:
    refused = run(seeded, *command, env=who)
    assert (refused.exit_code, refused.stderr, refused.stdout) == (2, role_words + "\n", "")


@pytest.mark.parametrize("who", ["super1", "admin"])
def test_rotating_the_data_key_is_signed_in_and_audited(seeded: Path, who: str) -> None:
    key = seeded.parent / "data" / "data.key"
    old = key.read_text()
    rotated = run(seeded, "db", "rotate-data-key", env=signed_in(who))
    assert rotated.exit_code == 0, rotated.output
    assert key.read_text() != old and (seeded.parent / "data" / "data.key.old").read_text() == old
    [(by, entity)] = _sql(seeded, "SELECT operator.username, entity FROM audit_event JOIN operator ON operator.id = "
                                  "audit_event.operator_id WHERE action = 'data_key_rotated'")
    assert (by, entity) == (who, "data_key")
    assert run(seeded, "audit", "verify", env=SUPER).exit_code == 0  # the chain goes on under the new key


def test_card_emulate_of_an_unknown_number_is_refused_after_sign_in_and_audited(seeded: Path) -> None:
    """Who is a card holder is personal data too: only a signed-in operator learns it, and the read is kept."""
    refused = run(seeded, "card", "emulate", "--citizen", "11010519491231002X", env=CLERK)
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert "No card holder with citizen number 11010519491231002X" in refused.stderr
    [(by, after)] = _sql(seeded, "SELECT operator.username, after FROM audit_event JOIN operator ON operator.id = "
                                 "audit_event.operator_id WHERE action = 'personal_data_read' "
                                 "ORDER BY seq DESC LIMIT 1")
    assert by == "clerk1" and json.loads(str(after)) == {"kind": "card_emulation", "found": 0}


def test_a_checkpoint_is_recorded_by_the_operator_who_verified(seeded: Path) -> None:
    verified = run(seeded, "audit", "verify", env=SUPER)
    assert verified.exit_code == 0, verified.output
    [(who,)] = _sql(seeded, "SELECT operator.username FROM audit_checkpoint JOIN operator "
                            "ON operator.id = audit_checkpoint.operator_id ORDER BY audit_checkpoint.id DESC LIMIT 1")
    assert who == "super1"


def test_a_search_is_audited_by_its_kind_not_its_text(seeded: Path) -> None:
    (number,) = first_stored(seeded, select(Person.citizen_number).order_by(col(Person.id)))
    for query in (number, "王"):
        assert run(seeded, "person", "find", query, env=CLERK).exit_code == 0
    rows = _sql(seeded, "SELECT operator.username, audit_event.after FROM audit_event JOIN operator ON "
                        "operator.id = audit_event.operator_id WHERE action = 'personal_data_read' ORDER BY seq")
    assert [(user, json.loads(str(after))["kind"]) for user, after in rows] == [
        ("clerk1", "citizen_number"), ("clerk1", "name")]
    assert json.loads(str(rows[0][1]))["found"] == 1
    assert not any(number in str(after) or "王" in str(after) for _user, after in rows)


# -- operators belong to outlets (issue 13 item 6) ----------------------------------------------------------------


def _second_outlet(seeded: Path, tmp_path: Path, training: bool = False) -> Path:
    """A desk of outlet CLI002 on the seeded outlet's database (its own data folder, the same audit key file)."""
    database = seeded.parent / "data" / "outlet.db"
    other = tmp_path / "cli2" / "outlet.toml"
    (other.parent / "data").mkdir(parents=True, mode=0o700)
    shutil.copy2(seeded.parent / "data" / "audit.key", other.parent / "data" / "audit.key")
    shutil.copy2(seeded.parent / "data" / "data.key", other.parent / "data" / "data.key")
    text = OUTLET.replace('"CLI001"', '"CLI002"').replace("training = true", f"training = {str(training).lower()}")
    other.write_text(text + f'\n[database]\nurl = "sqlite:///{database}"\n')
    return other


def test_another_outlets_desk_refuses_an_operator_with_the_reason(seeded: Path, tmp_path: Path) -> None:
    other = _second_outlet(seeded, tmp_path)
    refused = run(other, "audit", "verify", env=SUPER)
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr == ("super1 belongs to outlet CLI001, not to this desk's outlet CLI002; sign in at a desk "
                              "of your own outlet.\n")
    assert run(seeded, "audit", "verify", env=SUPER).exit_code == 0


def test_operator_add_takes_the_outlet(seeded: Path, tmp_path: Path) -> None:
    other = _second_outlet(seeded, tmp_path)
    assert run(other, "db", "upgrade").exit_code == 0
    run(other, "report", "daily", env=ADMIN)  # the second desk registers its outlet when it first opens
    new = {**ADMIN, "OUTLET_DESK_NEW_PASSWORD": "a long enough password"}
    refused = run(seeded, "operator", "add", "clerk8", "--role", "clerk", "--name", "Clerk", "--outlet", "CLI002",
                  env=new)
    assert (refused.exit_code, refused.stderr) == (
        2, "You may bind an account only to your own outlets (CLI001), not to CLI002.\n")
    two = run(seeded, "operator", "add", "clerk8", "--role", "clerk", "--name", "Clerk", "--outlet", "CLI001",
              "--outlet", "CLI002", env=new)
    assert (two.exit_code, two.stderr) == (
        2, "A clerk belongs to one outlet, not to CLI001, CLI002; only an administrator may be bound to several.\n")
    unknown = run(seeded, "operator", "add", "clerk8", "--role", "clerk", "--name", "Clerk", "--outlet", "NOPE01",
                  env=new)
    assert unknown.exit_code == 2 and "There is no outlet NOPE01 in this database" in unknown.stderr
    added = run(seeded, "operator", "add", "clerk8", "--role", "clerk", "--name", "Clerk", env=new)
    assert (added.exit_code, added.stdout) == (0, "Operator clerk8 (clerk) added at outlet CLI001.\n")
    listing = run(seeded, "operator", "list", env={"COLUMNS": "200", **ADMIN})
    row = next(line for line in listing.stdout.splitlines() if "clerk8" in line)
    assert "CLI001" in row


def test_audit_verify_with_key_checks_a_chain_whose_key_id_and_head_seal_were_edited(config: Path) -> None:
    """The key id in audit_head replaced: the right key is not refused, the verification names the edit.
    With the head's seal removed too the configured key is refused at start (the store names another key),
    but ``audit verify --key FILE`` checks with the given key and names the edit."""
    boss = first_admin(config)
    assert run(config, "audit", "verify", env=boss).exit_code == 0
    _sql(config, "UPDATE audit_head SET key_id = '0123456789abcdef'")
    named = run(config, "audit", "verify", env=boss)
    assert named.exit_code == 1 and 'names the key id "0123456789abcdef"' in named.stderr, named.output
    _sql(config, "UPDATE audit_head SET seal = ''")
    assert run(config, "audit", "verify", env=boss).exit_code == 2
    key_file = config.parent / "data" / "audit.key"
    checked = run(config, "audit", "verify", "--key", str(key_file), env=boss)
    assert checked.exit_code == 1, checked.output
    assert "(audit_head: last event" in checked.stderr and "has no seal: it was removed by hand" in checked.stderr


def test_receipt_verify_names_a_forged_field_and_receipt_print_writes_a_copy(seeded: Path) -> None:
    """The receipt row is not believed: a fee edited in SQL is named (exit 1); a copy is printed from the
    sealed record while the receipt verifies."""
    from outlet_desk.config import load_settings
    from outlet_desk.services.bootstrap import open_desk
    from tests.services.test_receipts import _receipt

    desk = open_desk(load_settings(seeded))
    receipt = _receipt(desk)
    desk.engine.dispose()
    ok = run(seeded, "receipt", "verify", receipt.code, env=CLERK)
    assert ok.exit_code == 0 and receipt.card_number in ok.stdout, ok.output
    printed = run(seeded, "receipt", "print", receipt.code, env=CLERK)
    assert printed.exit_code == 0 and f"Copy of receipt {receipt.code} written" in printed.stdout, printed.output
    [copy] = (seeded.parent / "data" / "receipts").glob(f"*{receipt.code}-copy-*.txt")
    assert copy.read_text(encoding="utf-8").startswith("COPY, printed again from the sealed audit record")
    _sql(seeded, f"UPDATE receipt SET fee_fen = 500 WHERE code = '{receipt.code}'")
    forged = run(seeded, "receipt", "verify", receipt.code, env=CLERK)
    assert forged.exit_code == 1
    assert "fee: the receipt says 5.00 yuan, the sealed record 0.00 yuan" in forged.stderr, forged.output
    refused = run(seeded, "receipt", "print", receipt.code, env=CLERK)
    assert refused.exit_code == 1  # and no second copy was written
    assert len(list((seeded.parent / "data" / "receipts").glob("*-copy-*.pdf"))) == 1
