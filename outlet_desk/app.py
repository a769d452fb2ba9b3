"""The Textual app: the main tasks on F-keys, the command palette, the card reader's events.

Screens live in :mod:`outlet_desk.screens` (one per task) and call services only. Signing in and out,
the idle lock and the session deadlines are :class:`~outlet_desk.session_app.SessionApp`'s.
``make_app`` builds the app for the CLI and for the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual import work
from textual.app import SystemCommand
from textual.binding import BindingType
from textual.command import CommandPalette, Provider
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.roles import Action, can
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.events import CardRead, CardRemoved, ReaderEvent, ReaderStatus, StateChanged
from outlet_desk.screens.base import DeskScreen
from outlet_desk.screens.palette import DeskCommands, desk_palette, footer_commands, without_repeats
from outlet_desk.screens.theme import DESK_THEME
from outlet_desk.services import session as sessions
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.session_app import SessionApp
from outlet_desk.widgets.keys import localise_bindings, localise_textual_widgets
from outlet_desk.widgets.line_breaking import install as break_lines_as_chinese_expects
from outlet_desk.widgets.shell import DeskShell, taking_cards
from outlet_desk.widgets.tasks import TASKS, task_help, task_title, tasks_for_palette

if TYPE_CHECKING:
    from outlet_desk.reader.training_reader import TrainingReader

break_lines_as_chinese_expects()

LAPSE_SWEEP_SECONDS = 60.0
"""How often a running desk returns lapsed temporary losses to use (the CLI also does it at start)."""


class ReaderFeed(Protocol):
    """What the app needs from the card reader: its state for the footer and its events."""

    @property
    def is_training(self) -> bool: ...

    @property
    def training_slot(self) -> TrainingReader | None:
        """The training reader's slots (cards go in from the palette); None on a real reader."""
        ...

    def state_text(self) -> str: ...

    def start(self, on_event: Callable[[ReaderEvent], None]) -> None: ...

    def stop(self) -> None: ...


class DeskCannotOpen(Exception):
    """The opener's refusal: the app ends with ``exit_code`` and prints ``message`` (bad settings: 2)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class OpenedDesk:
    """What the desk app runs on: the open store, the reader, and what to tell the operator first."""

    desk: Desk
    reader: ReaderFeed | None = None
    sign_in_hint: str = ""
    """Shown under the sign-in (a training outlet names its operators and passwords)."""
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """Files or folders of the desk that others may read, each with the chmod to run."""


class ReaderMessage(Message):
    """A reader event handed from the reader's thread to the app."""

    def __init__(self, event: ReaderEvent) -> None:
        super().__init__()
        self.event = event


class DeskApp(SessionApp):
    CSS_PATH = "app.tcss"
    TITLE = "Outlet Desk"
    BINDINGS: ClassVar[list[BindingType]] = [t.binding(show=False) for t in TASKS]
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {DeskCommands}

    reader_text: reactive[str] = reactive("")
    reader_holder: reactive[str] = reactive("")
    """The name of the holder of the card in the reader, once it was read and found (else empty)."""

    def __init__(self, desk: Desk | None, reader: ReaderFeed | None = None,
                 clock: Callable[[], datetime] | None = None, *, tick_seconds: float = 1.0,
                 opener: Callable[[], OpenedDesk] | None = None) -> None:
        """``desk`` given: the store is open already (tests). ``desk`` None: ``opener`` opens it (and
        makes the reader) in a worker once the sign-in screen is up, so the clerk can type at once."""
        super().__init__(desk, clock)
        if desk is None and opener is None:
            raise ValueError("a desk or an opener")
        localise_bindings(self)
        localise_textual_widgets()
        self.reader = reader
        self.opener = opener
        self.tick_seconds = tick_seconds
        self.sign_in_hint = ""
        self.card_while_away: CardData | None = None
        """A card read while nobody was signed in or the screen was locked: seen to right after sign-in."""
        self.register_theme(DESK_THEME)
        self.theme = DESK_THEME.name

    # -- state shown everywhere ------------------------------------------------------------------
    def reader_is_training(self) -> bool:
        return self.reader is not None and self.reader.is_training

    def on_mount(self) -> None:
        from outlet_desk.screens.login import LoginScreen

        self.reader_text = _("opening…")
        if self.desk_is_open:
            self._run_desk(OpenedDesk(self.desk, self.reader))
            self.push_screen(LoginScreen())  # which finds the store open when it mounts
        else:
            self.push_screen(LoginScreen())
            self.call_after_refresh(self._open_desk)

    @work(thread=True, exclusive=True, group="open", exit_on_error=True)
    def _open_desk(self) -> None:
        """The settings, the store and the reader, opened while the sign-in screen waits for the clerk."""
        assert self.opener is not None
        try:
            opened = self.opener()
        except DeskCannotOpen as error:
            self.call_from_thread(self.exit, None, error.exit_code, error.message)
            return
        self.call_from_thread(self._run_desk, opened)

    def _run_desk(self, opened: OpenedDesk) -> None:
        from outlet_desk.screens.login import LoginScreen
        from outlet_desk.widgets.header import DeskHeader

        self.desk_opened(opened.desk)
        self.reader = opened.reader
        self.sign_in_hint = opened.sign_in_hint
        self.reader_text = _("no card reader service")
        if self.reader is not None:
            self.reader.start(self._reader_event)
            self.reader_text = self.reader.state_text()
        self.set_interval(self.tick_seconds, self.check_session)
        self.set_interval(LAPSE_SWEEP_SECONDS, self.sweep_lapsed)
        for header in self.screen.query(DeskHeader):
            header.refresh_text()
        for note in opened.notes:
            self.notify(note, timeout=10)
        for warning in opened.warnings:
            self.notify(warning, severity="warning", timeout=60)
        if isinstance(self.screen, LoginScreen) and self.screen.is_mounted:
            self.screen.desk_ready()  # (not mounted yet: it finds the store open when it mounts)

    def _reader_event(self, event: ReaderEvent) -> None:
        """Called on the reader's thread: hand the event over to the app's message queue."""
        self.post_message(ReaderMessage(event))

    def on_unmount(self) -> None:
        if self.reader is not None:
            self.reader.stop()

    # -- the main tasks ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        task = next((t for t in TASKS if t.action == action), None)
        if task is None:
            return True
        actor = self.actor
        if actor is None or (self.session is not None and self.session.locked):
            return False
        if self._screen_owns(task.key):
            return False  # this screen uses the key for its own task (F6 on a card): never fall through
        if action == "go_back":
            return len(self.screen_stack) > 2 or None
        return task.allowed(actor.role)

    def signed_in(self, actor: Actor) -> None:
        super().signed_in(actor)
        self._card_left_in_reader()

    def unlocked(self) -> None:
        super().unlocked()
        self._card_left_in_reader()

    def signed_out(self, message: str = "") -> None:
        self.reader_holder = ""
        super().signed_out(message)

    def _screen_owns(self, key: str) -> bool:
        """The screen binds ``key`` to a task of its own that this operator may do (even if not now)."""
        screen = self.screen
        if isinstance(screen, DeskScreen):
            return screen.owns_key(key)
        return any(screen.check_action(b.action, ()) is not False
                   for b in screen._bindings.key_to_bindings.get(key, ()))

    def action_home(self) -> None:
        from outlet_desk.screens.home import HomeScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, HomeScreen):
            self.switch_screen(HomeScreen())

    def action_search(self) -> None:
        from outlet_desk.screens.search import SearchScreen

        if isinstance(self.screen, SearchScreen):
            self.screen.focus_query(clear=True)
            return
        self.action_home()
        self.push_screen(SearchScreen())

    def action_go_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def action_lock(self) -> None:
        self.lock_screen(sessions.LockReason.MANUAL)

    def action_logout(self) -> None:
        self.end_session(sessions.LogoutReason.MANUAL)

    async def action_quit(self) -> None:
        writing = self.end_session(sessions.LogoutReason.MANUAL)
        if writing is not None:
            await writing.wait()  # the logout is recorded before the desk closes
        self.exit()

    def open_person(self, person_id: int) -> None:
        from outlet_desk.screens.person import PersonScreen

        if self.actor is None:
            return
        if isinstance(self.screen, PersonScreen):
            self.pop_screen()
        self.push_screen(PersonScreen(person_id))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(desk_palette())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette's commands, in this order: the screen's own (its main task first), the main tasks (the
        role's likeliest first, Back last), Quit."""
        actor = self.actor
        if actor is None or (self.session and self.session.locked):
            return
        yield from without_repeats(self._palette_commands(screen, actor))

    def _palette_commands(self, screen: Screen[object], actor: Actor) -> Iterable[SystemCommand]:
        yield from screen.desk_commands() if isinstance(screen, DeskScreen) else footer_commands(screen)
        for task in tasks_for_palette(actor.role):
            if task.allowed(actor.role) and self.check_action(task.action, ()):
                yield SystemCommand(task_title(task), task_help(task), getattr(self, f"action_{task.action}"))
        yield SystemCommand(_("Rules for citizens"), _("The rules and the figures this outlet applies, to print"),
                            self.action_rules)
        yield SystemCommand(_("Quit"), _("Log out and close the desk"), self.action_quit)

    def action_rules(self) -> None:
        from outlet_desk.screens.rules import RulesScreen

        self.push_screen(RulesScreen())

    # -- the card reader ---------------------------------------------------------------------------
    def on_reader_message(self, message: ReaderMessage) -> None:
        from outlet_desk.screens.flow_support import ChipGone

        event = message.event
        if self.reader is not None and isinstance(event, StateChanged | CardRead):
            self.reader_text = self.reader.state_text()
        if isinstance(event, CardRemoved) or (
            isinstance(event, StateChanged) and event.state.status is not ReaderStatus.CARD
        ):
            self.reader_holder = ""
        if isinstance(event, CardRead):
            self.route_card(event.card)
        elif isinstance(event, CardRemoved):
            self.card_while_away = None
            if taking_cards(self.screen) is not None:
                self.screen.post_message(ChipGone())

    def route_card(self, card: CardData) -> None:
        """Where a card read goes. Nobody to act as (sign-in, lock): remembered for right after the sign-in.
        A task waiting for this very card (the reported card to withdraw, the new card to collect, the old
        card of a reissue) gets it. Any other card is looked up first: a blocked one raises the dialog,
        and is audited, whatever screen is open; one that is not blocked goes to the task waiting for a
        card, or opens its holder (not over a dialog)."""
        from outlet_desk.screens.flow_support import ChipRead

        if self.actor is None or (self.session is not None and self.session.locked):
            self.card_while_away = card
            return
        screen = self.screen
        task = taking_cards(screen)
        if task is not None and task.awaited_card_number() == card.card_number:
            screen.post_message(ChipRead(card))  # the task compares the chip with the record itself
            return
        self.card_presented(card, screen if task is not None else None,
                            open_holder=task is None and not isinstance(screen, ModalScreen))

    def _card_left_in_reader(self) -> None:
        """Right after a sign-in or an unlock: the card put in meanwhile, if it is still in the reader, is
        handled now, under the operator who signed in (a blocked one raises the dialog and is audited)."""
        from outlet_desk.screens.flow_support import card_ops

        card, self.card_while_away = self.card_while_away, None
        ops = card_ops(self)
        now = ops.last_card() if ops is not None else None
        if card is not None and now is not None and now.identification_code == card.identification_code:
            self.call_after_refresh(self.route_card, now)

    @work(thread=True, group="presented")
    def card_presented(self, card: CardData, task: Screen[None] | None = None, *, open_holder: bool = True) -> None:
        """A card was put in: a blocked one (lost, suspended, replaced...) is named in a dialog and audited,
        whatever screen is open; any other goes to ``task`` (a task waiting for a card), else opens its
        holder when ``open_holder``."""
        from outlet_desk.screens.blocked_card import BlockedCardScreen
        from outlet_desk.screens.flow_support import ChipRead
        from outlet_desk.services.collection import card_presented

        actor = self.actor
        if actor is None or (self.session and self.session.locked):
            return
        try:
            presented = card_presented(self.desk, actor, card)
        except (DomainError, ServiceError) as error:
            self.call_from_thread(self.notify, error.message, severity="error")
            return
        if presented is not None and presented.blocked:
            rule = self.desk.settings.rules.retained_card
            self.call_from_thread(self.push_screen, BlockedCardScreen(presented, rule))
        elif task is not None:
            task.post_message(ChipRead(card))
        elif open_holder:
            self.call_from_thread(self.card_read, card.card_number)

    @work(thread=True, exclusive=True, group="lapse")
    def sweep_lapsed(self) -> None:
        """Temporary loss reports past their lapse date return their cards to use (each lapse audited)."""
        from outlet_desk.services.loss import sweep_lapsed

        try:
            lapsed = sweep_lapsed(self.desk)
        except (DomainError, ServiceError) as error:
            self.call_from_thread(self.notify, error.message, severity="error")
            return
        if lapsed and self.actor is not None:
            self.call_from_thread(self.notify, _("{n} temporary loss reports lapsed; those cards work again.").format(
                n=len(lapsed)))

    def action_supervisor(self) -> None:
        from outlet_desk.screens.supervisor_home import SupervisorHomeScreen

        if self.actor is not None:
            self._open_supervision(SupervisorHomeScreen, SupervisorHomeScreen(self.desk, self.actor))

    def action_daily_report(self) -> None:
        from outlet_desk.screens.report import ReportScreen

        if self.actor is not None:
            self._open_supervision(ReportScreen, ReportScreen(self.desk, self.actor))

    def _open_supervision(self, kind: type[Screen[None]], screen: Screen[None]) -> None:
        """Open a supervisor's screen so that Esc goes back to where the key was pressed: over the supervisor's
        screen it was pressed on (the report from F11 returns to F11); back to it if it is open already
        under this one; else from the home screen."""
        from outlet_desk.screens.supervision_base import SupervisorScreen

        if any(isinstance(open_, kind) for open_ in self.screen_stack):
            while not isinstance(self.screen, kind):
                self.pop_screen()
            return
        if not isinstance(self.screen, SupervisorScreen):
            self.action_home()
        self.push_screen(screen)

    def action_city_report(self) -> None:
        from outlet_desk.screens.city_report import CityReportScreen

        if self.actor is not None:
            self.action_home()
            self.push_screen(CityReportScreen(self.desk, self.actor))

    def action_hotline(self) -> None:
        from outlet_desk.screens.hotline import HotlineLossScreen

        self.action_home()
        self.push_screen(HotlineLossScreen())

    def card_read(self, card_number: str) -> None:
        """A card was read: open its holder (signed in, not locked, allowed to open records)."""
        actor = self.actor
        if actor is None or (self.session and self.session.locked) or not can(actor.role, Action.OPEN_PERSON):
            return
        self._find_holder(card_number)

    @work(thread=True, exclusive=True, group="reader")
    def _find_holder(self, card_number: str) -> None:
        from outlet_desk.services.persons import find_persons

        try:
            found = find_persons(self.desk, card_number)
        except (DomainError, ServiceError) as error:
            self.call_from_thread(self.notify, error.message, severity="error")
            return
        if len(found) != 1:
            self.call_from_thread(
                self.notify, _("Card {number} is not in this outlet's records.").format(number=card_number),
                severity="warning")
            return
        self.call_from_thread(setattr, self, "reader_holder", found[0].name)
        self.call_from_thread(self.open_person, found[0].id)


def make_app(desk: Desk, reader: ReaderFeed | None = None,
             clock: Callable[[], datetime] | None = None) -> DeskApp:
    """The desk app for ``desk``; ``reader`` None = no reader; ``clock`` defaults to the desk's clock."""
    return DeskApp(desk, reader, clock)


if TYPE_CHECKING:
    def _screens_see_the_desk_app_as_a_shell(app: DeskApp) -> DeskShell:
        """mypy checks here that the desk app gives screens and widgets everything ``DeskShell`` names."""
        return app
