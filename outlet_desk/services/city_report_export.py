"""The city report written out: columns in the outlet's language, a CSV a spreadsheet reads (money in yuan
with two decimals, the day and the city on every row), and JSON for scripts (schema in
``docs/json/report-city.schema.json``)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from outlet_desk.domain.fees import format_yuan
from outlet_desk.i18n import N_, _
from outlet_desk.services.city_report import FIGURE_NAMES, ChainLine, CityReport, Figures
from outlet_desk.services.report_export import BOM
from outlet_desk.services.standby import StandbyLag

FIGURE_LABELS: dict[str, str] = {
    "loss_reports": N_("Losses"),
    "reissues": N_("Reissues"),
    "collections": N_("Collected"),
    "fees_taken_fen": N_("Fees"),
    "fees_waived_fen": N_("Waived"),
    "uncollected": N_("Waiting"),
    "pending_temporary_losses": N_("Temp. lost"),
    "disagreements": N_("Differ"),
}
"""Short, so that the table fits 80 columns in both languages; :func:`legend` says what each one counts."""

_LEGEND = N_("Losses: loss reports taken; Reissues: reissue applications; Collected: new cards handed over; Fees and "
             "Waived: in yuan; Waiting: cards ready and not collected; Temp. lost: temporary losses still open; "
             "Differ: figures on which the audit and the tables disagree.")


def legend() -> str:
    return _(_LEGEND)


def heading(report: CityReport) -> str:
    return _("City report {city} {name} ({province}), {day}").format(
        city=report.city_code, name=report.city_name, province=report.province_name, day=report.day.isoformat())


def columns() -> list[str]:
    """The figures table's columns: the outlet's code, then its figures (names and states are listed below it)."""
    return [_("Outlet"), *(_(FIGURE_LABELS[n]) for n in FIGURE_NAMES)]


def figure_text(name: str, figures: Figures) -> str:
    value = getattr(figures, name)
    return format_yuan(value) if name.endswith("_fen") else str(value)


def chain_text(chain: ChainLine, report: CityReport) -> str:
    """An outlet's chain in words: verified here, or as far as its newest checkpoint (not verified here)."""
    if chain.verified_here:
        return _("audit chain intact, verified now") if chain.intact else _("audit chain BROKEN, verified now")
    if chain.checkpoint_seq is None or chain.checkpoint_at is None:
        return _("audit chain never verified")
    return _("audit chain verified by the outlet up to event {seq} at {at}").format(
        seq=f"{chain.checkpoint_seq:,}", at=_when(chain.checkpoint_at))


def _when(at: datetime) -> str:
    """A time of the report (already in the outlet's time zone), to the minute."""
    return at.strftime("%Y-%m-%d %H:%M")


def rows(report: CityReport) -> list[list[str]]:
    """The figures table's rows: one per outlet, then the city's total."""
    lines = [[o.code, *(figure_text(n, o.figures) for n in FIGURE_NAMES)] for o in report.outlets]
    lines.append([_("Total"), *(figure_text(n, report.totals) for n in FIGURE_NAMES)])
    return lines


def outlet_lines(report: CityReport) -> list[str]:
    """Under the table, one line per outlet: its name and district, its day, its chain."""
    return [_("{code} {name} ({district}): {day}; {chain}.").format(
        code=o.code, name=o.name, district=o.district,
        day=_("day closed at {at}").format(at=_when(o.closed_at)) if o.closed_at else _("day open"),
        chain=chain_text(o.chain, report)) for o in report.outlets]


def csv_key(name: str) -> str:
    return name.removesuffix("_fen") + "_yuan" if name.endswith("_fen") else name


def to_csv(report: CityReport, *, bom: bool = False) -> str:
    """One row per outlet and one for the city, each naming the day and the city."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["day", "city", "outlet", "outlet_name", "district", *map(csv_key, FIGURE_NAMES),
                     "closed_at", "chain_verified_here", "chain_intact", "checkpoint_seq", "checkpoint_at"])
    for o in report.outlets:
        c = o.chain
        writer.writerow([report.day.isoformat(), report.city_code, o.code, o.name, o.district,
                         *(figure_text(n, o.figures) for n in FIGURE_NAMES),
                         o.closed_at.isoformat() if o.closed_at else "", c.verified_here,
                         "" if c.intact is None else c.intact, c.checkpoint_seq or "",
                         c.checkpoint_at.isoformat() if c.checkpoint_at else ""])
    writer.writerow([report.day.isoformat(), report.city_code, "", "", "",
                     *(figure_text(n, report.totals) for n in FIGURE_NAMES), "", "", "", "", ""])
    return (BOM if bom else "") + buf.getvalue()


def figures_json(figures: Figures) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name in FIGURE_NAMES:
        value = getattr(figures, name)
        shown[name] = value
        if name.endswith("_fen"):
            shown[csv_key(name)] = format_yuan(value)
    return shown


def to_json(report: CityReport) -> dict[str, Any]:
    return {
        "city": {"code": report.city_code, "name": report.city_name, "province": report.province_name},
        "day": report.day.isoformat(),
        "generated_at": report.generated_at.isoformat(),
        "outlets": [{
            "code": o.code, "name": o.name, "district": o.district, "figures": figures_json(o.figures),
            "closed_at": o.closed_at.isoformat() if o.closed_at else None,
            "chain": {"verified_here": o.chain.verified_here, "intact": o.chain.intact,
                      "checkpoint_seq": o.chain.checkpoint_seq,
                      "checkpoint_at": o.chain.checkpoint_at.isoformat() if o.chain.checkpoint_at else None},
        } for o in report.outlets],
        "totals": figures_json(report.totals),
        "problems": list(report.problems),
        "standby": standby_json(report.standby),
    }


def standby_json(lag: StandbyLag | None) -> dict[str, Any] | None:
    """How far behind the standby the report read was (null: it read the database itself)."""
    if lag is None:
        return None
    return {"bytes_behind": lag.bytes_behind, "seconds_behind": round(lag.seconds_behind, 3),
            "measured_at": lag.measured_at.isoformat()}


def standby_lines(lag: StandbyLag | None) -> list[str]:
    """Under a report read from the standby, one line saying how far behind it was."""
    return [] if lag is None else [lag.words()]
