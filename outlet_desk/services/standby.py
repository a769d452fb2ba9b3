"""Reports read from a PostgreSQL hot standby (``[database] report_url``): the city and province reports read
there, so a city's reports do not load the database its counters write to, and each report says how far
behind the standby was when it was made: the write-ahead log the primary had written and the standby had not
yet replayed, in bytes, and how old the standby's newest replayed transaction was (0 when it had replayed
everything it received).

The standby's copy of an outlet's chain may be behind the witness file the outlet keeps, so a report read there
verifies no chain: every outlet's chain is shown at its newest checkpoint, as for another outlet's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from outlet_desk.i18n import _
from outlet_desk.services.context import Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.store_access import masked_url

_ON_THE_STANDBY = text(
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
    "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) END")
_ON_THE_PRIMARY = text("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), CAST(:replayed AS pg_lsn))")


class StandbyUnusable(ServiceError):
    """The standby named by ``[database] report_url`` cannot be read, or is not a standby."""

    code = "standby_unusable"


@dataclass(frozen=True)
class StandbyLag:
    """How far behind the primary the standby a report read was, measured just before it read."""

    bytes_behind: int
    seconds_behind: float
    measured_at: datetime

    def words(self) -> str:
        if self.bytes_behind == 0:
            return _("Read from the standby, which had replayed everything the primary had written ({at}).").format(
                at=f"{self.measured_at:%Y-%m-%d %H:%M:%S}")
        return _("Read from the standby, {n} bytes of the primary's log ({s:.1f} s) behind it at {at}: the newest "
                 "work may be missing.").format(n=f"{self.bytes_behind:,}", s=self.seconds_behind,
                                                at=f"{self.measured_at:%Y-%m-%d %H:%M:%S}")


def standby_lag(desk: Desk) -> StandbyLag | None:
    """How far behind the standby is now (None: the reports read the database itself)."""
    if desk.report_engine is None:
        return None
    url = desk.report_engine.url.render_as_string(hide_password=False)
    try:
        with desk.report_engine.connect() as conn:
            in_recovery, replayed, seconds = conn.execute(_ON_THE_STANDBY).one()
    except OperationalError as error:
        raise StandbyUnusable(_("The standby {url} ([database] report_url) cannot be read: {reason}.").format(
            url=masked_url(url), reason=str(error.orig).strip().splitlines()[0] if error.orig else error)) from None
    if not in_recovery or replayed is None:
        raise StandbyUnusable(_("The database {url} ([database] report_url) is not a hot standby: reports read it "
                                "only as a standby of this desk's database.").format(url=masked_url(url)))
    with desk.engine.connect() as conn:
        behind = conn.execute(_ON_THE_PRIMARY, {"replayed": replayed}).scalar_one()
    return StandbyLag(max(0, int(behind)), float(seconds), desk.now().astimezone(desk.tz))


def reading_desk(desk: Desk) -> Desk:
    """The desk as a report reads it: on the standby when one is set."""
    return desk if desk.report_engine is None else replace(desk, engine=desk.report_engine)
