"""``outlet-desk where``: which settings file this desk reads, why that one, and where it keeps everything
it writes (the data folder, the database, the keys, the witness, receipts, reports and logs). Mounted by
``cli.py``; the rule for the installed desk's folders is :mod:`outlet_desk.config_file`."""

from __future__ import annotations

import os
from enum import StrEnum

import typer

from outlet_desk.cli_support import AsJson, out, print_json, state_of
from outlet_desk.config_file import ENV_VAR, in_source_tree
from outlet_desk.i18n import N_, _


class ChosenBy(StrEnum):
    """Why the desk reads the settings file it reads (the JSON's ``chosen_by``)."""

    OPTION = "option"
    ENVIRONMENT = "environment"
    CLONE = "clone"
    INSTALLED = "installed"


CHOSEN_WORDS = {
    ChosenBy.OPTION: N_("named by --config"),
    ChosenBy.ENVIRONMENT: N_("named by $OUTLET_DESK_CONFIG"),
    ChosenBy.CLONE: N_("the training outlet of this clone"),
    ChosenBy.INSTALLED: N_("this installed desk's own file in the user's config folder"),
}


def _chosen_by(option_given: bool) -> ChosenBy:
    if option_given:
        return ChosenBy.OPTION
    if os.environ.get(ENV_VAR, "").strip():
        return ChosenBy.ENVIRONMENT
    return ChosenBy.CLONE if in_source_tree() else ChosenBy.INSTALLED


def where_cmd(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Where this desk's settings and data are: the settings file (and why that one), the data folder, the
    database, the keys, the audit witness, receipts, reports and the logs. Opens no database."""
    from outlet_desk.services.desk_log import LOG_FILE
    from outlet_desk.services.failures import LOG_NAME
    from outlet_desk.services.store_access import shown_database

    state = state_of(ctx)
    settings = state.settings()  # an installed desk's first run writes its outlet.toml here
    chosen = _chosen_by(state.config is not None)
    data = settings.data_dir()
    places = {
        "settings_file": str(settings.config_path),
        "chosen_by": chosen.value,
        "data_folder": str(data),
        "database": shown_database(settings.database_url()),
        "data_key": str(settings.data_key_path()),
        "audit_key": str(settings.audit_key_path()),
        "audit_witness": str(settings.audit_witness_path()),
        "issuer_key": str(settings.issuer_key_path()),
        "receipts": str(settings.receipts_dir()),
        "reports": str(settings.reports_dir()),
        "log": str(data / LOG_FILE),
        "error_log": str(data / LOG_NAME),
    }
    if as_json:
        print_json(places)
        return
    labels = {
        "settings_file": _("Settings file"), "data_folder": _("Data folder"), "database": _("Database"),
        "data_key": _("Data key"), "audit_key": _("Audit key"), "audit_witness": _("Audit witness"),
        "issuer_key": _("Issuer key"), "receipts": _("Receipts"), "reports": _("Reports"), "log": _("Log"),
        "error_log": _("Error log"),
    }
    why = _(CHOSEN_WORDS[chosen])
    for key, label in labels.items():
        out.print(f"{label}: {places[key]}", markup=False)  # a path is data, never markup
        if key == "settings_file":
            out.print(f"  ({why})", markup=False)
