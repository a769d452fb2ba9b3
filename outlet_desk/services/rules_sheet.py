"""The rules shown to citizens: the six texts of ``[rules]`` with the figures the desk enforces filled in
(``config/rule_figures.py``: one source for the rule and the setting), and the list of those figures; on the
screen and as a printable sheet (PDF, in the outlet's language or the one asked for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from outlet_desk.config import Settings
from outlet_desk.config.rule_figure_names import FIGURE_WORDS
from outlet_desk.config.rule_figures import fill_rule, rule_figures
from outlet_desk.i18n import N_, _, current_language, set_language
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.context import Desk
from outlet_desk.services.fonts import CJK_FONT
from outlet_desk.services.output_files import files_in
from outlet_desk.services.printing import print_pdf

RULE_TITLES: tuple[tuple[str, str], ...] = (
    ("card_functions", N_("What the card is for")),
    ("application_conditions", N_("Who may apply, and how")),
    ("term_of_use", N_("How long a card is valid")),
    ("loss_and_reissue", N_("Reporting a loss and a new card")),
    ("rights_and_obligations", N_("The holder's rights and obligations")),
    ("retained_card", N_("A card reported lost that is presented at the counter")),
)
"""The six texts of ``[rules]``, in the order they are shown, with their headings."""


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    text: str
    """The text with its figures filled in; empty when the outlet has not entered it."""


@dataclass(frozen=True)
class RulesSheet:
    outlet_name: str
    rules: tuple[Rule, ...]
    figures: tuple[tuple[str, str], ...]
    """(words, figure) of every figure the desk enforces, as the rules name them."""

    def lines(self) -> list[str]:
        """The sheet as plain lines (the screen, and the PDF's order)."""
        lines = [_("The rules of the social security card at {outlet}").format(outlet=self.outlet_name), ""]
        for rule in self.rules:
            lines += [rule.title, rule.text or _("(The outlet has not entered this rule.)"), ""]
        lines.append(_("The figures this outlet applies"))
        lines += [f"{words}: {figure}" for words, figure in self.figures]
        return lines


def rules_sheet(settings: Settings) -> RulesSheet:
    """The rules and figures in the current language, from ``settings`` (the same the services enforce). The
    rule texts are the department's, in the outlet's language: the figures in them are written in it too."""
    figures = rule_figures(settings)
    in_texts = figures if settings.outlet.language == current_language() else _figures_in(settings)
    rules = tuple(Rule(key, _(title), fill_rule(getattr(settings.rules, key), in_texts))
                  for key, title in RULE_TITLES)
    listed = tuple((_(words), figures[name]) for name, words in FIGURE_WORDS.items())
    return RulesSheet(settings.outlet.name, rules, listed)


def _figures_in(settings: Settings) -> dict[str, str]:
    """The figures in the outlet's language (a sheet asked for in another language: the command line's)."""
    asked = current_language()
    set_language(settings.outlet.language)
    try:
        return rule_figures(settings)
    finally:
        set_language(asked)


def render_rules_pdf(sheet: RulesSheet, path: Path, day: date) -> None:
    """The sheet on A4 pages: the heading, each rule under its title, then the figures."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("wqy", fname=str(CJK_FONT), collection_font_number=0)
    pdf.set_font("wqy", size=14)
    pdf.multi_cell(0, 8, _("The rules of the social security card at {outlet}").format(outlet=sheet.outlet_name),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=8)
    pdf.cell(0, 5, _("As of {day}").format(day=day.isoformat()), new_x="LMARGIN", new_y="NEXT")
    for rule in sheet.rules:
        pdf.ln(2)
        pdf.set_font("wqy", size=11)
        pdf.multi_cell(0, 6, rule.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("wqy", size=9)
        pdf.multi_cell(0, 5, rule.text or _("(The outlet has not entered this rule.)"), new_x="LMARGIN",
                       new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("wqy", size=11)
    pdf.multi_cell(0, 6, _("The figures this outlet applies"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=9)
    for words, figure in sheet.figures:
        pdf.multi_cell(0, 5, f"{words}: {figure}", new_x="LMARGIN", new_y="NEXT")
    write_atomically(path, bytes(pdf.output()))


def write_rules_sheet(settings: Settings, day: date, output: Path | None = None) -> Path:
    """The sheet in the current language as a PDF: ``output``, or ``rules-<language>.pdf`` in the reports
    folder."""
    if not CJK_FONT.exists():
        raise FileNotFoundError(_("The Chinese font {font} is missing; run scripts/setup.sh (package "
                                  "fonts-wqy-microhei).").format(font=CJK_FONT))
    path = output or files_in(settings.reports_dir(), f"rules-{current_language()}", "pdf")[0]
    render_rules_pdf(rules_sheet(settings), path, day)
    return path


@dataclass(frozen=True)
class PrintedSheet:
    path: Path
    printed: bool
    problem: str = ""


def print_rules_sheet(desk: Desk) -> PrintedSheet:
    """The sheet offered to the citizen at the end of a loss report or a reissue: written, and printed if the
    counter has a printer."""
    path = write_rules_sheet(desk.settings, desk.local_now().date())
    printed, problem = print_pdf(desk.settings, path)
    return PrintedSheet(path, printed, problem)
