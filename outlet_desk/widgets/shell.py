"""The desk app as its screens and widgets see it.

The app imports every screen, so no screen or widget imports the app: they reach it through this protocol,
which names what they read of it (the open store, the operator, the session, the reader's state) and the
few things they ask of it. ``DeskApp`` conforms (mypy checks it in ``app.py``); what a screen asks of
Textual itself (``push_screen``, ``notify``, workers) it asks of ``self.app`` as usual.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    from textual.app import App

    from outlet_desk.services.context import Actor, Desk
    from outlet_desk.services.session import DeskSession


@runtime_checkable
class DeskShell(Protocol):
    """What screens and widgets read of the desk app and ask of it."""

    session: DeskSession | None
    reader: Any
    """The card reader (``app.ReaderFeed``), or None on a desk without one."""
    sign_in_hint: str
    reader_text: str
    reader_holder: str
    lock_in: int

    @property
    def desk(self) -> Desk: ...

    @property
    def desk_is_open(self) -> bool: ...

    @property
    def actor(self) -> Actor | None: ...

    def clock(self) -> datetime: ...

    def local_today(self) -> date: ...

    def reader_is_training(self) -> bool: ...

    def signed_in(self, actor: Actor) -> None: ...

    def unlocked(self) -> None: ...

    def open_person(self, person_id: int) -> None: ...


@runtime_checkable
class TakesCards(Protocol):
    """A screen that may take the cards put into the reader (a counter task): while ``takes_cards``, the app
    hands it each card read (``flow_support.ChipRead``) and tells it when the card is pulled out
    (``ChipGone``) instead of opening the card's holder."""

    takes_cards: bool

    def awaited_card_number(self) -> str:
        """The card the task is about: a chip with this number goes to it before any other check."""
        ...


def taking_cards(screen: object) -> TakesCards | None:
    """``screen`` if it takes the cards put into the reader now, else None."""
    return screen if isinstance(screen, TakesCards) and screen.takes_cards else None


_SHELL_MEMBERS = ("desk", "desk_is_open", "actor", "local_today", "reader_is_training", "signed_in", "unlocked",
                  "open_person")


def shell(app: App[Any]) -> DeskShell:
    """``app`` as the desk app (screens and widgets only ever run inside it)."""
    return cast(DeskShell, app)


def in_desk_app(app: App[Any]) -> bool:
    """Whether ``app`` is the desk app, not a bare Textual app a widget is tried in. Read without calling
    anything (``isinstance`` with the protocol would read ``desk``, which raises while the store opens)."""
    return all(inspect.getattr_static(app, name, None) is not None for name in _SHELL_MEMBERS)
