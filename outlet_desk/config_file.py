"""Which outlet.toml the desk uses, and its language read ahead of the checked settings.

Light on purpose (no pydantic, no SQLAlchemy): the desk puts its sign-in screen up in the outlet's
language first and loads the settings stack and the store behind it (``outlet_desk/launch.py``).
The settings themselves are checked, with one message per problem, by :mod:`outlet_desk.config`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs

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


APP_NAME = "outlet-desk"
"""The folder name of an installed desk's settings and data in the platform's user folders (platformdirs)."""


def _package_example() -> Path:
    return Path(__file__).parent / "outlet.toml"


def in_source_tree() -> bool:
    """Whether the desk runs from a clone of the repository: there the package's ``outlet.toml`` is the link
    to the repository root's copy; an installed package (``pip install .``) holds a copy of the file."""
    return _package_example().is_symlink()


def embedded_example() -> Path:
    """The embedded example, the training outlet (resolved: in a clone, the repository root's file)."""
    return _package_example().resolve()


def platform_config_path() -> Path:
    """An installed desk's own settings file: ``outlet.toml`` in the user's config folder (on Linux
    ``$XDG_CONFIG_HOME/outlet-desk``, by default ``~/.config/outlet-desk``)."""
    return platformdirs.user_config_path(APP_NAME) / "outlet.toml"


def platform_data_dir() -> Path:
    """An installed desk's data folder: the user's data folder (on Linux ``$XDG_DATA_HOME/outlet-desk``, by
    default ``~/.local/share/outlet-desk``), which ``pip uninstall`` and an upgrade leave alone."""
    return platformdirs.user_data_path(APP_NAME)


def default_config_path() -> Path:
    """The settings file without ``--config`` or ``$OUTLET_DESK_CONFIG``: in a clone the embedded example
    (its data folder the repository root's ``data/``), else the installed desk's own file
    (:func:`platform_config_path`, written from the example on first run by :mod:`outlet_desk.config.first_run`)."""
    return embedded_example() if in_source_tree() else platform_config_path()


def data_folder_of(config_path: Path) -> Path:
    """The data folder of the settings file ``config_path`` (the log, the default database and keys): the
    platform's data folder for an installed desk's own file, else ``data/`` beside the file. The one rule."""
    path = config_path.expanduser().absolute()
    if path == platform_config_path().absolute():
        return platform_data_dir()
    return path.parent / "data"


def settings_file(path: Path | None) -> tuple[Path, bool]:
    """The settings file to read: ``path``, else ``$OUTLET_DESK_CONFIG``, else :func:`default_config_path`;
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
