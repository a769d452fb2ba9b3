"""The database server's password: from ``$OUTLET_DESK_DATABASE_PASSWORD``, else from ``[database]
password_file``, else from ``[database] url`` itself. One rule for every file holding it: only its owner
may read it (mode 0600), or the desk refuses to start, naming the file, its mode and the fix.

Why a refusal and not a warning for a password inside ``outlet.toml``: the settings file is usually
readable by every local user (0644), and a warning at start is read once and then scrolls away while the
password stays readable; the refusal names the two ways out (the variable, or a 0600 password file),
and an ``outlet.toml`` that its owner alone can read may keep the password in the URL.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from outlet_desk.config_file import ConfigError
from outlet_desk.i18n import _

PASSWORD_VAR = "OUTLET_DESK_DATABASE_PASSWORD"


def database_password(password_file: Path | None) -> str | None:
    """The password to connect with (``password_file``: ``[database] password_file`` resolved), or
    ``None`` to use what the URL holds (if anything). A password file that is missing, a folder, empty
    or readable by others raises :class:`ConfigError`."""
    from_env = os.environ.get(PASSWORD_VAR)
    if from_env:
        return from_env
    if password_file is None:
        return None
    path = password_file
    _require_private(path, _("[database] password_file"))
    try:
        password = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(_("{file} ([database] password_file) cannot be read: {reason}").format(
            file=path, reason=getattr(error, "strerror", None) or error)) from None
    if not password:
        raise ConfigError(_("{file} ([database] password_file) is empty; write the database password in it.").format(
            file=path))
    return password


def check_password_in_settings(url: str | None, password_file: Path | None, config_path: Path,
                               key: str = "url") -> None:
    """Refuse a password written in ``[database] url`` (or ``key``: ``report_url``) of the settings file
    ``config_path`` when others may read that file (unless the variable or a password file supplies the
    password instead)."""
    if url is None or make_url(url).password is None:
        return
    if os.environ.get(PASSWORD_VAR) or password_file is not None:
        return
    _require_private(config_path, _("[database] {key} holds the password, so this file").format(key=key))


def _require_private(path: Path, what: str) -> None:
    try:
        info = path.stat()
    except OSError as error:
        raise ConfigError(_("{file} ({what}) cannot be read: {reason}").format(
            file=path, what=what, reason=error.strerror or error)) from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(_("{file} ({what}) is not a file.").format(file=path, what=what))
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise ConfigError(_(
            "{file} ({what}) can be read by other users (mode {mode}), and it holds the database password: run "
            "chmod 600 {file}, or give the password in ${var} or a [database] password_file of mode 0600."
        ).format(file=path, what=what, mode=f"{mode:04o}", var=PASSWORD_VAR))
