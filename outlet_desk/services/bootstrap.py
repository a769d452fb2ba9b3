"""Opening the desk: the data folder, the store (migrated), the audit key, the outlet's own row; and
starting it (:func:`start_desk`: settings, store, training data, lapsed temporary losses, receipts a
crash cut off)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from outlet_desk.config import Settings, load_settings
from outlet_desk.db.engine import make_engine
from outlet_desk.db.migrate import HEAD_SEALS, older_than, upgrade
from outlet_desk.db.sealing import bind_cipher
from outlet_desk.db.tables import Outlet
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.i18n import set_language
from outlet_desk.reader.issuer_auth import TRAINING_ISSUER_KEY, write_issuer_key
from outlet_desk.services import desk_log
from outlet_desk.services.audit import check_key_matches, load_or_create_key, sealed_events
from outlet_desk.services.audit.keys import read_key
from outlet_desk.services.audit.store import seal_heads_from_before_seals
from outlet_desk.services.context import Desk
from outlet_desk.services.data_key import bind_data_key
from outlet_desk.services.store_access import prepare_sqlite_files, reaching_store
from outlet_desk.services.uow import UnitOfWork


def open_desk(settings: Settings, *, migrate: bool = True, verifying: bool = False,
              verify_with: Path | None = None) -> Desk:
    """Everything a service needs, ready: created and migrated on first run. A database that cannot be
    opened is refused as :class:`StoreUnreachable`; a missing audit key of an outlet that already has
    sealed events as :class:`AuditKeyMissing`, a key file that is not the one the outlet's chain is
    sealed with as :class:`AuditKeyNotThisOutlets`, both before anything is written (migrations
    included).

    ``verifying``: a desk that only verifies (``audit verify``, ``receipt verify``): an outlet with events
    is not brought up to date, so nothing is sealed. ``verify_with`` (``--key FILE``): verify with that key
    file instead, read, never created, and not matched against the key id the store names, which may be the
    edit being looked for. (The configured key is matched, but a key id edited in a sealed head does not
    refuse it.)"""
    set_language(settings.outlet.language)
    desk_log.configure(settings.data_dir())
    url = settings.database_url()
    with reaching_store(url, settings.config_path):
        prepare_sqlite_files(url)
        engine = make_engine(url, settings.database.busy_timeout_ms)
        sealed = sealed_events(engine, settings.outlet.code)
    key_path = settings.audit_key_path()
    if verify_with is not None:
        key = read_key(verify_with)
    else:
        key = load_or_create_key(key_path, outlet_code=settings.outlet.code, sealed_events=sealed.events)
        check_key_matches(key, key_path, settings.outlet.code, sealed)
    desk = Desk(settings=settings, engine=engine, audit_key=key)
    with reaching_store(url, settings.config_path):
        cipher = bind_data_key(settings, engine)  # before the migrations: 0009 seals the rows of an older store
        if migrate:
            before_head_seals = older_than(engine, HEAD_SEALS)
            upgrade(engine)
            if before_head_seals and verify_with is None:  # the configured key, matched with the store above
                seal_heads_from_before_seals(engine, key)
        if not (verifying or verify_with):
            ensure_outlet(desk)
        elif verify_with is None and sealed.events == 0:
            ensure_outlet(desk, register_only=True)  # a new outlet's first event, nothing else
    if settings.outlet.training:
        ensure_training_issuer_key(settings.issuer_key_path())
    report_url = settings.report_database_url()
    if report_url is not None:  # connected when a report first reads it
        desk.report_engine = make_engine(report_url)
        bind_cipher(desk.report_engine, cipher)
    return desk


def ensure_outlet(desk: Desk, *, register_only: bool = False) -> None:
    """Register this outlet (first run) or bring its name up to date with outlet.toml (audited; with
    ``register_only`` a registered outlet is left as it is)."""
    o = desk.settings.outlet
    with Session(desk.engine) as s:
        row = s.get(Outlet, o.code)
        if row is not None and (register_only or (row.name, row.division_code) == (o.name, o.division_code)):
            return
    with UnitOfWork(desk, None) as uow:
        row = uow.session.get(Outlet, o.code)
        before = None if row is None else {"name": row.name, "division_code": row.division_code}
        if row is None:
            row = Outlet(code=o.code, name=o.name, division_code=o.division_code)
            uow.session.add(row)
        else:
            row.name, row.division_code = o.name, o.division_code
        uow.session.flush()
        uow.audit(AuditAction.OUTLET_REGISTERED if before is None else AuditAction.OUTLET_UPDATED, "outlet", o.code,
                  before=before, after={"name": o.name, "division_code": o.division_code})
        uow.commit()


def ensure_training_issuer_key(path: Path) -> None:
    """A training outlet holds the issuer's published test key (the virtual cards accept it); a real
    outlet's key comes from the issuer and is never made here."""
    if not path.exists():
        write_issuer_key(path, TRAINING_ISSUER_KEY)


@dataclass(frozen=True)
class StartedDesk:
    """A desk ready for its first operator."""

    desk: Desk
    sign_in_hint: str
    """A training outlet's operators and passwords for the sign-in screen; empty on a real outlet."""
    seeded: bool
    """The training data was created just now (first start of a training outlet)."""
    lapsed: int
    """Temporary loss reports that lapsed while the desk was closed (each audited)."""
    receipts: str = ""
    """What became of receipts a crash cut off (written again), for the desk to say; empty if none."""
    exposed: tuple[str, ...] = ()
    """The desk's files and folders that others may read, one warning line each (with the chmod to run)."""


def start_desk(config: Path | None) -> StartedDesk:
    """Everything that precedes the first sign-in, in order: the settings checked (``ConfigError``), the
    store opened and migrated, a training outlet's demo data seeded once, lapsed temporary losses swept,
    the receipt files of use cases that committed just before a crash written again.
    The desk app runs this behind its sign-in screen; nothing here talks to the operator."""
    from outlet_desk.services import demo, loss
    from outlet_desk.services.file_modes import exposed_files
    from outlet_desk.services.receipt_recovery import rewrite_pending_receipts

    settings = load_settings(config)
    desk = open_desk(settings)
    seeded = settings.outlet.training and not demo.already_seeded(desk)
    if seeded:
        demo.seed_training_outlet(desk)
    hint = demo.sign_in_hint() if settings.outlet.training else ""
    recovered = rewrite_pending_receipts(desk)
    return StartedDesk(desk, hint, seeded, len(loss.sweep_lapsed(desk)), receipts=recovered.message(),
                       exposed=tuple(exposed_files(settings)))
