"""A card holder's record: identity, every card with what its status allows, losses, requests, trail."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.card_lifecycle import status_label
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.fees import ReissueReason, format_yuan
from outlet_desk.domain.loss import LossChannel, LossKind
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.roles import Action
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import N_, _
from outlet_desk.screens.base import DeskScreen
from outlet_desk.screens.person_text import card_detail, identity_text, presenter_words
from outlet_desk.services.context import Actor
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.identity import IdentityCheckResult
from outlet_desk.services.persons import CardLine, PersonDetail, open_person
from outlet_desk.services.reissue import InstantCardDue, instant_cards_due
from outlet_desk.services.visit import Visit, offered_beyond_status, refusal_before_typing, visit_of, visit_open
from outlet_desk.widgets.plain import DataTable, Static
from outlet_desk.widgets.request_timeline import PersonRequestTimeline
from outlet_desk.widgets.tasks import CARD_TASKS, IDENTITY_TASK, CardTask, task_help, task_title


class PersonLoaded(Message):
    def __init__(self, person: PersonDetail | None, error: str = "",
                 cards_due: tuple[InstantCardDue, ...] = ()) -> None:
        super().__init__()
        self.person = person
        self.error = error
        self.cards_due = cards_due


class PersonScreen(DeskScreen):
    TITLE_MSGID = N_("Card holder")
    CSS_PATH = "person.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        IDENTITY_TASK.binding(), *(t.binding() for t in CARD_TASKS),
        Binding("ctrl+n", "full_number", N_("Full number"), show=False),
        Binding("ctrl+e", "end_visit", N_("End visit"), show=False),
        # after the tasks: a card task's key on a card it does not apply to says why (and is never the hotline)
        *(Binding(t.key, f"not_on_card('{t.id}')", show=False) for t in CARD_TASKS),
    ]

    def __init__(self, person_id: int) -> None:
        super().__init__()  # no id: a new record's screen is pushed while the previous one is popped
        self.person_id = person_id
        self.person: PersonDetail | None = None
        self.cards_due: tuple[InstantCardDue, ...] = ()
        """Instant reissues paid for whose new card is not written yet (F8 on the old card writes it)."""
        self.task_screen: Screen[None] | None = None
        """The task screen opened from here: the record is read again when it is left, however it is left."""
        self.full_number_shown = False
        """The operator gave a reason to see the full citizen number (audited); masked until then."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(_("Opening the record…"), id="identity")
        with TabbedContent(id="person-tabs"):
            with TabPane(_("Cards"), id="cards"):
                yield DataTable(id="cards-table", cursor_type="row")
                yield Static("", id="card-detail")
            with TabPane(_("Losses"), id="losses"):
                yield DataTable(id="losses-table", cursor_type="row")
            with TabPane(_("Requests"), id="requests"):
                yield DataTable(id="requests-table", cursor_type="row")
                yield PersonRequestTimeline(id="request-timeline")
            with TabPane(_("Audit trail"), id="trail"):
                yield DataTable(id="trail-table", cursor_type="row")

    def on_mount(self) -> None:
        self.load(self.operator)

    def on_screen_resume(self) -> None:
        """Back from a task screen (done, refused, or left with F4/Esc): what it did shows at once."""
        task = self.task_screen
        if task is not None and self.app.screen is self and task not in self.app.screen_stack:
            self.task_screen = None
            self.load(self.operator)

    def push_task(self, screen: Screen[None]) -> None:
        self.task_screen = screen
        self.app.push_screen(screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == IDENTITY_TASK.action:
            actor = self.desk_app.actor
            return actor is not None and IDENTITY_TASK.allowed(actor.role) and (self.person is not None or None)
        task = next((t for t in CARD_TASKS if t.action == action), None)
        if task is not None:
            actor, card = self.desk_app.actor, self.selected_card()
            if actor is None or not task.allowed(actor.role):
                return False  # not this role's task: not shown at all
            return card is not None and self.offers(task, card)  # not on this card: not shown either
        if action == "end_visit":
            return self.visit() is not None
        if action == "not_on_card":
            task = next((t for t in CARD_TASKS if t.id == parameters[0]), None) if parameters else None
            return task is not None and self.owns_key(task.key) and self.check_action(task.action, ()) is not True
        return True

    def owns_key(self, key: str) -> bool:
        """A card task's key is the record's for an operator whose role may do the task, on any card."""
        actor = self.desk_app.actor
        return any(t.key == key and actor is not None and t.allowed(actor.role) for t in (*CARD_TASKS, IDENTITY_TASK))

    def action_not_on_card(self, task_id: str) -> None:
        """A card task's key pressed on a card it does not apply to: why, instead of nothing."""
        task = next(t for t in CARD_TASKS if t.id == task_id)
        person, card = self.person, self.selected_card()
        if person is None or card is None:
            self.notify(_("Select a card first."), severity="warning")
            return
        refusal = refusal_before_typing(self.desk_app.desk, self.visit(), person, card, task.use_case)
        if refusal is not None and task.offered_for(card):  # its status allows it: the rule that refuses it
            self.notify(refusal, severity="warning")
            return
        self.notify(_("{task} does not apply to card {card}: it is {status}.").format(
            task=_(task.title), card=card.card_number, status=status_label(card.status)), severity="warning")

    def desk_commands(self) -> Iterable[SystemCommand]:
        """The tasks the selected card allows first (the likeliest is why the holder came), then the check."""
        for task in CARD_TASKS:
            if self.check_action(task.action, ()):
                yield SystemCommand(task_title(task), task_help(task), getattr(self, f"action_{task.action}"))
        if self.check_action(IDENTITY_TASK.action, ()):
            yield SystemCommand(task_title(IDENTITY_TASK), task_help(IDENTITY_TASK), self.action_identity_check)
        if self.person is not None and not self.full_number_shown:
            yield SystemCommand(_("Show the full citizen number and phone"),
                                _("With a reason, kept in the audit trail"), self.action_full_number)
        if self.visit() is not None:
            yield SystemCommand(_("End the visit"), _("The next task checks the identity of whoever comes next"),
                                self.action_end_visit)

    @work(thread=True, exclusive=True)
    def load(self, actor: Actor) -> None:
        desk = self.desk_app.desk
        try:
            person = open_person(desk, actor, self.person_id)
            self.post_message(PersonLoaded(person, cards_due=tuple(instant_cards_due(desk, self.person_id))))
        except (DomainError, ServiceError) as error:
            self.post_message(PersonLoaded(None, error.message))

    def on_person_loaded(self, message: PersonLoaded) -> None:
        if message.person is None:
            self.query_one("#identity", Static).update(Text(message.error, style="bold red"))
            self.query_one(TabbedContent).display = False
            return
        shown = self.selected_card()
        self.person = p = message.person
        self.cards_due = message.cards_due
        self._show_identity()
        tz = self.desk_app.desk.tz
        cards = self._table("cards", [_("Card"), _("Status"), _("Issued"), _("Expires"), _("Functions")])
        for card in p.cards:
            cards.add_row(card.card_number, status_label(card.status),
                          card.issue_date.isoformat() if card.issue_date else "",
                          card.expiry_date.isoformat() if card.expiry_date else "",
                          _("suspended") if card.functions_suspended else "", key=str(card.id))
        if p.cards:  # the card shown before the record was read again stays selected; else the newest
            row = next((i for i, c in enumerate(p.cards) if shown is not None and c.id == shown.id), len(p.cards) - 1)
            cards.move_cursor(row=row)
            self._show_card(p.cards[row])
        else:
            self.query_one("#card-detail", Static).update(_("No card has been issued to this person."))
        losses = self._table("losses", [_("Card"), _("Kind"), _("Channel"), _("Reported"), _("Lapses"), _("Ended")])
        for lr in p.losses:
            ended = lr.withdrawn_at or lr.lapsed_at
            losses.add_row(lr.card_number, LossKind.label_of(lr.kind), LossChannel.label_of(lr.channel),
                           local_time(lr.reported_at, tz), local_time(lr.lapses_at, tz) if lr.lapses_at else "",
                           local_time(ended, tz) if ended else "")
        requests = self._table("requests", [_("No."), _("Reason"), _("Status"), _("Fee (yuan)"), _("Due")])
        for r in p.requests:
            fee = _("waived") if r.waived else format_yuan(r.fee_fen)
            requests.add_row(str(r.id), ReissueReason.label_of(r.reason), RequestStatus.label_of(r.status), fee,
                             r.due_date.isoformat() if r.due_date else "", key=str(r.id))
        self.query_one(PersonRequestTimeline).load(p.id)
        trail = self._table("trail", [_("No."), _("Time"), _("What")])
        for e in p.audit:
            trail.add_row(str(e.seq), local_time(e.at, tz), AuditAction.label_of(e.action))
        cards.focus()
        self.refresh_bindings()

    def _show_identity(self) -> None:
        p = self.person
        assert p is not None
        text = identity_text(p, full=self.full_number_shown)
        visit = self.visit()
        if visit is not None:
            c = visit.check
            who = presenter_words(c)
            text.append("\n")
            text.append(_("Visit open: {who}, check no. {id}, until {end} (Ctrl+E ends it)").format(
                who=who, id=c.check_id, end=local_time(visit.ends_at, self.desk_app.desk.tz)[11:]),
                style="bold green")
        self.query_one("#identity", Static).update(text)

    def _table(self, name: str, columns: list[str]) -> DataTable[str]:
        table: DataTable[str] = self.query_one(f"#{name}-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        return table

    @on(DataTable.RowHighlighted, "#requests-table")
    def _request_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.has_focus and event.row_key.value is not None:  # the clerk's choice, not the table's fill
            self.query_one(PersonRequestTimeline).select(int(event.row_key.value))

    def _show_card(self, card: CardLine) -> None:
        offered = [t for t in CARD_TASKS if t.allowed(self.operator.role) and self.offers(t, card)]
        self.query_one("#card-detail", Static).update(card_detail(card, offered, self.card_due(card)))

    def offers(self, task: CardTask, card: CardLine) -> bool:
        """Whether ``task`` applies to ``card``: its status allows it and it would not be refused at once (a
        reissue already applied for)."""
        person = self.person
        return (task.offered_for(card) and person is not None
                and offered_beyond_status(person, card, task.use_case, self.card_due(card) is not None))

    def card_due(self, card: CardLine) -> InstantCardDue | None:
        """The instant reissue of ``card`` whose new card is still to be written, if any."""
        return next((d for d in self.cards_due if d.old_card_id == card.id), None)

    @on(DataTable.RowHighlighted, "#cards-table")
    def _card_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.person is None or event.row_key.value is None:
            return
        card = next((c for c in self.person.cards if str(c.id) == event.row_key.value), None)
        if card is not None:
            self._show_card(card)
            self.refresh_bindings()

    def selected_card(self) -> CardLine | None:
        if self.person is None or not self.person.cards:
            return None
        table = self.query_one("#cards-table", DataTable)
        return self.person.cards[min(table.cursor_row, len(self.person.cards) - 1)]

    def action_full_number(self) -> None:
        """Ask the reason, then show the full citizen number (the read is audited with the reason)."""
        from outlet_desk.screens.full_number import FullNumberScreen

        if self.person is None or self.full_number_shown:
            return

        def shown(number: str | None) -> None:
            if number is not None:
                self.full_number_shown = True
                self._show_identity()

        self.app.push_screen(FullNumberScreen(self.person), shown)

    # -- the visit: one identity check for every task of the person at the counter ------------------------
    def visit(self) -> Visit | None:
        """The visit open for this person (not expired), if any."""
        session = self.desk_app.session
        visit = session.visit if session is not None else None
        return visit if visit_open(self.desk_app.desk, visit, self.person_id) else None

    def _start_visit(self, person: PersonDetail, result: IdentityCheckResult) -> Visit:
        visit = visit_of(self.desk_app.desk, person, result)
        session = self.desk_app.session
        if session is not None:
            session.visit = visit
        self._show_identity()
        self.refresh_header()
        self.refresh_bindings()
        return visit

    def action_end_visit(self) -> None:
        session = self.desk_app.session
        if session is None or session.visit is None:
            return
        session.visit = None
        self._show_identity()
        self.refresh_header()
        self.refresh_bindings()
        self.app.notify(_("Visit ended: the next task checks the identity again."))

    def action_identity_check(self) -> None:
        """F5: open a visit with an identity check (a new one replaces the visit open before)."""
        from outlet_desk.screens.identity_check import IdentityCheckScreen, default_flow

        person = self.person
        if person is None:
            return
        card = self.selected_card()
        flow = default_flow(card.status if card else None)

        def checked(result: IdentityCheckResult | None) -> None:
            if result is not None:
                self._start_visit(person, result)
                self.app.notify(_("Identity check passed and recorded (no. {id}): the visit is open.").format(
                    id=result.check_id))

        self.app.push_screen(IdentityCheckScreen(person, flow), checked)

    # -- the counter tasks on the selected card: on the visit's identity check (opened first if none is) ----
    def _card_task(self, flow: Action, screen: Callable[[PersonDetail, CardLine, IdentityCheckResult], Screen[None]]
                   ) -> None:
        from outlet_desk.screens.identity_check import IdentityCheckScreen

        person, card = self.person, self.selected_card()
        if person is None or card is None:
            return
        desk = self.desk_app.desk
        refusal = refusal_before_typing(desk, self.visit(), person, card, flow)
        if refusal is not None:
            self.app.notify(refusal, severity="warning")
            return
        visit = self.visit()
        if visit is not None:
            self.push_task(screen(person, card, visit.check))
            return
        session = self.desk_app.session
        if session is not None and session.visit is not None and session.visit.person_id == person.id:
            session.visit = None  # expired: said once, then a new check
            self.refresh_header()
            self.app.notify(_("The visit expired ({minutes} minutes): check the identity again.").format(
                minutes=desk.settings.identity.visit_minutes))

        def checked(result: IdentityCheckResult | None) -> None:
            if result is None:
                return
            self._start_visit(person, result)
            refused = refusal_before_typing(desk, self.visit(), person, card, flow)
            if refused is not None:
                self.app.notify(refused, severity="warning")
                return
            self.push_task(screen(person, card, result))

        self.app.push_screen(IdentityCheckScreen(person, flow), checked)

    def action_report_loss_counter(self) -> None:
        from outlet_desk.screens.card_tasks.report_lost import ReportLostScreen

        self._card_task(Action.REPORT_LOSS_COUNTER, ReportLostScreen)

    def action_withdraw_loss(self) -> None:
        from outlet_desk.screens.card_tasks.withdraw_loss import WithdrawLossScreen

        self._card_task(Action.WITHDRAW_LOSS, WithdrawLossScreen)

    def action_apply_reissue(self) -> None:
        from outlet_desk.screens.card_tasks.reissue import ReissueScreen
        from outlet_desk.screens.card_tasks.write_card import WriteCardScreen

        card, person = self.selected_card(), self.person
        due = self.card_due(card) if card is not None else None
        if due is not None and card is not None and person is not None:  # paid for: no new application, no new check
            self.push_task(WriteCardScreen(person, card, due.request_id))
            return
        self._card_task(Action.APPLY_REISSUE, ReissueScreen)

    def action_collect_card(self) -> None:
        from outlet_desk.screens.card_tasks.collect import CollectScreen

        self._card_task(Action.COLLECT_CARD, CollectScreen)

    def action_reset_pin(self) -> None:
        from outlet_desk.screens.card_tasks.reset_pin import ResetPinScreen

        self._card_task(Action.RESET_PIN, ResetPinScreen)

    def action_cancel_card(self) -> None:
        from outlet_desk.screens.card_tasks.cancel_card import CancelCardScreen

        self._card_task(Action.CANCEL_CARD, CancelCardScreen)
