"""The province report written out: a table of the cities (each city's totals) with the province's totals, a
CSV with one row per outlet, per city and for the province, and JSON for scripts (schema in
``docs/json/report-province.schema.json``: each city as the city report's JSON, and the province's totals)."""

from __future__ import annotations

import csv
import io
from typing import Any

from outlet_desk.i18n import _
from outlet_desk.services.city_report import FIGURE_NAMES
from outlet_desk.services.city_report_export import (
    FIGURE_LABELS,
    csv_key,
    figure_text,
    figures_json,
    standby_json,
    to_json,
)
from outlet_desk.services.province_report import ProvinceReport
from outlet_desk.services.report_export import BOM


def heading(report: ProvinceReport) -> str:
    return _("Province report {code} {name}, {day}").format(
        code=report.province_code, name=report.province_name, day=report.day.isoformat())


def columns() -> list[str]:
    """The table's columns: the city's code, how many outlets it has here, then the figures."""
    return [_("City"), _("Outlets"), *(_(FIGURE_LABELS[n]) for n in FIGURE_NAMES)]


def rows(report: ProvinceReport) -> list[list[str]]:
    """One row per city (its totals), then the province's total."""
    lines = [[f"{c.city_code} {c.city_name}", str(len(c.outlets)), *(figure_text(n, c.totals) for n in FIGURE_NAMES)]
             for c in report.cities]
    lines.append([_("Total"), str(sum(len(c.outlets) for c in report.cities)),
                  *(figure_text(n, report.totals) for n in FIGURE_NAMES)])
    return lines


def to_csv(report: ProvinceReport, *, bom: bool = False) -> str:
    """One row per outlet, one per city (no outlet code) and one for the province (no city), each naming the
    day and the province."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["day", "province", "city", "outlet", "outlet_name", *map(csv_key, FIGURE_NAMES)])
    day = report.day.isoformat()
    for city in report.cities:
        for o in city.outlets:
            writer.writerow([day, report.province_code, city.city_code, o.code, o.name,
                             *(figure_text(n, o.figures) for n in FIGURE_NAMES)])
        writer.writerow([day, report.province_code, city.city_code, "", "",
                         *(figure_text(n, city.totals) for n in FIGURE_NAMES)])
    writer.writerow([day, report.province_code, "", "", "", *(figure_text(n, report.totals) for n in FIGURE_NAMES)])
    return (BOM if bom else "") + buf.getvalue()


def province_json(report: ProvinceReport) -> dict[str, Any]:
    return {
        "province": {"code": report.province_code, "name": report.province_name},
        "day": report.day.isoformat(),
        "generated_at": report.generated_at.isoformat(),
        "cities": [to_json(city) for city in report.cities],
        "totals": figures_json(report.totals),
        "problems": list(report.problems),
        "standby": standby_json(report.standby),
    }
