"""The database password never only in the world-readable settings file: from $OUTLET_DESK_DATABASE_PASSWORD,
or a ``[database] password_file`` of mode 0600; a password in ``[database] url`` of a file others may read,
and a password file others may read, are refused with the reason and the fix (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from outlet_desk.cli import app
from outlet_desk.config import ConfigError, load_settings
from outlet_desk.config.secrets import PASSWORD_VAR
from outlet_desk.i18n import set_language

OUTLET = '[outlet]\ncode = "TST01"\nname = "Test"\ndivision_code = "110105"\nlanguage = "en"\n'
SERVER = "postgresql+psycopg://desk{password}@127.0.0.1:1/outlet"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    set_language("en")
    monkeypatch.delenv(PASSWORD_VAR, raising=False)


def settings_file(tmp_path: Path, database: str, mode: int = 0o644) -> Path:
    path = tmp_path / "outlet.toml"
    path.write_text(OUTLET + "[database]\n" + database)
    path.chmod(mode)
    return path


def test_a_password_in_a_settings_file_others_read_is_refused(tmp_path: Path) -> None:
    config = settings_file(tmp_path, f'url = "{SERVER.format(password=":s3cret")}"\n')
    result = CliRunner().invoke(app, ["--config", str(config), "db", "upgrade"])
    assert result.exit_code == 2
    assert str(config) in result.output and "mode 0644" in result.output and f"chmod 600 {config}" in result.output
    assert PASSWORD_VAR in result.output and "password_file" in result.output
    assert "s3cret" not in result.output


def test_a_password_in_a_settings_file_only_its_owner_reads_is_used(tmp_path: Path) -> None:
    config = settings_file(tmp_path, f'url = "{SERVER.format(password=":s3cret")}"\n', mode=0o600)
    assert make_url(load_settings(config).database_url()).password == "s3cret"


def test_the_password_comes_from_a_private_password_file(tmp_path: Path) -> None:
    secret = tmp_path / "db.password"
    secret.write_text("from the file\n")
    secret.chmod(0o600)
    config = settings_file(tmp_path, f'url = "{SERVER.format(password="")}"\npassword_file = "db.password"\n')
    assert make_url(load_settings(config).database_url()).password == "from the file"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_password_file_others_may_read_is_refused_with_the_reason(tmp_path: Path, mode: int) -> None:
    secret = tmp_path / "db.password"
    secret.write_text("s3cret\n")
    secret.chmod(mode)
    config = settings_file(tmp_path, f'url = "{SERVER.format(password="")}"\npassword_file = "db.password"\n')
    result = CliRunner().invoke(app, ["--config", str(config), "person", "find", "Wang"])
    assert result.exit_code == 2
    assert str(secret) in result.output and f"mode {mode:04o}" in result.output
    assert "can be read by other users" in result.output and f"chmod 600 {secret}" in result.output


def test_a_missing_or_empty_password_file_is_named(tmp_path: Path) -> None:
    config = settings_file(tmp_path, f'url = "{SERVER.format(password="")}"\npassword_file = "db.password"\n')
    with pytest.raises(ConfigError, match=r"db\.password .* cannot be read"):
        load_settings(config)
    (tmp_path / "db.password").touch(mode=0o600)
    with pytest.raises(ConfigError, match=r"db\.password .* is empty"):
        load_settings(config)


def test_the_environment_gives_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_VAR, "from the environment")
    config = settings_file(tmp_path, f'url = "{SERVER.format(password=":in-the-file")}"\n')  # 0644: not used
    assert make_url(load_settings(config).database_url()).password == "from the environment"


def test_the_password_file_reaches_a_real_server(tmp_path: Path, db_url: str) -> None:
    """On PostgreSQL: the desk opens with the password from the file (the test server trusts the user,
    so this shows the URL stays usable); on SQLite the setting is not used."""
    secret = tmp_path / "db.password"
    secret.write_text("s3cret\n")
    secret.chmod(0o600)
    config = settings_file(tmp_path, f'url = "{db_url}"\npassword_file = "db.password"\n')
    result = CliRunner().invoke(app, ["--config", str(config), "db", "upgrade"])
    assert result.exit_code == 0, result.output
