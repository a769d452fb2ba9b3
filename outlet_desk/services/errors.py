"""Refusals a service can give. Each carries a message a clerk can act on (already translated)."""

from __future__ import annotations

from outlet_desk.i18n import _


class ServiceError(Exception):
    """Base of every refusal by a service; ``message`` is shown to the person as it is."""

    code = "service_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(ServiceError):
    code = "not_found"


class RecordChanged(ServiceError):
    """Another counter changed the record since it was shown: nothing was saved. The task screen that gets it
    reads the record again and shows what changed (``screens.card_tasks.base.CardScreen``)."""

    code = "record_changed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _("Another counter changed this record at the same moment; nothing was saved here.")
        )


class StoreBusy(ServiceError):
    code = "store_busy"

    def __init__(self) -> None:
        super().__init__(_("The database is busy with another counter. Nothing was saved; try again."))


class LoginRefused(ServiceError):
    code = "login_refused"

    def __init__(self, message: str, minutes_left: int = 0) -> None:
        super().__init__(message)
        self.minutes_left = minutes_left


class AuditKeyProblem(ServiceError):
    code = "audit_key"


class DataKeyProblem(ServiceError):
    """The data key that seals personal data at rest is missing, unreadable, readable by others, or not the
    key the database's personal data is sealed with: the desk does not open (nothing written)."""

    code = "data_key"
