"""The witness: an append-only file outside the database (``[audit] witness_file``, beside the key by
default) that remembers every checkpoint recorded, one sealed line each.

Someone with the database file alone can delete the newest events, the checkpoints, even the whole chain;
with the key as well they can seal a shorter chain again. Neither reaches this file: each line holds the
checkpoint (outlet, event number, that event's MAC, when, how, the checkpoint's own seal), the hash of the
line before it, and an HMAC of all that with the outlet's key. The verification compares the database with
the newest line of its outlet: a chain that ends before the event the witness remembers, an event there
with another MAC (the store rolled back, or the chain rewritten), or a witnessed checkpoint no longer in
the database is a broken chain. The short fingerprint of the newest line (a hash that covers every line
before it) is printed on the day-close report, so a paper copy pins the file too.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from outlet_desk.i18n import _
from outlet_desk.private_files import private_folder
from outlet_desk.services.audit.seal import Checkpoint, canonical_json, mac_hex
from outlet_desk.services.errors import AuditKeyProblem


class WitnessUnreadable(AuditKeyProblem):
    """The witness file cannot be read or written (a folder, no permission, a full disk)."""

    code = "audit_witness"

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(_("The audit witness file {path} cannot be used: {reason}. Check [audit] witness_file "
                           "and that its folder can be written.").format(path=path, reason=error.strerror or error))


@dataclass(frozen=True)
class WitnessLine:
    """One remembered checkpoint of an outlet and where it sits in the file (1-based ``line``)."""

    line: int
    outlet_code: str
    seq: int
    mac: str
    verified_at: str
    how: str
    checkpoint_seal: str
    fingerprint: str


@dataclass(frozen=True)
class Witnessed:
    """What the witness file says about one outlet: its lines (oldest first) and the first problem found
    in the file itself ("" if none)."""

    lines: tuple[WitnessLine, ...]
    problem: str = ""

    @property
    def newest(self) -> WitnessLine | None:
        return self.lines[-1] if self.lines else None


def fingerprint(line: str) -> str:
    """The short fingerprint of a witness line, as printed: 16 hex digits in groups of four."""
    digest = hashlib.sha256(line.encode("utf-8")).hexdigest()[:16].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def _line_digest(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _body(cp: Checkpoint, prev: str) -> list[object]:
    return ["audit_witness", cp.outlet_code, cp.seq, cp.mac, cp.verified_at.isoformat(timespec="microseconds"),
            cp.how, cp.seal, prev]


def append_checkpoint(path: Path, key: bytes, cp: Checkpoint) -> str:
    """Append ``cp`` to the witness file (created with mode 0600), under an exclusive lock so that two desks
    never both follow the same line; return the new line's fingerprint."""
    try:
        private_folder(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as error:
        raise WitnessUnreadable(path, error) from error
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            last = ""
            for raw in fh:
                if raw.strip():
                    last = raw.rstrip("\n")
            body = _body(cp, _line_digest(last) if last else "")
            line = canonical_json({"line": body, "seal": mac_hex(key, canonical_json(body).encode("utf-8"))})
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        except OSError as error:
            raise WitnessUnreadable(path, error) from error
    return fingerprint(line)


def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8") as fh:
            yield from (raw.rstrip("\n") for raw in fh if raw.strip())
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as error:
        raise WitnessUnreadable(path, error if isinstance(error, OSError) else OSError(str(error))) from error


def read_witness(path: Path, key: bytes, outlet_code: str) -> Witnessed:
    """The outlet's lines of the witness file, each checked: it follows the line before it (any outlet's)
    and, for this outlet, matches its seal. A file that does not exist holds nothing yet."""
    found: list[WitnessLine] = []
    prev = ""
    for number, text in enumerate(_lines(path), start=1):
        try:
            parsed = json.loads(text)
            body, seal = parsed["line"], str(parsed["seal"])
            _tag, outlet, seq, mac, at, how, cp_seal, follows = body
        except (ValueError, KeyError, TypeError):
            return Witnessed(tuple(found), _("line {n} of the witness file {path} is damaged (edited?)").format(
                n=number, path=path))
        if follows != (_line_digest(prev) if prev else ""):
            return Witnessed(tuple(found), _(
                "line {n} of the witness file {path} does not follow the line before it (lines removed or "
                "edited)").format(n=number, path=path))
        prev = text
        if outlet != outlet_code:
            continue
        if not hmac.compare_digest(mac_hex(key, canonical_json(body).encode("utf-8")), seal):
            return Witnessed(tuple(found), _(
                "line {n} of the witness file {path} does not match its seal (edited, or not this outlet's "
                "key)").format(n=number, path=path))
        found.append(WitnessLine(number, outlet, int(seq), str(mac), str(at), str(how), str(cp_seal),
                                 fingerprint(text)))
    return Witnessed(tuple(found))


def witnessed_at(line: WitnessLine) -> datetime:
    return datetime.fromisoformat(line.verified_at)
