"""The daily report as JSON (keys documented in docs/report.md), CSV and PDF. No Textual, no Rich."""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outlet_desk.domain.fees import PaymentMethod, format_yuan
from outlet_desk.i18n import N_, _
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.fonts import CJK_FONT
from outlet_desk.services.report_model import SCHEMA, Check, DailyReport, figure_rows
from outlet_desk.services.report_services import SERVICE_LABELS

if TYPE_CHECKING:
    from fpdf import FPDF

CSV_COLUMNS = ("day", "outlet", "key", "label", "value", "audit", "table", "reconciliation")
BOM = "\ufeff"
"""Written first by ``to_csv(..., bom=True)``: spreadsheets on Chinese Windows read the file as UTF-8 only then."""

#: Labels of the figure keys (the part before the first dot, or the whole key).
LABELS = {
    "loss_reports.hotline": N_("Loss reports by the hotline"),
    "loss_reports.counter": N_("Loss reports at the counter"),
    "loss_reports.made_formal": N_("Hotline reports made formal"),
    "loss_reports.lapsed": N_("Temporary losses lapsed"),
    "loss_reports.withdrawn": N_("Loss reports withdrawn"),
    "reissues.lost": N_("Reissues: card lost"),
    "reissues.damaged": N_("Reissues: card damaged"),
    "reissues.expired": N_("Reissues: card expired"),
    "reissues.info_change": N_("Reissues: information changed"),
    "reissues.total": N_("Reissues in all"),
    "collections.holder": N_("Cards collected by the holder"),
    "collections.proxy": N_("Cards collected by a proxy"),
    "chip_check_failures": N_("Chip checks failed"),
    "blocked_cards_presented": N_("Blocked cards presented"),
    "spoiled_cards": N_("Cards spoiled (witnessed)"),
    "fees.taken_fen": N_("Fees taken (yuan)"),
    "fees.waived_fen": N_("Fees waived (yuan)"),
    "uncollected.0-7": N_("Uncollected cards, 0-7 days"),
    "uncollected.8-30": N_("Uncollected cards, 8-30 days"),
    "uncollected.31-90": N_("Uncollected cards, 31-90 days"),
    "uncollected.over_90": N_("Uncollected cards, over 90 days"),
    "uncollected.total": N_("Uncollected cards in all"),
    "pending_temporary_losses": N_("Temporary losses still pending"),
    **SERVICE_LABELS,
}


def label(key: str) -> str:
    """The person-facing name of a figure key (clerk lines name the clerk)."""
    if key in LABELS:
        return _(LABELS[key])
    if key.startswith("fees.") and (method := key[5:].removesuffix("_fen")) in {m.value for m in PaymentMethod}:
        return _("Fees taken: {method} (yuan)").format(method=PaymentMethod(method).label)
    if key.startswith("clerks."):
        _prefix, username, what = key.split(".", 2)
        if what == "transactions":
            return _("{clerk}: transactions").format(clerk=username)
        return _("{clerk}: average handling time (s)").format(clerk=username)
    return key


def shown(key: str, value: int | float | str | None) -> str:
    """A figure as a person reads it: money in yuan, a missing average as '-'."""
    if value is None:
        return "-"
    if key.endswith("_fen") and isinstance(value, int):
        return format_yuan(value)
    return str(value)


def csv_key(key: str) -> str:
    """A figure's key in the CSV, where money is in yuan: ``fees.taken_fen`` -> ``fees.taken_yuan``."""
    return key.removesuffix("_fen") + "_yuan" if key.endswith("_fen") else key


def csv_value(key: str, value: int | float | str | None) -> str | int | float:
    """A figure in the CSV: money in yuan with two decimals, a missing figure empty."""
    if value is None:
        return ""
    if key.endswith("_fen") and isinstance(value, int):
        return format_yuan(value)
    return value


def recon_text(check: Check | None) -> str:
    """A figure's reconciliation as a person reads it ('' for a figure counted one way only)."""
    if check is None:
        return ""
    if check.status == "agree":
        return _("agree")
    return _("DISAGREE {a} / {t}").format(a=check.audit, t=check.table)


def to_json(report: DailyReport) -> dict[str, Any]:
    """The report as plain JSON values; the key reference is docs/report.md."""
    def check(c: Check) -> dict[str, Any]:
        return {"key": c.key, "audit": c.audit, "table": c.table, "status": c.status}

    return {
        "schema": SCHEMA,
        "outlet": {"code": report.outlet_code, "name": report.outlet_name, "timezone": report.timezone},
        "day": report.day.isoformat(),
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "loss_reports": dict(report.loss_reports),
        "reissues": {"by_reason": dict(report.reissues), "total": report.reissues_total},
        "collections": dict(report.collections),
        "chip_check_failures": report.chip_check_failures,
        "blocked_cards_presented": report.blocked_cards_presented,
        "spoiled_cards": report.spoiled_cards,
        "counter_services": dict(report.counter_services),
        "fees": {
            "taken_fen": report.fees_taken_fen, "taken_yuan": format_yuan(report.fees_taken_fen),
            "waived_fen": report.fees_waived_fen, "waived_yuan": format_yuan(report.fees_waived_fen),
            "by_method_fen": dict(report.fees_by_method),
            "by_method_yuan": {m: format_yuan(fen) for m, fen in report.fees_by_method.items()},
        },
        "clerks": [
            {"operator_id": c.operator_id, "username": c.username, "display_name": c.display_name,
             "transactions": c.transactions, "timed_transactions": c.timed,
             "avg_handling_seconds": c.avg_handling_seconds}
            for c in report.clerks
        ],
        "uncollected_cards": {**report.uncollected, "total": report.uncollected_total},
        "pending_temporary_losses": report.pending_temporary_losses,
        "trend": {
            "days": [t.day.isoformat() for t in report.trend],
            "transactions": [t.transactions for t in report.trend],
            "loss_reports": [t.loss_reports for t in report.trend],
            "reissues": [t.reissues for t in report.trend],
            "collections": [t.collections for t in report.trend],
        },
        "reconciliation": {
            "agrees": not report.disagreements,
            "checks": [check(c) for c in report.reconciliation],
            "disagreements": [c.key for c in report.disagreements],
        },
        "audit_chain": None if report.chain is None else {
            "intact": report.chain.intact, "events_checked": report.chain.events_checked,
            "broken_seq": report.chain.broken_seq, "problem": report.chain.problem,
            "message": report.chain.message, "full": report.chain.full, "since_seq": report.chain.since_seq,
            "witness_fingerprint": report.chain.witness_fingerprint,
        },
        "after_close": None if report.after_close is None else {
            "day": report.after_close.day.isoformat(),
            "closed_at": report.after_close.closed_at.isoformat(timespec="seconds"),
            "loss_reports": dict(report.after_close.loss_reports),
            "events": [{"at": e.at.isoformat(timespec="seconds"), "action": e.action, "operator": e.operator}
                       for e in report.after_close.events],
        },
        "close": None if report.close is None else {
            "closed_at": report.close.closed_at.isoformat(timespec="seconds"),
            "closed_by": report.close.closed_by, "reason": report.close.reason,
            "blockers": list(report.close.blockers),
        },
    }


def to_csv(report: DailyReport, *, bom: bool = False) -> str:
    """One line per figure, each naming the day and the outlet: key, label, value (money in yuan with two
    decimals, its key ending ``_yuan``), the audit and table counts and the reconciliation status where the
    figure is counted both ways; then the chain, close, after-close and trend lines. ``bom`` starts the text
    with a byte-order mark, for spreadsheets that take UTF-8 only with one."""
    checks = {c.key: c for c in report.reconciliation}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    day, outlet = report.day.isoformat(), report.outlet_code

    def row(key: str, text: str, value: int | float | str | None, check: Check | None = None) -> None:
        audit: object = ""
        table: object = ""
        status = ""
        if check is not None:
            audit, table, status = csv_value(key, check.audit), csv_value(key, check.table), check.status
        writer.writerow([day, outlet, csv_key(key), text, csv_value(key, value), audit, table, status])

    writer.writerow(CSV_COLUMNS)
    for key, value in figure_rows(report):
        row(key, label(key), value, checks.pop(key, None))
    for c in checks.values():  # counted on one side only (e.g. an operator unknown to the audit)
        row(c.key, label(c.key), c.audit, c)
    if report.chain is not None:
        row("audit_chain.intact", _("Audit chain intact"), int(report.chain.intact))
    if report.close is not None:
        row("close.closed_by", _("Day closed by"), report.close.closed_by)
        row("close.reason", _("Reason for closing with open items"), report.close.reason)
        for i, item in enumerate(report.close.blockers, 1):
            row(f"close.blocker.{i}", _("Open item at close"), item)
    if report.after_close is not None:
        late = report.after_close
        for loss_key, n in late.loss_reports.items():
            if n:
                row(f"after_close.loss_reports.{loss_key}", _("After the close of {day}: {what}").format(
                    day=late.day.isoformat(), what=label(f"loss_reports.{loss_key}")), n)
    for t in report.trend:
        row(f"trend.{t.day.isoformat()}.transactions", _("Transactions on {day}").format(day=t.day), t.transactions)
    return (BOM if bom else "") + buf.getvalue()


REPORT_FILES = "daily"
"""``report daily --format pdf`` writes ``daily-<OUTLET>-<DAY>.pdf``."""
CLOSE_FILES = "day-close"
"""The day close writes ``day-close-<OUTLET>-<DAY>.pdf`` and ``.csv``: never a name the report writes, so
neither overwrites the other."""


def file_stem(prefix: str, report: DailyReport) -> str:
    """The name (without suffix) of a file holding ``report``: ``REPORT_FILES`` or ``CLOSE_FILES``."""
    return f"{prefix}-{report.outlet_code}-{report.day.isoformat()}"


def heading(report: DailyReport) -> str:
    return _("Daily report of {outlet} ({code}) for {day}").format(
        outlet=report.outlet_name, code=report.outlet_code, day=report.day.isoformat())


def summary_lines(report: DailyReport) -> list[str]:
    """Reconciliation, chain and close, as sentences (the PDF, the table form and the screen)."""
    lines = []
    if report.disagreements:
        lines.append(_("Audit and tables DISAGREE on: {keys}").format(
            keys=", ".join(f"{c.key} ({c.audit} / {c.table})" for c in report.disagreements)))
    else:
        lines.append(_("Audit events and tables agree on all {n} figures.").format(n=len(report.reconciliation)))
    lines.append(report.chain.message if report.chain else _("Audit chain not verified in this report."))
    if report.chain is not None and report.chain.witness_fingerprint:
        lines.append(_("Checkpoint at event {seq} kept in the audit witness file, fingerprint {fp} (keep it with "
                       "this report: a later verification compares the store with that file).").format(
                           seq=f"{report.chain.checkpoint_seq or 0:,}", fp=report.chain.witness_fingerprint))
    if report.close is not None:
        lines.append(_("Day closed by {who} at {when}.").format(
            who=report.close.closed_by, when=f"{report.close.closed_at.astimezone(report.generated_at.tzinfo):%H:%M}"))
        if report.close.reason:
            lines.append(_("Closed with open items, reason: {reason}").format(reason=report.close.reason))
        lines += [f"- {b}" for b in report.close.blockers]
    return lines + after_close_lines(report)


def after_close_lines(report: DailyReport) -> list[str]:
    """The heading of what the day before recorded after its close, and each such report."""
    late = report.after_close
    if late is None:
        return []
    tz = report.generated_at.tzinfo
    return [
        _("Recorded after the close of {day} (closed at {when}):").format(
            day=late.day.isoformat(), when=f"{late.closed_at.astimezone(tz):%H:%M}"),
        *(_("- {when} {what}, by {who}").format(when=f"{e.at.astimezone(tz):%Y-%m-%d %H:%M}",
                                                 what=label(f"loss_reports.{e.loss_key}"), who=e.operator)
          for e in late.events),
    ]


def column_headings() -> tuple[str, str, str]:
    """The heads of the figure table (the PDF, the table form and the screen)."""
    return _("Figure"), _("Value"), _("Audit / tables")


def trend_line(report: DailyReport) -> str:
    """The transactions of the trend's days as one line of figures."""
    return _("Transactions, last {n} days: {values}").format(
        n=len(report.trend), values=" ".join(str(t.transactions) for t in report.trend))


@lru_cache(maxsize=1)
def font_path() -> str:
    if not CJK_FONT.exists():
        raise FileNotFoundError(
            _("The Chinese font {font} is missing; run scripts/setup.sh (package fonts-wqy-microhei).").format(
                font=CJK_FONT))
    return str(CJK_FONT)


def render_pdf(report: DailyReport, path: Path) -> None:
    """An A4 page (or more) with every figure, its reconciliation, and the chain and close lines."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("wqy", fname=font_path(), collection_font_number=0)  # once per document
    pdf.set_font("wqy", size=14)
    pdf.multi_cell(0, 8, heading(report), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=9)
    pdf.cell(0, 5, _("Made at {when}").format(when=f"{report.generated_at:%Y-%m-%d %H:%M}"),
             new_x="LMARGIN", new_y="NEXT")
    checks = {c.key: c for c in report.reconciliation}
    widths = (95, 30, 40)
    pdf.ln(2)
    for width, text in zip(widths, column_headings(), strict=True):
        pdf.cell(width, 6, text, border="B")
    pdf.ln(6)
    for key, value in figure_rows(report):
        for width, text in zip(widths, (label(key), shown(key, value), recon_text(checks.get(key))), strict=True):
            pdf.cell(width, 5, text)
        pdf.ln(5)
    _trend_chart(pdf, report)
    pdf.ln(3)
    pdf.set_font("wqy", size=10)
    for line in summary_lines(report):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    write_atomically(path, bytes(pdf.output()))


def _trend_chart(pdf: FPDF, report: DailyReport) -> None:
    """The transactions of the last days as bars (the report's day last), with their figures beneath."""
    if not report.trend:
        return
    height, bar = 25.0, 165.0 / len(report.trend)
    if pdf.get_y() + height + 25 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("wqy", size=10)
    pdf.cell(0, 6, _("Trend: transactions per day, {first} to {last}").format(
        first=report.trend[0].day.isoformat(), last=report.trend[-1].day.isoformat()), new_x="LMARGIN", new_y="NEXT")
    top, most = pdf.get_y() + 1, max(t.transactions for t in report.trend) or 1
    for i, t in enumerate(report.trend):
        tall = height * t.transactions / most
        pdf.rect(pdf.l_margin + i * bar + 0.5, top + height - tall, bar - 1, tall, style="F")
    pdf.set_y(top + height + 1)
    pdf.set_font("wqy", size=8)
    pdf.multi_cell(0, 4, trend_line(report), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=9)
