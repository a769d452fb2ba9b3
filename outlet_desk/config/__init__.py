"""``outlet.toml`` -> typed, frozen settings, with errors a person can act on.

The package by job: :mod:`~outlet_desk.config.schema` (the sections), :mod:`~outlet_desk.config.settings`
(the whole file and its paths), :mod:`~outlet_desk.config.loading` (reading and checking a file) and
:mod:`~outlet_desk.config.messages` (the one message for a bad file). The settings, their loading and
:class:`ConfigError` are importable from here; a section's model from :mod:`~outlet_desk.config.schema`.

Every regional figure (loss periods, fees, retention, PIN tries, who may act by proxy...) is a setting
here, with the common case as its default, so a file that holds only an ``[outlet]`` table works.
Each section is a pydantic model; the docstring under each field is its description (and the
reference for ``outlet.toml``).

Where the file lives matters: relative paths in it (the database, keys, receipts, reports) resolve
against the folder of the file. The loader binds the file's location to the settings it returns, as a
private attribute read through :attr:`Settings.config_path` and :attr:`Settings.base_dir`; a
:class:`Settings` built directly in code is unbound and resolves against the current working folder
until :meth:`Settings.bound_to` gives it a location. The path helpers (:meth:`Settings.database_url`,
:meth:`Settings.data_dir`, ...) only compute paths; they never create folders.

A bad file raises :class:`ConfigError` with exactly one message: the first problem, naming the file,
the ``[section] key`` and what is allowed. The messages go through ``_()`` when they are raised.
"""

from __future__ import annotations

from outlet_desk.config.loading import load_settings, parse_settings
from outlet_desk.config.settings import Settings
from outlet_desk.config_file import ConfigError  # raised here, defined light for the launcher

__all__ = ["ConfigError", "Settings", "load_settings", "parse_settings"]
