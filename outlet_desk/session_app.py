"""The signed-in session of the desk app: sign-in, idle lock with its countdown, logout, deadlines.

The rules are :class:`~outlet_desk.services.session.DeskSession`'s (pure, clock-driven); this base class
of :class:`~outlet_desk.app.DeskApp` applies them to the screens: it ticks, counts down in the last
minute, pushes the lock screen over the work in progress, and logs out when the session is over. Each
lock and logout is audited by the services, in a worker thread: the screen changes at once, the store is
written off the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from textual import events
from textual.app import App
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.text import visible
from outlet_desk.i18n import _
from outlet_desk.services import session as sessions
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError


class SessionApp(App[None]):
    lock_in: reactive[int] = reactive(0)
    """Seconds to the idle lock while the last-minute countdown shows, else 0."""

    def __init__(self, desk: Desk | None, clock: Callable[[], datetime] | None = None) -> None:
        """``desk`` None: the store opens after the first screen is up (see :meth:`desk_opened`)."""
        super().__init__()
        self._desk = desk
        self._clock = clock
        self.session: sessions.DeskSession | None = None

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """A notification, its text shown as typed: the desk's messages carry names and refusals from
        outside and never markup (control characters are written as escapes)."""
        super().notify(visible(message), title=visible(title), severity=severity, timeout=timeout, markup=markup)

    def action_help_quit(self) -> None:
        """Ctrl+C (Textual's answer, in the outlet's language): how the desk is closed."""
        self.notify(_("Ctrl+Q closes the desk (F12 logs out)."), title=_("Close the desk?"))

    @property
    def desk(self) -> Desk:
        """The open store; only the sign-in screen runs before it is open, and it asks :attr:`desk_is_open`."""
        if self._desk is None:
            raise RuntimeError("the desk's store is not open yet")
        return self._desk

    @property
    def desk_is_open(self) -> bool:
        return self._desk is not None

    def desk_opened(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def rules(self) -> sessions.SessionRules:
        return sessions.SessionRules.from_settings(self.desk.settings.security)

    def clock(self) -> datetime:
        """Now: the clock given to the app (tests), else the desk's."""
        return self._clock() if self._clock is not None else self.desk.now()

    @property
    def actor(self) -> Actor | None:
        return self.session.actor if self.session else None

    def local_today(self) -> date:
        return self.clock().astimezone(self.desk.tz).date()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown) and self.session is not None:
            self.session.touch(self.clock())
            self.lock_in = 0
        await super().on_event(event)

    # -- signing in and out ----------------------------------------------------------------------
    def signed_in(self, actor: Actor) -> None:
        from outlet_desk.screens.home import HomeScreen

        self.session = sessions.DeskSession(actor, self.rules, self.clock())
        self.lock_in = 0
        self._reset_to(HomeScreen())

    def _reset_to(self, screen: Screen[None]) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)

    def signed_out(self, message: str = "") -> None:
        from outlet_desk.screens.login import LoginScreen

        self.session = None
        self.lock_in = 0
        self._reset_to(LoginScreen(message))

    def check_session(self) -> None:
        """Run every tick: countdown, idle lock, logout when locked too long or after the maximum session."""
        if self.session is None:
            return
        status = self.session.status(self.clock())
        self.lock_in = status.seconds_left if status.phase is sessions.Phase.WARNING else 0
        if status.phase is sessions.Phase.LOCK_DUE:
            self.lock_screen(sessions.LockReason.IDLE)
        elif status.phase is sessions.Phase.LOGOUT_DUE and status.logout_reason is not None:
            self.end_session(status.logout_reason)

    def lock_screen(self, reason: sessions.LockReason) -> None:
        from outlet_desk.screens.lock import LockScreen

        if self.session is None or self.session.locked:
            return
        self.session.lock(self.clock())
        self.lock_in = 0
        desk, actor = self.desk, self.session.actor
        self._audit(lambda: sessions.lock_session(desk, actor, reason))
        self.push_screen(LockScreen(actor))

    def unlocked(self) -> None:
        if self.session is not None:
            self.session.unlock(self.clock())
        from outlet_desk.screens.lock import LockScreen

        if isinstance(self.screen, LockScreen):
            self.pop_screen()

    def end_session(self, reason: sessions.LogoutReason) -> Worker[None] | None:
        """Sign out now; the worker writing the logout's audit event is returned (None: nobody was signed in)."""
        if self.session is None:
            return None
        desk, actor = self.desk, self.session.actor
        writing = self._audit(lambda: sessions.logout(desk, actor, reason))
        messages = {
            sessions.LogoutReason.MANUAL: _("Logged out."),
            sessions.LogoutReason.LOCKED_TOO_LONG: _("Logged out: the screen was locked for {n} minutes.").format(
                n=self.desk.settings.security.locked_logout_minutes),
            sessions.LogoutReason.MAX_SESSION: _(
                "Logged out: a session lasts at most {n} hours; sign in again."
            ).format(n=self.desk.settings.security.max_session_hours),
            sessions.LogoutReason.FORCED: _("Logged out by another operator."),
        }
        self.signed_out(messages[reason])
        return writing

    def _audit(self, call: Callable[[], object]) -> Worker[None]:
        """Run ``call`` (a session use case that writes its audit event) in a worker thread; a refusal is
        notified."""
        def write() -> None:
            try:
                call()
            except (DomainError, ServiceError) as error:
                self.call_from_thread(self.notify, error.message, severity="error")

        return self.run_worker(write, name="session audit", group="session-audit", thread=True)
