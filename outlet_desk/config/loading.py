"""Loading ``outlet.toml``: the file found (:func:`outlet_desk.config_file.settings_file`), read as UTF-8,
parsed as TOML and checked against :class:`~outlet_desk.config.settings.Settings`, then bound to its
location. A bad file raises :class:`ConfigError` with exactly one message, the first problem
(:mod:`outlet_desk.config.messages` words it).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from outlet_desk.config.first_run import ensure_platform_config
from outlet_desk.config.messages import error_message, toml_message
from outlet_desk.config.secrets import check_password_in_settings
from outlet_desk.config.settings import Settings
from outlet_desk.config_file import ENV_VAR, ConfigError, settings_file
from outlet_desk.i18n import _


def load_settings(path: Path | None = None) -> Settings:
    """Load and check the settings file ``path``; without one, ``$OUTLET_DESK_CONFIG`` if set, else
    the embedded default. Raises :class:`ConfigError` with one message for the first problem."""
    path, from_env = settings_file(path)
    if not from_env:
        ensure_platform_config(path)  # an installed desk's first run: its own file, from the example
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if from_env:
            raise ConfigError(
                _("{file} not found (named by {var}); set {var} to an existing outlet.toml").format(
                    file=path, var=ENV_VAR
                )
            ) from None
        raise ConfigError(_("{file} not found").format(file=path)) from None
    except IsADirectoryError:
        raise ConfigError(_("{file} is a folder; allowed: the path of an outlet.toml file").format(file=path)) from None
    except OSError as exc:
        raise ConfigError(_("{file} cannot be read: {reason}").format(file=path, reason=exc.strerror or exc)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            _("{file}, line {line}: this is not UTF-8 text; save the file as UTF-8").format(file=path, line=line)
        ) from None
    settings = parse_settings(text, path)
    check_password_in_settings(settings.database.url, settings.database.password_file, settings.config_path)
    check_password_in_settings(settings.database.report_url, settings.database.password_file, settings.config_path,
                               "report_url")
    settings.database_url()  # a password file that cannot be used is refused now, with the settings
    return settings


def parse_settings(text: str, path: Path) -> Settings:
    """Check the TOML ``text`` of the settings file ``path`` (named in messages; its folder is
    ``base_dir``). Of several problems, an unknown key is reported first (a misspelt key also makes
    the real one look missing), then the first in the order of the sections and keys."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(toml_message(exc, text, path)) from None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        raise ConfigError(error_message(errors[0], path)) from None
    return settings.bound_to(path)
