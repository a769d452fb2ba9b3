"""The operator password policy."""

from __future__ import annotations

from outlet_desk.domain.errors import DomainError
from outlet_desk.i18n import _

MIN_PASSWORD_LENGTH = 12


class WeakPassword(DomainError):
    code = "weak_password"


def check_password_policy(password: str) -> None:
    """Raise :class:`WeakPassword` if ``password`` has fewer than 12 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            _("The password is too short: it needs at least {minimum} characters.").format(
                minimum=MIN_PASSWORD_LENGTH
            )
        )
