"""outlet.toml -> Settings: the example file, defaults, path resolution, and one message per kind of error."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from outlet_desk import config
from outlet_desk.config import (
    ConfigError,
    Settings,
    load_settings,
    parse_settings,
)
from outlet_desk.config_file import default_config_path
from outlet_desk.i18n import current_language, set_language

REPO_ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """\
[outlet]
code = "TST01"
name = "Test outlet"
division_code = "330106"
"""


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages below are the English source strings."""
    before = current_language()
    set_language("en")
    yield
    set_language(before)


Write = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write a settings file into the test's folder and return its path."""

    def _write(text: str, name: str = "outlet.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.exit_code == 2
    assert str(caught.value) == caught.value.message
    return caught.value.message


def test_example_outlet_is_a_training_outlet_in_chinese() -> None:
    settings = load_settings(REPO_ROOT / "outlet.toml")
    assert settings.outlet.training is True
    assert settings.outlet.language == "zh_CN"
    assert settings.outlet.code == "TRN001"
    # The training reader is vpcd's virtual reader behind the real pcscd: `outlet-desk card emulate` inserts cards.
    assert (settings.reader.mode, settings.reader.reader_name) == ("pcsc", "Virtual PCD")
    assert settings.issuer_key_path() == REPO_ROOT / "data" / "issuer-test.key"
    assert settings.loss.temporary_days == 7
    assert settings.fees.reissue_fen.amount("lost") == 2000
    assert settings.collection.retention_days == 180
    for text in (
        settings.rules.card_functions,
        settings.rules.application_conditions,
        settings.rules.term_of_use,
        settings.rules.loss_and_reissue,
        settings.rules.rights_and_obligations,
        settings.rules.retained_card,
    ):
        assert text and text == text.strip()
    assert "12333" in settings.rules.loss_and_reissue
    assert "123456" in settings.rules.rights_and_obligations


def test_embedded_default_is_the_repo_root_file_through_a_relative_symlink(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = Path(config.__file__).parent.parent / "outlet.toml"  # the config package sits in outlet_desk/
    assert link.is_symlink()
    assert str(link.readlink()) == "../outlet.toml"
    assert default_config_path() == (REPO_ROOT / "outlet.toml").resolve()
    monkeypatch.delenv("OUTLET_DESK_CONFIG", raising=False)
    settings = load_settings()
    assert settings.config_path == default_config_path()
    assert settings.data_dir() == REPO_ROOT.resolve() / "data"


def test_minimal_file_gets_the_defaults(write: Write, tmp_path: Path) -> None:
    settings = load_settings(write(MINIMAL))
    assert settings.outlet.timezone == "Asia/Shanghai"
    assert settings.outlet.language == "zh_CN"
    assert settings.outlet.training is False
    assert settings.database.url is None
    assert settings.database.busy_timeout_ms == 5000
    assert settings.reader.mode == "pcsc"
    assert settings.reader.reader_name == "*"
    assert settings.reader.read_timeout_seconds == 3.0
    assert settings.loss.temporary_days == 7
    assert settings.loss.on_lapse == "active"
    assert settings.loss.withdraw_same_outlet_only is False
    assert [settings.fees.reissue_fen.amount(r) for r in ("lost", "damaged", "expired", "info_change")] == [2000] * 4
    assert settings.fees.free_reasons == ("expired",)
    assert settings.fees.payment_methods == ("cash", "wechat", "alipay", "bank_card")
    assert settings.collection.proxy_allowed == ("apply_reissue", "collect_card")
    assert settings.collection.retention_days == 180
    assert settings.collection.pin_tries == 3
    assert settings.reissue.production_mode == "factory"
    assert settings.reissue.due_days_factory == 20
    assert settings.reissue.due_days_instant == 0
    assert settings.reissue.expiry_exchange_days_before == 60
    assert settings.identity.document_types == ("resident_id_card",)
    assert settings.security.lockout_attempts == 5
    assert settings.security.lockout_minutes == 15
    assert settings.security.idle_lock_seconds == 300
    assert settings.security.locked_logout_minutes == 15
    assert settings.security.max_session_hours == 12
    assert settings.security.dual_control == ("waive_fee",)
    assert settings.receipts.print_command is None
    assert settings.rules.card_functions == ""
    # Paths default to the data folder beside the file.
    assert settings.base_dir == tmp_path
    assert settings.database_url() == f"sqlite:///{tmp_path}/data/outlet.db"
    assert settings.audit_key_path() == tmp_path / "data" / "audit.key"
    assert settings.issuer_key_path() == tmp_path / "data" / "issuer.key"
    assert settings.receipts_dir() == tmp_path / "data" / "receipts"
    assert settings.reports_dir() == tmp_path / "data" / "reports"


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "etc" / "desk"
    folder.mkdir(parents=True)
    path = folder / "counter.toml"
    path.write_text(
        MINIMAL
        + """
[database]
url = "sqlite:///db/desk.sqlite"
[reader]
issuer_key_file = "keys/issuer.key"
[audit]
key_file = "/srv/keys/audit.key"
[receipts]
folder = "out/receipts"
print_command = "lp -d 'counter 1'"
[reports]
folder = "out/reports"
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # the working folder must not matter
    settings = load_settings(Path("etc/desk/counter.toml"))
    assert settings.config_path == folder / "counter.toml"
    assert settings.base_dir == folder
    assert settings.database_url() == f"sqlite:///{folder}/db/desk.sqlite"
    assert settings.issuer_key_path() == folder / "keys" / "issuer.key"
    assert settings.audit_key_path() == Path("/srv/keys/audit.key")
    assert settings.receipts_dir() == folder / "out" / "receipts"
    assert settings.reports_dir() == folder / "out" / "reports"
    assert settings.receipts.print_argv(Path("/r/1.pdf")) == ["lp", "-d", "counter 1", "/r/1.pdf"]


def test_postgresql_url_is_kept_as_written(write: Write) -> None:
    url = "postgresql+psycopg://desk:secret@db.example:5432/outlet"
    path = write(MINIMAL + f'[database]\nurl = "{url}"\n')
    path.chmod(0o600)  # it holds the password: its owner's alone (config/secrets.py)
    settings = load_settings(path)
    assert settings.database_url() == url


def test_the_reports_standby_is_a_postgresql_url_with_the_databases_password(
        write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    standby = "postgresql+psycopg://desk@standby.example:5432/outlet"
    monkeypatch.setenv("OUTLET_DESK_DATABASE_PASSWORD", "secret")
    settings = load_settings(write(MINIMAL + f'[database]\nreport_url = "{standby}"\n'))
    assert settings.report_database_url() == "postgresql+psycopg://desk:secret@standby.example:5432/outlet"
    assert load_settings(write(MINIMAL)).report_database_url() is None
    message = _error(write(MINIMAL + '[database]\nreport_url = "sqlite:///data/copy.db"\n'))
    assert "report_url" in message and "must be a PostgreSQL hot standby" in message


def test_environment_variable_names_the_file(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(MINIMAL, name="from-env.toml")
    monkeypatch.setenv("OUTLET_DESK_CONFIG", str(path))
    settings = load_settings()
    assert settings.outlet.code == "TST01"
    assert settings.config_path == path


def test_reader_name_is_a_glob_or_a_piece_of_the_name(write: Write) -> None:
    settings = load_settings(write(MINIMAL + '[reader]\nreader_name = "acr122"\n'))
    assert settings.reader.matches("ACS ACR122U PICC Interface 00 00")
    assert not settings.reader.matches("Virtual PCD 00 00")
    globbed = parse_settings(MINIMAL + '[reader]\nreader_name = "Virtual*"\n', Path("o.toml"))
    assert globbed.reader.matches("Virtual PCD 00 00")
    assert not globbed.reader.matches("ACS ACR122U")


def test_every_setting_has_a_description() -> None:
    def walk(model: type[BaseModel]) -> Iterator[tuple[str, str | None]]:
        for name, field in model.model_fields.items():
            yield f"{model.__name__}.{name}", field.description
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
                yield from walk(field.annotation)

    undocumented = [name for name, description in walk(Settings) if not description]
    assert undocumented == []


# One test per kind of error: the whole message, naming the file, the key and what is allowed.


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    assert _error(path) == f"{path} not found"


def test_missing_file_named_by_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nowhere.toml"
    monkeypatch.setenv("OUTLET_DESK_CONFIG", str(path))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.message == (
        f"{path} not found (named by OUTLET_DESK_CONFIG); set OUTLET_DESK_CONFIG to an existing outlet.toml"
    )


def test_toml_syntax_error_gives_line_and_column(write: Write) -> None:
    path = write(MINIMAL + "[loss]\ntemporary_days = = 7\n")
    assert _error(path) == f"{path}, line 6, column 18: Invalid value"


def test_unknown_key(write: Write) -> None:
    path = write(MINIMAL + "[security]\nlockot_attempts = 3\n")
    assert _error(path) == (
        f"{path}: [security] lockot_attempts is not a known setting; known: lockout_attempts, "
        "lockout_minutes, idle_lock_seconds, locked_logout_minutes, max_session_hours, dual_control"
    )


def test_wrong_type(write: Write) -> None:
    path = write(MINIMAL + '[loss]\ntemporary_days = "seven"\n')
    assert _error(path) == f"{path}: [loss] temporary_days must be a whole number, got 'seven'"


def test_out_of_range(write: Write) -> None:
    path = write(MINIMAL + "[security]\nlockout_attempts = 0\n")
    assert _error(path) == f"{path}: [security] lockout_attempts = 0 is out of range: allowed 1 to 20"


def test_bad_enum_value(write: Write) -> None:
    path = write(MINIMAL + '[loss]\non_lapse = "never"\n')
    assert _error(path) == f"{path}: [loss] on_lapse = 'never' is not allowed; allowed: 'active', 'escalate'"


def test_bad_timezone(write: Write) -> None:
    path = write(MINIMAL + 'timezone = "Asia/Shangai"\n')
    assert _error(path) == (
        f"{path}: [outlet] timezone = 'Asia/Shangai' is not a known IANA time zone; "
        "allowed: a name such as 'Asia/Shanghai'"
    )


def test_bad_division_code(write: Write) -> None:
    path = write(MINIMAL.replace('"330106"', '"33010"'))
    assert _error(path) == (
        f"{path}: [outlet] division_code = '33010' is not allowed: it must be exactly 6 digits, e.g. '110105'"
    )


def test_a_number_with_a_decimal_point_is_shown_as_written(write: Write) -> None:
    path = write(MINIMAL + "[loss]\ntemporary_days = 7.0\n")
    assert _error(path) == f"{path}: [loss] temporary_days must be a whole number, got 7.0"


# The exit code a script or an operator sees: the real process, every kind of error.

ENGLISH = MINIMAL + 'language = "en"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "{path} not found"),
        (ENGLISH + "[loss]\ntemporary_days = = 7\n", "{path}, line 7, column 18: Invalid value"),
        (ENGLISH + "[security]\nlockot_attempts = 3\n",
         "{path}: [security] lockot_attempts is not a known setting; known: lockout_attempts, lockout_minutes, "
         "idle_lock_seconds, locked_logout_minutes, max_session_hours, dual_control"),
        (ENGLISH + "[loss]\ntemporary_days = 7.5\n", "{path}: [loss] temporary_days must be a whole number, got 7.5"),
        (ENGLISH + "[security]\nlockout_attempts = 0\n",
         "{path}: [security] lockout_attempts = 0 is out of range: allowed 1 to 20"),
        (ENGLISH + '[loss]\non_lapse = "never"\n',
         "{path}: [loss] on_lapse = 'never' is not allowed; allowed: 'active', 'escalate'"),
    ],
    ids=["missing file", "TOML syntax", "unknown key", "wrong type", "out of range", "not allowed"],
)
def test_every_kind_of_error_ends_the_command_with_exit_code_2_and_one_message(
    tmp_path: Path, text: str | None, message: str
) -> None:
    path = tmp_path / "outlet.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "outlet_desk", "--config", str(path), "db", "upgrade"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (2, message.format(path=path) + "\n", "")
    assert not (tmp_path / "data").exists()


def test_a_chinese_outlets_settings_error_is_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "outlet.toml"
    path.write_text(MINIMAL + 'language = "zh_CN"\n[loss]\ntemporary_days = 7.0\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "outlet_desk", "--config", str(path), "person", "find", "王"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert (done.returncode, done.stderr) == (2, f"{path}：[loss] temporary_days 必须是整数，实际为 7.0\n")


def test_every_reissue_reason_has_its_fee_in_the_table() -> None:
    """The fee table has one field per reason of the vocabulary (the field is named by the reason's code), so a
    reason added to domain/fees.py without its fee fails here, not at a counter."""
    from outlet_desk.config.schema import ReissueFees
    from outlet_desk.domain.fees import ReissueReason

    fees = ReissueFees(lost=1, damaged=2, expired=3, info_change=4)
    assert set(ReissueFees.model_fields) == {reason.value for reason in ReissueReason}
    assert [fees.amount(reason) for reason in ReissueReason] == [1, 2, 3, 4]
