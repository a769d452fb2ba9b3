"""The rules shown to citizens: the six texts of outlet.toml's ``[rules]`` with the figures this desk enforces
filled in, and the list of those figures (``services/rules_sheet.py``); P writes the printable sheet (PDF) and
prints it when the counter has a printer. Opened from the palette, and offered on a loss report's or a
reissue's receipt."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll

from outlet_desk.i18n import N_, _
from outlet_desk.screens.notice import NoticeScreen
from outlet_desk.services.rules_sheet import PrintedSheet, print_rules_sheet, rules_sheet
from outlet_desk.widgets.plain import Static
from outlet_desk.widgets.shell import shell


def sheet_said(done: PrintedSheet) -> str:
    """What became of the sheet, in one line."""
    said = _("Rules sheet saved: {path}").format(path=done.path.name)
    if done.printed:
        return said + "  " + _("Printed.")
    return f"{said}  {done.problem}" if done.problem else said


class RulesScreen(NoticeScreen):
    DEFAULT_CSS = """
    RulesScreen > Vertical { width: 100; height: 90%; border: round $primary; }
    RulesScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "print_sheet", N_("Print the sheet")), Binding("escape", "close", N_("Back")),
    ]

    def compose(self) -> ComposeResult:
        sheet = rules_sheet(shell(self.app).desk.settings)
        with Vertical():
            with VerticalScroll():
                yield Static("\n".join(sheet.lines()), id="rules-text")
            yield Static(_("P: print the sheet for the citizen.  Esc: back"), id="rules-said", classes="hint")

    def action_print_sheet(self) -> None:
        self.query_one("#rules-said", Static).update(_("Writing the rules sheet…"))
        self._print()

    @work(thread=True, exclusive=True)
    def _print(self) -> None:
        try:
            said = sheet_said(print_rules_sheet(shell(self.app).desk))
        except OSError as error:
            said = _("The rules sheet could not be written: {e}").format(e=error)
        self.app.call_from_thread(self.query_one("#rules-said", Static).update, said)
