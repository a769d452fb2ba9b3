"""The hotline's temporary loss report: the caller is identified by citizen number, name and one fact on
file (phone or address); the card is suspended until the lapse date, and the desk says what to tell them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from outlet_desk.domain.loss import LapseOutcome
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.screens.answer import Answer
from outlet_desk.screens.base import DeskScreen
from outlet_desk.screens.flow_support import REFUSALS, refusal_text, show_receipt
from outlet_desk.services.loss import LossResult, report_loss_hotline
from outlet_desk.services.request_lookup import PersonRequests, caller_request_status
from outlet_desk.widgets.citizen_id_input import CitizenIdInput, problem_so_far
from outlet_desk.widgets.plain import Label, Static
from outlet_desk.widgets.request_timeline import timeline_text


class HotlineDone(Answer[LossResult]):
    """The loss report taken by telephone, or why it was refused."""


class CardWhereabouts(Answer[PersonRequests]):
    """The caller's reissue requests with their stages, or why the caller was not identified."""


class HotlineLossScreen(DeskScreen):
    TITLE_MSGID = N_("Hotline loss report")
    MAIN_ACTION = "report"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "report", N_("Suspend card"), key_display="F9"),
        Binding("f7", "card_status", N_("Where is the card"), key_display="F7"),
    ]
    DEFAULT_CSS = """
    #hotline-box { height: auto; padding: 0 1; }
    #hotline-box Label { margin: 1 0 0 0; color: $text-muted; }
    #hotline-outcome { margin: 1 0 0 0; height: auto; }
    """

    def compose_body(self) -> Iterable[Widget]:
        with Vertical(id="hotline-box"):
            yield Static(_("Identify the caller: citizen number, name, and one fact on file."),
                         classes="section-title")
            yield Label(_("Citizen number"))
            yield CitizenIdInput(id="hotline-number")
            yield Static("", id="hotline-number-problem", classes="problem")
            yield Label(_("Name"))
            yield Input(id="hotline-name", max_length=30)
            yield Label(_("Phone number or address on file"))
            yield Input(id="hotline-fact", max_length=100)
            yield Static("", id="hotline-outcome")
            yield Static(_("Enter: next field   F9: suspend the card   F7: where is the new card"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#hotline-number", Input).focus()

    @on(Input.Changed, "#hotline-number")
    def _number_changed(self, event: Input.Changed) -> None:
        problem = problem_so_far(event.value, self.desk_app.local_today())
        self.query_one("#hotline-number-problem", Static).update(problem or "")

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        order = ["hotline-number", "hotline-name", "hotline-fact"]
        index = order.index(event.input.id or order[0])
        if index + 1 < len(order):
            self.query_one(f"#{order[index + 1]}", Input).focus()
        else:
            self.action_report()

    def _caller(self) -> list[str] | None:
        """The three facts identifying the caller, or None (and the clerk told to fill them in)."""
        values = [self.query_one(f"#hotline-{n}", Input).value for n in ("number", "name", "fact")]
        if not all(v.strip() for v in values):
            self._outcome(Text(_("Fill in all three: citizen number, name, and the phone number or address."),
                               style="bold red"))
            return None
        self._outcome(_("Checking…"))
        return values

    def action_report(self) -> None:
        if (values := self._caller()) is not None:
            self.ask(report_loss_hotline, values, HotlineDone)

    def action_card_status(self) -> None:
        if (values := self._caller()) is not None:
            self.ask(caller_request_status, values, CardWhereabouts)

    @work(thread=True, exclusive=True)
    def ask(self, use_case: Callable[..., Any], caller: list[str], answer: type[Answer[Any]]) -> None:
        """Run ``use_case(desk, operator, number, name, fact)``; its result (or refusal) comes back as ``answer``."""
        try:
            self.post_message(answer(use_case(self.desk_app.desk, self.operator, *caller)))
        except REFUSALS as error:
            self.post_message(answer(None, refusal_text(error)))

    def on_card_whereabouts(self, message: CardWhereabouts) -> None:
        """The caller's newest request still open (else the newest) as a timeline, with what to tell them."""
        if message.value is None:
            self._outcome(Text(message.problem, style="bold red"))
            return
        requests = message.value.requests
        shown = next((r for r in requests if r.open), requests[0] if requests else None)
        self._outcome(timeline_text(shown, self.desk_app.local_today(), self.desk_app.desk.tz) if shown is not None
                      else _("No reissue request is on record for this holder."))

    def on_hotline_done(self, message: HotlineDone) -> None:
        if message.value is None:
            self._outcome(Text(message.problem, style="bold red"))
            return
        r = message.value
        assert r.lapses_at is not None
        lapse = local_time(r.lapses_at, self.desk_app.desk.tz)
        if self.desk_app.desk.settings.loss.on_lapse == LapseOutcome.ESCALATE:
            say = _("Tell the caller: card {card} is suspended now; all its functions are stopped. Come to an outlet "
                    "with your ID card before {lapse} to make the loss formal; after that the card stays suspended "
                    "until a supervisor decides.").format(card=r.card_number, lapse=lapse)
        else:
            say = _("Tell the caller: card {card} is suspended now; all its functions are stopped. Come to an outlet "
                    "with your ID card before {lapse} to make the loss formal; after that the card works "
                    "again.").format(card=r.card_number, lapse=lapse)
        self._outcome(Text(say, style="bold green"))
        for name in ("number", "name", "fact"):
            self.query_one(f"#hotline-{name}", Input).value = ""
        self.query_one("#hotline-number", Input).focus()
        show_receipt(self.app, r.receipt, say)

    def _outcome(self, text: Text | str) -> None:
        self.query_one("#hotline-outcome", Static).update(text)
