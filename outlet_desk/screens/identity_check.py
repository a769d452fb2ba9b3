"""The identity check that opens a visit: every counter task of the visit stands on the check it returns.

The clerk says who stands at the counter (the holder or a proxy), reads the document into the form
(the number is checked while it is typed), sets its expiry (or long-term), confirms with F8 that the
face matches the photo, and records with F9. The service decides; a refusal stays on the dialog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import LENGTH, mask_citizen_id, normalise_citizen_id
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.identity_documents import CITIZEN_NUMBER_DOCUMENTS
from outlet_desk.domain.roles import COUNTER_TASKS, Action, can, counter_task_label
from outlet_desk.domain.visit import Presenter, task_refusal
from outlet_desk.i18n import N_, _, colon
from outlet_desk.screens.answer import Answer
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.identity import (
    Document,
    IdentityCheckResult,
    ProxyDetails,
    record_identity_check,
)
from outlet_desk.services.persons import PersonDetail
from outlet_desk.widgets.citizen_id_input import CitizenIdInput, problem_so_far
from outlet_desk.widgets.keys import localise_bindings
from outlet_desk.widgets.plain import Label, Static
from outlet_desk.widgets.shell import shell
from outlet_desk.widgets.tick_box import TickBox

_DATE = re.compile(r"^\s*(\d{4})\D?(\d{1,2})\D?(\d{1,2})\s*$")


def parse_date(text: str) -> date | None:
    """``2031-05-01``, ``20310501``, ``2031.5.1`` or ``2031/05/01``; None if it is not a date."""
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def default_flow(status: CardStatus | None) -> Action:
    """The task a clerk most likely checks the identity for, from the selected card's status."""
    if status in (CardStatus.ACTIVE, CardStatus.SUSPENDED):
        return Action.REPORT_LOSS_COUNTER
    if status is CardStatus.READY:
        return Action.COLLECT_CARD
    return Action.APPLY_REISSUE


def show_problem(widget: Static, text: str) -> None:
    """Show ``text`` under its field; an empty problem takes no line."""
    widget.update(text)
    widget.display = bool(text)


class IdentityDone(Answer[IdentityCheckResult]):
    """The identity check recorded, or why it was refused."""


def _row(label: str, widget: Label | Input | Select[str] | Checkbox, row_id: str | None = None) -> Horizontal:
    return Horizontal(Label(label, classes="form-label"), widget, classes="form-row", id=row_id)


def _document_rows(prefix: str, documents: Sequence[tuple[str, str]]) -> Iterable[Widget]:
    """One document's rows (the holder's ``doc``, the proxy's ``proxy``): its type, number, name, validity."""
    yield _row(_("Document"), Select(documents, value=documents[0][1], allow_blank=False, id=f"{prefix}-type"))
    yield _row(_("Number"), CitizenIdInput(id=f"{prefix}-number"))
    yield Static("", id=f"{prefix}-number-problem", classes="problem")
    yield _row(_("Name on it"), Input(id=f"{prefix}-name", max_length=60))
    yield _row(_("Valid until"), Input(id=f"{prefix}-expiry", placeholder="YYYY-MM-DD", max_length=10))
    yield _row("", TickBox(_("long-term (no expiry date)"), id=f"{prefix}-long-term"))


class IdentityCheckScreen(ModalScreen[IdentityCheckResult | None]):
    CSS_PATH = "identity_check.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f8", "face", N_("Face matches"), id="face"),
        Binding("f9", "record", N_("Record check"), id="record"),
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
    ]

    def __init__(self, person: PersonDetail, flow: str) -> None:
        super().__init__()
        localise_bindings(self)
        self.person = person
        self.flow = flow

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = shell(self.app)
        assert app.actor is not None
        role = app.actor.role
        flows = [(counter_task_label(task), task.value) for task in COUNTER_TASKS if can(role, task)]
        documents = [(d.label, d.value) for d in app.desk.settings.identity.document_types]
        with Vertical(id="dialog"):
            yield Static(_("Identity check: {name}, {number}").format(
                name=self.person.name, number=mask_citizen_id(self.person.citizen_number)), id="dialog-title")
            with VerticalScroll(id="form"):
                offered = {value for _label, value in flows}
                flow = self.flow if self.flow in offered else flows[0][1]
                yield _row(_("For"), Select(flows, value=flow, allow_blank=False, id="flow"))
                yield _row(_("At the counter"), Select([(p.label, p.value) for p in Presenter],
                                                      value=Presenter.HOLDER.value, allow_blank=False,
                                                      id="presenter"))
                yield Static(_("Holder's document"), classes="form-section")
                yield from _document_rows("doc", documents)
                with Vertical(id="proxy-section"):
                    yield Static(_("Proxy's own document"), classes="form-section")
                    yield from _document_rows("proxy", documents)
                    yield _row(_("Relationship"), Input(id="relationship", max_length=40))
                    yield _row(_("Authorisation"), Input(
                        id="authorisation", placeholder=_("reference on the signed form"), max_length=60))
            yield _row("", TickBox(_("Face compared with the photo (F8)"), id="face"))
            yield Static("", id="refusal", classes="problem")
            yield Static(_("F8 face matches · F9 record · Esc cancel"), id="dialog-keys", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#proxy-section").display = False
        for problem in self.query(".problem").results(Static):
            show_problem(problem, "")
        self.query_one("#doc-number", Input).focus()

    # -- as the clerk types ------------------------------------------------------------------
    def _select(self, name: str) -> str:
        return str(self.query_one(f"#{name}", Select).value)

    def _today(self) -> date:
        return shell(self.app).local_today()

    @on(Select.Changed, "#presenter")
    @on(Select.Changed, "#flow")
    def _presenter(self) -> None:
        """A proxy: their section opens, or, for a task a proxy may not do here, the refusal shows at once."""
        presenter = self._select("presenter")
        self.query_one("#proxy-section").display = presenter == Presenter.PROXY
        refusal = task_refusal(presenter, self._select("flow"), shell(self.app).desk.settings.collection.proxy_allowed)
        show_problem(self.query_one("#refusal", Static), refusal.message if refusal is not None else "")

    @on(Input.Changed, "#doc-number")
    @on(Select.Changed, "#doc-type")
    def _holder_number(self) -> None:
        value = self.query_one("#doc-number", Input).value
        is_citizen = self._select("doc-type") in CITIZEN_NUMBER_DOCUMENTS
        problem = problem_so_far(value, self._today(), is_citizen)
        number = normalise_citizen_id(value)
        if problem is None and is_citizen and len(number) == LENGTH and number != self.person.citizen_number:
            problem = _("This is not the citizen number on record for this person.")
        show_problem(self.query_one("#doc-number-problem", Static), problem or "")

    @on(Input.Changed, "#proxy-number")
    @on(Select.Changed, "#proxy-type")
    def _proxy_number(self) -> None:
        value = self.query_one("#proxy-number", Input).value
        problem = problem_so_far(value, self._today(), self._select("proxy-type") in CITIZEN_NUMBER_DOCUMENTS)
        show_problem(self.query_one("#proxy-number-problem", Static), problem or "")

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    def action_face(self) -> None:
        box = self.query_one("#face", Checkbox)
        box.value = not box.value

    def action_cancel(self) -> None:
        self.dismiss(None)

    # -- recording ----------------------------------------------------------------------------
    def _document(self, prefix: str, type_id: str) -> Document | str:
        expiry_text = self.query_one(f"#{prefix}-expiry", Input).value
        long_term = self.query_one(f"#{prefix}-long-term", Checkbox).value
        expiry = None if long_term else parse_date(expiry_text)
        if not long_term and expiry is None:
            return _("Type the document's expiry date as YYYY-MM-DD, or tick long-term.")
        return Document(self._select(type_id), self.query_one(f"#{prefix}-number", Input).value,
                        self.query_one(f"#{prefix}-name", Input).value, expiry)

    def action_record(self) -> None:
        refusal = self.query_one("#refusal", Static)
        presenter = Presenter(self._select("presenter"))
        holder = self._document("doc", "doc-type")
        if isinstance(holder, str):
            show_problem(refusal, _("Holder's document") + colon() + holder)
            return
        proxy: ProxyDetails | None = None
        if presenter == Presenter.PROXY:
            document = self._document("proxy", "proxy-type")
            if isinstance(document, str):
                show_problem(refusal, _("Proxy's document") + colon() + document)
                return
            proxy = ProxyDetails(document, self.query_one("#relationship", Input).value,
                                 self.query_one("#authorisation", Input).value)
        show_problem(refusal, _("Recording…"))
        self.record(self._select("flow"), presenter, holder, proxy, self.query_one("#face", Checkbox).value)

    @work(thread=True, exclusive=True)
    def record(self, flow: str, presenter: Presenter, holder: Document, proxy: ProxyDetails | None,
               face: bool) -> None:
        app = shell(self.app)
        assert app.actor is not None
        try:
            result = record_identity_check(app.desk, app.actor, self.person.id, flow, presenter=presenter,
                                           document=holder, face_confirmed=face, proxy=proxy)
        except (DomainError, ServiceError) as error:
            self.post_message(IdentityDone(None, error.message))
        else:
            self.post_message(IdentityDone(result))

    def on_identity_done(self, message: IdentityDone) -> None:
        if message.value is None:
            show_problem(self.query_one("#refusal", Static), message.problem)
            return
        self.dismiss(message.value)
