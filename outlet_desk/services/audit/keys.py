"""The outlet's audit key: read or created (mode 0600) only while the outlet has no sealed event, and
refused when it is not the key the outlet's chain is sealed with (its id in ``audit_head``).
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from outlet_desk.db.tables import AuditHead
from outlet_desk.i18n import _, ngettext
from outlet_desk.private_files import create_private
from outlet_desk.services.audit.seal import Head, key_id
from outlet_desk.services.errors import AuditKeyProblem


class AuditKeyMissing(AuditKeyProblem):
    """The outlet already has sealed audit events but this desk has no key file: a new key would seal
    every later event with another key and break the chain, so the desk does not open (nothing written)."""

    code = "audit_key_missing"

    def __init__(self, path: Path, outlet_code: str, sealed: int) -> None:
        super().__init__(ngettext(
            "The audit key file {path} is missing, and outlet {outlet} already has {n} sealed audit event in "
            "its database. Copy the key file from the first desk of this outlet (or restore it from backup) "
            "to {path}, then start again. Nothing was written.",
            "The audit key file {path} is missing, and outlet {outlet} already has {n} sealed audit events in "
            "its database. Copy the key file from the first desk of this outlet (or restore it from backup) "
            "to {path}, then start again. Nothing was written.",
            sealed,
        ).format(path=path, outlet=outlet_code, n=f"{sealed:,}"))
        self.path = path
        self.sealed_events = sealed


class AuditKeyNotThisOutlets(AuditKeyProblem):
    """The desk's key file is not the key the outlet's chain is sealed with (a key file made by a desk that
    started at the same moment as the first one, or copied from another outlet): refused before anything
    is sealed with it."""

    code = "audit_key_not_this_outlets"

    def __init__(self, path: Path | None, outlet_code: str, sealed: int) -> None:
        self.path = path
        if path is None:  # found at a write: another desk's key sealed the chain first
            super().__init__(_(
                "This desk's audit key is not the key outlet {outlet}'s audit chain is sealed with: another desk "
                "of the outlet sealed its first event with a key file of its own. Nothing was saved. Copy that "
                "desk's key file to this desk's [audit] key_file, then start this desk again."
            ).format(outlet=outlet_code))
            return
        super().__init__(ngettext(
            "The audit key file {path} is not the key outlet {outlet}'s audit chain is sealed with ({n} event). "
            "Every desk of an outlet needs the same key file: copy it from the first desk of this outlet (or "
            "restore it from backup) to {path}, then start again. Nothing was written.",
            "The audit key file {path} is not the key outlet {outlet}'s audit chain is sealed with ({n} events). "
            "Every desk of an outlet needs the same key file: copy it from the first desk of this outlet (or "
            "restore it from backup) to {path}, then start again. Nothing was written.",
            sealed,
        ).format(path=path, outlet=outlet_code, n=f"{sealed:,}"))


class AuditHeadEdited(AuditKeyProblem):
    """The outlet's ``audit_head`` does not match its seal under this desk's key (it was set back, or its key
    id changed, by hand): nothing is sealed onto it, since a new event would seal the edited head again and
    hide the edit."""

    code = "audit_head_edited"

    def __init__(self, outlet_code: str) -> None:
        super().__init__(_(
            "The record of outlet {outlet}'s last audit event (audit_head) does not match its seal: it was edited "
            "outside the desk. Nothing was saved. Run outlet-desk audit verify and tell the administrator; the "
            "store must be restored from a backup that verifies."
        ).format(outlet=outlet_code))


class AuditHeadUnsealed(AuditHeadEdited):
    """The outlet has events but its ``audit_head`` has no seal. Heads are sealed by the event that makes
    them, and a store from before head seals has its heads sealed by the upgrade that brings them
    (``seal_heads_from_before_seals``): the seal was removed by hand, perhaps with the newest events.
    Sealing an event onto it would seal the edited head and hide the edit."""

    code = "audit_head_unsealed"

    def __init__(self, outlet_code: str) -> None:
        AuditKeyProblem.__init__(self, _(
            "The record of outlet {outlet}'s last audit event (audit_head) has no seal: it was removed outside "
            "the desk. Nothing was saved. Run outlet-desk audit verify and tell the administrator; the store must "
            "be restored from a backup that verifies."
        ).format(outlet=outlet_code))


class AuditChainMissing(AuditKeyProblem):
    """The outlet has no audit head, yet the store holds records of its work: its chain was deleted. A new
    chain is not started over that (nothing is saved)."""

    code = "audit_chain_missing"

    def __init__(self, outlet_code: str, rows: int) -> None:
        super().__init__(_(
            "Outlet {outlet} has no audit chain, yet the store holds {n} records of its work: its audit events "
            "were deleted. Nothing was saved. Run outlet-desk audit verify and tell the administrator; the store "
            "must be restored from a backup that verifies."
        ).format(outlet=outlet_code, n=f"{rows:,}"))


@dataclass(frozen=True)
class SealedSoFar:
    """The outlet's chain as a starting desk finds it: how many events, the id of the key that sealed
    them ("" on a store from before key ids, or with no event yet) and the head itself (None: none yet)."""

    events: int
    key_id: str
    head: Head | None = None


def sealed_events(engine: Engine, outlet_code: str) -> SealedSoFar:
    """How many audit events the outlet already has in the store, and under which key (its
    ``audit_head``; nothing on a database that has no audit tables yet). Read before the key is loaded
    and before any migration: a key may be made only for an outlet with no sealed event, and a key with
    another id is refused."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        if not inspector.has_table("audit_head"):
            return SealedSoFar(0, "")
        names = {c["name"] for c in inspector.get_columns("audit_head")}
        t = AuditHead.__table__  # type: ignore[attr-defined]
        columns = [t.c.seq, t.c.mac, *(getattr(t.c, name) for name in ("key_id", "seal") if name in names)]
        row = conn.execute(select(*columns).where(t.c.outlet_code == outlet_code)).first()
    if row is None:
        return SealedSoFar(0, "")
    seq, mac, *rest = row
    head_key_id = str(rest[0]) if "key_id" in names else ""
    seal = str(rest[-1]) if "seal" in names else ""
    return SealedSoFar(int(seq), head_key_id, Head(outlet_code, int(seq), str(mac), head_key_id, seal))


def check_key_matches(key: bytes, path: Path | None, outlet_code: str, sealed: SealedSoFar) -> None:
    """Refuse a key whose id is not the one the outlet's chain was sealed with. A head whose seal shows
    that this key sealed it, but under another key id, had its key id edited: the key is the right one
    (not refused here; the verification names the edit, and no event is sealed onto that head)."""
    if not sealed.key_id or sealed.key_id == key_id(key):
        return
    if sealed.head is not None and sealed.head.seal and sealed.head.sealed_by(key, as_key_id=key_id(key)):
        return
    raise AuditKeyNotThisOutlets(path, outlet_code, sealed.events)


def check_head_before_sealing(key: bytes, head: Head) -> None:
    """Before an event is sealed onto ``head``: the head must be this key's, unedited, and sealed once it
    has events (only a head just made, at event 0, has no seal yet)."""
    if head.seq > 0 and not head.seal:
        raise AuditHeadUnsealed(head.outlet_code)
    this_key = key_id(key)
    if head.key_id and head.key_id != this_key:
        if head.seal and head.sealed_by(key, as_key_id=this_key):
            raise AuditHeadEdited(head.outlet_code)
        # Another desk's key sealed the chain first (both started on an empty store at the same moment).
        raise AuditKeyNotThisOutlets(None, head.outlet_code, head.seq)
    if head.seal and not head.sealed_by(key):
        raise AuditHeadEdited(head.outlet_code)


def load_or_create_key(path: Path, *, outlet_code: str, sealed_events: int) -> bytes:
    """Read the outlet's audit key. It is created (32 random bytes, hex, mode 0600) only while the outlet
    has no sealed event (``sealed_events`` == 0): a new key for an outlet that already has events would
    seal every later event with another key, and the chain would read as broken from then on."""
    if not path.exists():
        if sealed_events > 0:
            raise AuditKeyMissing(path, outlet_code, sealed_events)
        try:
            fd = create_private(path, exclusive=True)
        except FileExistsError:
            pass  # another process created it a moment ago; read theirs
        except OSError as error:
            raise AuditKeyProblem(_("The audit key file {path} cannot be created: {reason}. Check [audit] key_file "
                                    "and that its folder can be written.").format(
                                        path=path, reason=error.strerror or error)) from error
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    return read_key(path)


def read_key(path: Path) -> bytes:
    """Read an audit key file that must exist (``audit verify --key FILE``, or after it was created)."""
    if not path.exists():
        raise AuditKeyProblem(_("The audit key file {path} does not exist.").format(path=path))
    if path.is_dir():
        raise AuditKeyProblem(_("The audit key file {path} is a folder; [audit] key_file must name a file (it is "
                                "created on first run).").format(path=path))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise AuditKeyProblem(
            _("The audit key file {path} can be read by other users (mode {mode}); run: chmod 600 {path}").format(
                path=path, mode=oct(mode)
            )
        )
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise AuditKeyProblem(
            _("The audit key file {path} is damaged (expected at least 32 hex characters).").format(path=path)
        )
    return key
