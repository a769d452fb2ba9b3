"""The one base class for every refusal a domain rule can make."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused something; ``message`` is ready to show the clerk, ``code`` is for machines.

    Subclasses set a class-level ``code``; an instance may override it. ``message`` is already
    translated (raise sites call ``_`` when they raise, never at import time).
    """

    code: str = "domain_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message
