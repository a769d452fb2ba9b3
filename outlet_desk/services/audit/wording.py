"""What a verification found (:class:`ChainReport`) and the sentences a supervisor reads about it: where
the chain is broken and why, in words, with times in the outlet's zone.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from outlet_desk.domain.times import local_time
from outlet_desk.i18n import _, ngettext
from outlet_desk.services.audit.seal import Checkpoint, Link


def when_text(at: datetime, tz: tzinfo | None) -> str:
    if tz is None:
        return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return local_time(at, tz)


@dataclass(frozen=True)
class ChainReport:
    """What a verification found. ``since`` is the checkpoint it started from (None: a full verification
    from event 1); ``events_checked`` counts the events recomputed (those after ``since``);
    ``last_seq``/``last_mac`` are where the verified chain ends (the outlet's head)."""

    outlet_code: str
    events_checked: int
    intact: bool
    broken_seq: int | None = None
    broken_event_id: int | None = None
    problem: str = ""
    last_seq: int = 0
    last_mac: str = ""
    since: Checkpoint | None = None
    last_full: Checkpoint | None = None
    """With ``since``: the newest full verification's checkpoint (``since`` itself when it is full)."""
    broken_checkpoint: Checkpoint | None = None
    recorded: Checkpoint | None = None
    """The checkpoint recorded after this verification, if the caller allowed it."""
    witness_fingerprint: str = ""
    """The fingerprint of the witness file's line that remembers ``recorded`` ("" if none was written)."""

    @property
    def full(self) -> bool:
        return self.since is None

    def message(self, tz: tzinfo | None = None) -> str:
        """One sentence for a supervisor; times in ``tz`` (the outlet's zone), else UTC."""
        if not self.intact and self.broken_checkpoint is not None:
            cp = self.broken_checkpoint
            return _(
                "Audit chain of outlet {outlet} is BROKEN at checkpoint {id} (event {seq}, verified {when}): "
                "{problem}"
            ).format(outlet=self.outlet_code, id=cp.id, seq=cp.seq, when=when_text(cp.verified_at, tz),
                     problem=self.problem)
        if not self.intact and self.broken_event_id is None:  # the head, the witness, or no event at all
            return _("Audit chain of outlet {outlet} is BROKEN at event {seq}: {problem}").format(
                outlet=self.outlet_code, seq=self.broken_seq, problem=self.problem)
        if not self.intact:
            return _("Audit chain of outlet {outlet} is BROKEN at event {seq} (row id {id}): {problem}").format(
                outlet=self.outlet_code, seq=self.broken_seq, id=self.broken_event_id, problem=self.problem
            )
        if self.since is None:
            return ngettext("Audit chain of outlet {outlet} is intact: {n} event verified.",
                            "Audit chain of outlet {outlet} is intact: {n} events verified.",
                            self.events_checked).format(outlet=self.outlet_code, n=f"{self.events_checked:,}")
        if self.since.full:
            return _(
                "Audit chain of outlet {outlet} is intact: {n} new events verified since the full verification "
                "of {when} ({before} events before it: count and last seal unchanged)."
            ).format(outlet=self.outlet_code, n=f"{self.events_checked:,}", when=when_text(self.since.verified_at, tz),
                     before=f"{self.since.seq:,}")
        full = when_text(self.last_full.verified_at, tz) if self.last_full is not None else _("never")
        return _(
            "Audit chain of outlet {outlet} is intact: {n} new events verified since the quick verification "
            "of {when} ({before} events before it: count and last seal unchanged; last full verification: "
            "{full})."
        ).format(outlet=self.outlet_code, n=f"{self.events_checked:,}", when=when_text(self.since.verified_at, tz),
                 before=f"{self.since.seq:,}", full=full)


def seal_problem(key: bytes, link: Link, following: Link | None, *, first: bool) -> str:
    """Why ``link`` does not match its seal, in words. An edited row breaks its own seal only; an
    inserted or replaced one also breaks the link from the event after it; a wrong key breaks every seal.
    So when the event after it fails too, or the very first event checked fails with nothing after it to
    tell, the key may be the wrong one (a desk of the outlet with a key file of its own, or a key file
    copied from another outlet)."""
    if following is not None and following.prev_mac != link.mac:
        return _("its content does not match its seal and the event after it does not point at it (an event was "
                 "inserted or replaced)")
    following_fails = following is not None and not hmac.compare_digest(
        hmac.digest(key, following.message, "sha256").hex(), following.mac)
    if first and (following is None or following_fails):
        return _("no event checked matches its seal, from the first one on: most likely the audit key file is "
                 "not this outlet's key (every desk of an outlet needs the same key file: copy it from the "
                 "first desk or restore it from backup); if the key is right, the rows were edited")
    if following_fails:
        assert following is not None
        return _("events {seq} and {next} do not match their seals: from here on the events were probably "
                 "sealed with another audit key (a desk of this outlet with a key file of its own), or several "
                 "rows were edited").format(seq=link.seq, next=following.seq)
    return _("its content does not match its seal (the row was edited)")
