"""The province report: every city of the province of this desk's outlet side by side for one day, each with
its totals, and the province's totals. Each city is counted by the city report
(:func:`~outlet_desk.services.city_report.report_of_city`), so the province, its cities and their outlets
never disagree. Read by the province's role (``domain/roles.py``: a city role reads its own city only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from outlet_desk.db.tables import Outlet
from outlet_desk.domain.divisions import Division
from outlet_desk.domain.roles import Action, require
from outlet_desk.services.city_report import CityReport, Figures, desk_city, report_of_city
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.report import check_report_day
from outlet_desk.services.standby import StandbyLag, reading_desk, standby_lag


@dataclass(frozen=True)
class ProvinceReport:
    province_code: str
    province_name: str
    day: date
    generated_at: datetime
    cities: tuple[CityReport, ...]
    standby: StandbyLag | None = None
    """Read from the hot standby (``[database] report_url``): how far behind it was; None: read the database."""

    @property
    def totals(self) -> Figures:
        return Figures.total(city.totals for city in self.cities)

    @property
    def problems(self) -> tuple[str, ...]:
        """Every city's problems (an outlet's figures that disagree, a chain broken here)."""
        return tuple(problem for city in self.cities for problem in city.problems)


def province_cities(session: Session, province: str) -> list[str]:
    """The cities (four digits) of ``province`` that have an outlet in this database, in order."""
    city = func.substr(col(Outlet.division_code), 1, 4)
    rows = session.execute(select(city).where(col(Outlet.division_code).startswith(province))
                           .group_by(city).order_by(city))
    return [str(code) for (code,) in rows]


def province_report(desk: Desk, actor: Actor, day: date | None = None) -> ProvinceReport:
    """The report of ``day`` (default: today at this desk's outlet) for the province of this desk's outlet."""
    require(actor.role, Action.VIEW_PROVINCE_REPORTS)
    day = check_report_day(day or desk.local_now().date())
    province = desk_city(desk)[:2]
    lag = standby_lag(desk)
    reading = reading_desk(desk)
    with Session(reading.engine) as s:
        cities = province_cities(s, province)
    return ProvinceReport(province, Division(f"{province}0000").province_name, day, desk.now().astimezone(desk.tz),
                          tuple(report_of_city(reading, c, day, verify_here=lag is None) for c in cities), lag)
