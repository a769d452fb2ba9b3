"""The operator password policy (NIST SP 800-63B): at least 12 characters, at most 1,024, not only
whitespace, no control characters. Any other character (spaces between words, any script) is allowed."""

from __future__ import annotations

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.text import is_control
from outlet_desk.i18n import _

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


class WeakPassword(DomainError):
    code = "weak_password"


def check_password_policy(password: str) -> None:
    """Raise :class:`WeakPassword`, naming the rule, if ``password`` may not be set."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            _("The password is too short: it needs at least {minimum} characters.").format(
                minimum=MIN_PASSWORD_LENGTH
            )
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(
            _("The password is too long: at most {maximum} characters.").format(maximum=MAX_PASSWORD_LENGTH)
        )
    if not password.strip():
        raise WeakPassword(_("The password must not be only spaces: use words or other characters too."))
    if any(is_control(char) for char in password):
        raise WeakPassword(
            _("The password must not contain control characters (such as tab, escape or NUL): "
              "use letters, digits, spaces and punctuation.")
        )
