"""What a screen's worker found: one message shape for every "loaded" or "done" that a worker posts back."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.message import Message

T = TypeVar("T")


class Answer(Message, Generic[T]):
    """A worker's answer: the ``value`` found or made, or None with the ``problem`` in the clerk's words.
    A screen subclasses it once per kind of answer, so that its handler has its own name
    (``class HomeLoaded(Answer[HomeView])`` is handled by ``on_home_loaded``)."""

    def __init__(self, value: T | None, problem: str = "") -> None:
        super().__init__()
        self.value = value
        self.problem = problem
