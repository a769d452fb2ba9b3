"""``outlet-desk db`` (migrations, the data key) and ``outlet-desk backup`` / ``restore``: the store as a
whole, for the outlet's technician and its supervisor (mounted by ``cli.py``; the shared plumbing is
:mod:`outlet_desk.cli_support`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from outlet_desk.cli_support import (
    DEFERRED,
    AsJson,
    AsUser,
    authenticated,
    credentials,
    err,
    out,
    print_json,
    progress_shown,
    refusals,
    sign_in,
    signed_in,
    state_of,
)
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _

db_app = typer.Typer(help=DEFERRED["db"].help, add_completion=False)


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the migrations it would apply; change nothing.")]
    = False,
    as_json: AsJson = False,
) -> None:
    """Apply the database migrations (also done automatically at start)."""
    from outlet_desk.db.engine import make_engine
    from outlet_desk.db.migrate import HEAD_SEALS, current_revision, older_than, pending, upgrade
    from outlet_desk.services.audit.keys import read_key
    from outlet_desk.services.audit.store import seal_heads_from_before_seals
    from outlet_desk.services.data_key import bind_data_key
    from outlet_desk.services.store_access import prepare_sqlite_files, reaching_store, sqlite_file_missing

    settings = state_of(ctx).settings()
    url = settings.database_url()
    if dry_run:
        with refusals(), reaching_store(url, settings.config_path):
            engine = None if sqlite_file_missing(url) else make_engine(url, settings.database.busy_timeout_ms)
            steps = pending(engine)
            revision = current_revision(engine) if engine is not None else None
        if as_json:
            print_json(_upgrade_json(revision, steps, dry_run=True))
            return
        if not steps:
            out.print(_("Database already at revision {rev}; nothing to apply.").format(rev=revision))
        for step, description in steps:
            out.print(f"{step}  {description}")
        return
    with refusals(), reaching_store(url, settings.config_path):
        prepare_sqlite_files(url)
        engine = make_engine(url, settings.database.busy_timeout_ms)
        bind_data_key(settings, engine)  # the migration that seals personal data needs it
        before = current_revision(engine)
        steps = pending(engine)
        before_head_seals = older_than(engine, HEAD_SEALS)
        applied = upgrade(engine)
        if before_head_seals and settings.audit_key_path().exists():  # no key file: no event was ever sealed
            seal_heads_from_before_seals(engine, read_key(settings.audit_key_path()))
        revision = current_revision(engine)
    if as_json:
        print_json(_upgrade_json(revision, steps if applied else [], dry_run=False, before=before))
        return
    out.print(
        (_("Database upgraded to revision {rev}.") if applied else _("Database already at revision {rev}.")).format(
            rev=revision
        )
    )


def _upgrade_json(revision: str | None, steps: list[tuple[str, str]], *, dry_run: bool,
                  before: str | None = None) -> dict[str, Any]:
    """What ``db upgrade [--dry-run] --json`` prints (docs/json/db-upgrade.schema.json): the revision the
    database is at (after the upgrade; null: no database yet), the desk's newest, and the migrations applied
    (or, with --dry-run, that it would apply)."""
    from outlet_desk.db.migrate import HEAD_REVISION

    return {"dry_run": dry_run, "revision": revision, "revision_before": revision if dry_run else before,
            "head": HEAD_REVISION, "migrations": [{"revision": rev, "description": text} for rev, text in steps]}


@db_app.command("rotate-data-key")
def db_rotate_data_key(ctx: typer.Context, as_user: AsUser = None) -> None:
    """Seal all personal data again under a new data key (every desk of the database stopped first). Signed
    in as a supervisor or an administrator; the rotation is an audit event."""
    from outlet_desk.services.key_rotation import rotate_data_key

    desk = state_of(ctx).desk()  # the store at the newest revision, the current data key checked
    actor = sign_in(desk, as_user, Action.ROTATE_DATA_KEY)
    with refusals():
        done = rotate_data_key(desk, actor)
    out.print(_("Data key rotated: {n} personal values sealed again with key {new} (they were sealed with key "
                "{old}). The old key file is kept as {file}: keep it with the backups made before today (they "
                "need it), and copy the new key file to every desk of this database.").format(
                    n=f"{done.values:,}", new=done.new_key, old=done.old_key, file=done.old_file))


def backup_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The new backup file (never an existing one).")],
    as_user: AsUser = None,
) -> None:
    """Back up the store into FILE (SQLite's online backup, or pg_dump), while the counters work; the copy
    is checked (integrity, database revision, audit chain) before it is kept. Mode 0600."""
    from outlet_desk.services.backup import back_up

    desk, actor = signed_in(ctx, as_user, Action.BACK_UP_STORE)
    with refusals(), progress_shown(err) as progress:
        done = back_up(desk, actor, file, progress)
    out.print(done.message())


def restore_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file made by outlet-desk backup.")],
    as_user: AsUser = None,
) -> None:
    """Restore FILE into the outlet's store, which must be empty (stop the desks first); the outlet's audit
    key file must be in place. Checked like a backup; you sign in as an operator of the restored store."""
    from outlet_desk.services.backup import restore

    settings = state_of(ctx).settings()
    username, password = credentials(as_user)
    with refusals(), progress_shown(err) as progress:
        done = restore(settings, file, progress, lambda desk: authenticated(desk, username, password))
    out.print(done.message())
