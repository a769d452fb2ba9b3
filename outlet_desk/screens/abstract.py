"""The metaclass of the desk's base screens, whose hooks a subclass must fill (``abc.abstractmethod``).

Textual's screens have a metaclass of their own (it collects each class's message handlers), so a base screen
cannot simply inherit ``abc.ABC``: the metaclass here is both Textual's and ``ABCMeta``. A subclass that leaves
a hook out is then refused when it is made (``TypeError`` naming the hook), not when the hook is first called.
"""

from __future__ import annotations

from abc import ABCMeta

# Textual's metaclass of every message pump (App, Screen, Widget). Its name is private to Textual (8.x); should
# a release rename it, this import fails at start, and tests/tui/test_abstract_screens.py names why.
from textual.message_pump import _MessagePumpMeta


class AbstractScreenMeta(_MessagePumpMeta, ABCMeta):
    """Textual's screen metaclass with ``ABCMeta``: ``abc.abstractmethod`` holds on the screens that use it."""
