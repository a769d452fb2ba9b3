"""The city report: every outlet of a city side by side for one day (its figures, whether its figures
reconcile, whether its day is closed and how far its audit chain was last verified), with the city's totals.

Read by the city's roles (a city supervisor, a city auditor: :mod:`outlet_desk.domain.outlet_binding`) for
the city of the outlet they are bound to, on the database the city's outlets share. Each outlet's figures
are its daily report's (read for all the city's outlets at once by :func:`outlet_desk.services.report.day_figures`,
one statement per figure, with the same rules as :func:`outlet_desk.services.report.daily_report`), so the
two never disagree.
An outlet's chain is sealed with that outlet's own key, which stays at the outlet: the report shows the
newest checkpoint the outlet recorded (its day close's full verification, most often), and verifies only
the chain of the desk it is run at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from outlet_desk.db.tables import AuditCheckpoint, Outlet
from outlet_desk.domain.divisions import Division, city_name
from outlet_desk.domain.roles import Action, require
from outlet_desk.i18n import _
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.outlet_bindings import city_of
from outlet_desk.services.report import chain_in, check_report_day, day_figures, operator_names
from outlet_desk.services.report_model import ChainResult, DailyReport
from outlet_desk.services.report_queries import snapshot
from outlet_desk.services.standby import StandbyLag, reading_desk, standby_lag


class NoCity(ServiceError):
    code = "no_city"


@dataclass(frozen=True)
class Figures:
    """What the city adds up, per outlet and in total."""

    loss_reports: int = 0
    reissues: int = 0
    collections: int = 0
    fees_taken_fen: int = 0
    fees_waived_fen: int = 0
    uncollected: int = 0
    pending_temporary_losses: int = 0
    disagreements: int = 0

    @classmethod
    def of(cls, report: DailyReport) -> Figures:
        return cls(sum(report.loss_reports.values()), report.reissues_total, sum(report.collections.values()),
                   report.fees_taken_fen, report.fees_waived_fen, report.uncollected_total,
                   report.pending_temporary_losses, len(report.disagreements))

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @classmethod
    def total(cls, many: Iterable[Figures]) -> Figures:
        """The sum of ``many`` (all zero for none)."""
        return sum(many, cls())


FIGURE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Figures))


@dataclass(frozen=True)
class ChainLine:
    """How far an outlet's chain was verified: here and now (this desk's outlet), or at its newest
    checkpoint (another outlet's, as that outlet recorded it)."""

    verified_here: bool
    intact: bool | None
    """This desk's outlet: the verification's answer. Another outlet: None (not verified here)."""
    checkpoint_seq: int | None
    checkpoint_at: datetime | None


@dataclass(frozen=True)
class OutletLine:
    code: str
    name: str
    district: str
    figures: Figures
    closed_at: datetime | None
    chain: ChainLine


@dataclass(frozen=True)
class CityReport:
    city_code: str
    city_name: str
    province_name: str
    day: date
    generated_at: datetime
    outlets: tuple[OutletLine, ...]
    standby: StandbyLag | None = None
    """Read from the hot standby (``[database] report_url``): how far behind it was; None: read the database."""

    @property
    def totals(self) -> Figures:
        return Figures.total(line.figures for line in self.outlets)

    @property
    def problems(self) -> tuple[str, ...]:
        """What the city must look into: outlets whose figures disagree, or whose chain is broken here."""
        found = [_("{code}: {n} figures disagree with the tables").format(code=o.code, n=o.figures.disagreements)
                 for o in self.outlets if o.figures.disagreements]
        found += [_("{code}: the audit chain is broken").format(code=o.code)
                  for o in self.outlets if o.chain.intact is False]
        return tuple(found)


def city_outlets(session: Session, city_code: str) -> list[tuple[str, str, str]]:
    """The outlets of ``city_code`` in this database: (code, name, division code), by code."""
    rows = session.execute(select(col(Outlet.code), col(Outlet.name), col(Outlet.division_code))
                           .where(col(Outlet.division_code).startswith(city_code)).order_by(col(Outlet.code)))
    return [(str(c), str(n), str(d)) for c, n, d in rows]


def city_report(desk: Desk, actor: Actor, day: date | None = None) -> CityReport:
    """The report of ``day`` (default: today at this desk's outlet) for the city of this desk's outlet,
    which the actor's role must be allowed to read."""
    require(actor.role, Action.VIEW_CITY_REPORTS)
    day = check_report_day(day or desk.local_now().date())
    lag = standby_lag(desk)
    return replace(report_of_city(reading_desk(desk), desk_city(desk), day, verify_here=lag is None), standby=lag)


def desk_city(desk: Desk) -> str:
    """The city of this desk's outlet (refused, :class:`NoCity`, for an outlet in no city)."""
    with Session(desk.engine) as s:
        city = city_of(s, desk.outlet_code)
    if city is None:
        raise NoCity(_("Outlet {code} has no division code of a city, so it belongs to no city.").format(
            code=desk.outlet_code))
    return city


def report_of_city(desk: Desk, city: str, day: date, *, verify_here: bool = True) -> CityReport:
    """The city report of ``city`` for ``day`` (checked), read at this desk: the one way a city's outlets are
    counted, for the city report and the province report alike. ``verify_here``: this desk's own chain is
    verified (not on a standby: ``services/standby.py``)."""
    with Session(desk.engine) as s:
        outlets = city_outlets(s, city)
    with snapshot(desk) as conn:  # one snapshot, one statement per figure for all the city's outlets
        reports = day_figures(conn, desk, day, {code: name for code, name, _d in outlets}, operator_names(conn))
        checkpoints = newest_checkpoints(conn, [code for code, _n, _d in outlets])
        own = chain_in(conn, desk) if verify_here and desk.outlet_code in reports else None
    lines = []
    for code, name, division in outlets:
        report = reports[code]
        lines.append(OutletLine(code, name, Division(division).district_name, Figures.of(report),
                                report.close.closed_at if report.close else None,
                                _chain_line(desk, checkpoints.get(code), own if code == desk.outlet_code else None)))
    place = Division(f"{city}00")
    return CityReport(city, city_name(city), place.province_name, day, desk.now().astimezone(desk.tz), tuple(lines))


def _chain_line(desk: Desk, cp: tuple[int, datetime] | None, chain: ChainResult | None) -> ChainLine:
    seq, at = (cp[0], cp[1].astimezone(desk.tz)) if cp else (None, None)
    if chain is None:
        return ChainLine(False, None, seq, at)
    return ChainLine(True, chain.intact, seq, at)


def newest_checkpoints(conn: Connection, outlets: list[str]) -> dict[str, tuple[int, datetime]]:
    """Each outlet's newest checkpoint (highest seq, then newest row, as :func:`newest_checkpoint`): its seq
    and when it was verified, in one statement for all ``outlets``."""
    t = AuditCheckpoint.__table__  # type: ignore[attr-defined]
    rank = func.row_number().over(partition_by=t.c.outlet_code, order_by=(t.c.seq.desc(), t.c.id.desc()))
    ranked = select(t.c.outlet_code, t.c.seq, t.c.verified_at, rank.label("rank")).where(
        t.c.outlet_code.in_(outlets)).subquery()
    rows = conn.execute(select(ranked.c.outlet_code, ranked.c.seq, ranked.c.verified_at).where(ranked.c.rank == 1))
    return {str(o): (int(seq), at) for o, seq, at in rows}
