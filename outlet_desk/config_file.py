"""Which outlet.toml the desk uses, and its language read ahead of the checked settings.

Light on purpose (no pydantic, no SQLAlchemy): the desk puts its sign-in screen up in the outlet's
language first and loads the settings stack and the store behind it (``outlet_desk/launch.py``).
The settings themselves are checked, with one message per problem, by :mod:`outlet_desk.config`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from outlet_desk.i18n import LANGUAGES, Language

ENV_VAR = "OUTLET_DESK_CONFIG"
"""Environment variable naming the settings file when no path is given."""

DEFAULT_LANGUAGE: Language = "zh_CN"


class ConfigError(Exception):
    """The settings file cannot be used; ``message`` says which file, which key and what is allowed."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def default_config_path() -> Path:
    """The embedded default: the package's ``outlet.toml`` (a symlink to the repository root's copy),
    resolved, so its data folder is the repository root's ``data/``."""
    return (Path(__file__).parent / "outlet.toml").resolve()


def settings_file(path: Path | None) -> tuple[Path, bool]:
    """The settings file to read: ``path``, else ``$OUTLET_DESK_CONFIG``, else the embedded default;
    and whether the environment variable named it."""
    if path is not None:
        return path, False
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser(), True
    return default_config_path(), False


def peek_language(path: Path | None) -> Language | None:
    """``[outlet] language`` of the settings file, or None when the file cannot be read as TOML (the full
    check then says why). An unknown language reads as the default; the full check refuses it."""
    try:
        data = tomllib.loads(settings_file(path)[0].read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    outlet = data.get("outlet")
    language = outlet.get("language") if isinstance(outlet, dict) else None
    return language if language in LANGUAGES else DEFAULT_LANGUAGE
