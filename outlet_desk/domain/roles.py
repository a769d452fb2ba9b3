"""Who may do what: one permission matrix, and whose accounts each role may manage, in one place."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.worded import Worded
from outlet_desk.i18n import N_, _


class Role(Worded):
    CLERK = "clerk", N_("clerk")
    SUPERVISOR = "supervisor", N_("supervisor")
    ADMIN = "admin", N_("administrator")
    HOTLINE = "hotline", N_("hotline agent")
    AUDITOR = "auditor", N_("auditor")
    CITY_SUPERVISOR = "city_supervisor", N_("city supervisor")
    CITY_AUDITOR = "city_auditor", N_("city auditor")
    PROVINCE_SUPERVISOR = "prov_supervisor", N_("province supervisor")


class Action(Worded):
    """Every use case an operator can start."""

    OPEN_PERSON = "open_person", N_("open a card holder's record")
    REPORT_LOSS_HOTLINE = "report_loss_hotline", N_("take a loss report by the hotline")
    REPORT_LOSS_COUNTER = "report_loss_counter", N_("take a loss report at the counter")
    WITHDRAW_LOSS = "withdraw_loss", N_("withdraw a loss report")
    APPLY_REISSUE = "apply_reissue", N_("take a reissue application")
    WAIVE_FEE = "waive_fee", N_("waive a fee")
    COLLECT_CARD = "collect_card", N_("hand over a card")
    RESET_PIN = "reset_pin", N_("reset or unblock a card's PIN")
    CANCEL_CARD = "cancel_card", N_("cancel a person's cards")
    RETAIN_CARD = "retain_card", N_("retain a blocked card")
    RECEIVE_STOCK = "receive_stock", N_("receive cards into stock")
    RECORD_PRODUCTION_FAILURE = "record_prod_failure", N_("record that the card centre could not make a card")
    REORDER_CARD = "reorder_card", N_("order a card again after its production failed")
    SPOIL_CARD = "spoil_card", N_("spoil a card")
    APPROVE = "approve", N_("approve another operator's action")
    CASH_UP = "cash_up", N_("cash up")
    CLOSE_DAY = "close_day", N_("close the day")
    MANAGE_OPERATORS = "manage_operators", N_("manage operators")
    VIEW_AUDIT = "view_audit", N_("view the audit log")
    VIEW_REPORTS = "view_reports", N_("view reports")
    VERIFY_AUDIT = "verify_audit", N_("verify the audit log")
    BACK_UP_STORE = "back_up_store", N_("back up or restore the store")
    VIEW_CITY_REPORTS = "view_city_reports", N_("view the reports of every outlet of the city")
    VIEW_PROVINCE_REPORTS = "view_province_reports", N_("view the reports of every city of the province")
    EXPORT_FEED = "export_feed", N_("export the card-status feed")
    ROTATE_DATA_KEY = "rotate_data_key", N_("rotate the data key")


_A = Action

#: The counter tasks, named as nouns: what an identity check is for (its flow), and what a proxy may be allowed
#: to do. Each is the :class:`Action` of its use case.
COUNTER_TASKS: Mapping[Action, str] = MappingProxyType(
    {
        _A.REPORT_LOSS_COUNTER: N_("loss report at the counter"),
        _A.WITHDRAW_LOSS: N_("withdrawal of a loss report"),
        _A.APPLY_REISSUE: N_("reissue application"),
        _A.COLLECT_CARD: N_("card collection"),
        _A.RESET_PIN: N_("PIN reset or unblock"),
        _A.CANCEL_CARD: N_("card cancellation"),
    }
)

#: Counter tasks the holder does in person, never a proxy, whatever ``[collection] proxy_allowed`` says.
IN_PERSON_ONLY: frozenset[Action] = frozenset({_A.RESET_PIN})

#: Tasks a proxy may always do, whatever the outlet allows proxies: a death is reported by a relative.
_ALWAYS_BY_PROXY: frozenset[Action] = frozenset({_A.CANCEL_CARD})

#: The counter tasks an outlet may let a proxy do (``[collection] proxy_allowed`` lists some of them).
PROXY_TASKS: tuple[Action, ...] = tuple(task for task in COUNTER_TASKS if task not in IN_PERSON_ONLY)


def proxy_may_do(task: str, allowed: Collection[str]) -> bool:
    """Whether a proxy may do the counter ``task`` at an outlet that allows proxies ``allowed``: never a task
    done in person only; always one a proxy must be able to do (a death reported by a relative); else as the
    outlet allows."""
    if task in IN_PERSON_ONLY:
        return False
    return task in allowed or task in _ALWAYS_BY_PROXY


def counter_task_label(task: str) -> str:
    """A counter task (an identity check's flow, as stored) as a noun, in the outlet's language."""
    return _(COUNTER_TASKS[Action(task)]) if task in COUNTER_TASKS else task

#: Actions that change nothing.
READ_ONLY_ACTIONS: frozenset[Action] = frozenset(
    {_A.OPEN_PERSON, _A.VIEW_AUDIT, _A.VIEW_REPORTS, _A.VERIFY_AUDIT, _A.VIEW_CITY_REPORTS, _A.EXPORT_FEED,
     _A.VIEW_PROVINCE_REPORTS}
)
"""(Exporting the feed records only how far a consumer has read it: no outlet's record changes.)"""

_HOTLINE = frozenset({_A.OPEN_PERSON, _A.REPORT_LOSS_HOTLINE})
_CLERK = _HOTLINE | {_A.REPORT_LOSS_COUNTER, _A.WITHDRAW_LOSS, _A.APPLY_REISSUE, _A.COLLECT_CARD, _A.RESET_PIN,
                     _A.CANCEL_CARD, _A.RETAIN_CARD, _A.SPOIL_CARD, _A.REORDER_CARD}
_OVERSIGHT = frozenset({_A.VIEW_AUDIT, _A.VIEW_REPORTS, _A.VERIFY_AUDIT})
#: The city's roles read every outlet of their city (its reports, side by side) and act in none.
_CITY = frozenset({_A.VIEW_REPORTS, _A.VIEW_CITY_REPORTS, _A.EXPORT_FEED})
#: The province's role reads every city of its province side by side (the province report), and acts in none.
#: A city role reads its own city only, so reading the province needs a role of its own.
_PROVINCE = frozenset({_A.VIEW_REPORTS, _A.VIEW_CITY_REPORTS, _A.VIEW_PROVINCE_REPORTS})

PERMISSIONS: Mapping[Role, frozenset[Action]] = MappingProxyType(
    {
        Role.HOTLINE: _HOTLINE,
        Role.CLERK: _CLERK,
        Role.SUPERVISOR: _CLERK
        | _OVERSIGHT
        | {
            _A.WAIVE_FEE,
            _A.APPROVE,
            _A.CASH_UP,
            _A.CLOSE_DAY,
            _A.RECEIVE_STOCK,
            _A.RECORD_PRODUCTION_FAILURE,
            _A.SPOIL_CARD,
            _A.MANAGE_OPERATORS,
            _A.BACK_UP_STORE,
            _A.ROTATE_DATA_KEY,
        },
        Role.ADMIN: _OVERSIGHT | {_A.MANAGE_OPERATORS, _A.BACK_UP_STORE, _A.EXPORT_FEED, _A.ROTATE_DATA_KEY},
        Role.AUDITOR: _OVERSIGHT,
        Role.CITY_SUPERVISOR: _CITY,
        Role.CITY_AUDITOR: _CITY,
        Role.PROVINCE_SUPERVISOR: _PROVINCE,
    }
)


class Forbidden(DomainError):
    """The operator's role does not allow the action."""

    code = "forbidden"

    def __init__(self, role: Role, action: Action) -> None:
        super().__init__(
            _("The {role} role may not {action}.").format(role=role_label(role), action=action_label(action))
        )
        self.role = role
        self.action = action


#: Whose accounts each role may manage (create, change the password of, unlock, take out of service or
#: back): an administrator any account; a supervisor the counter staff and the auditors, never an
#: administrator nor another supervisor. So nobody can make an account above their own role.
MANAGES: Mapping[Role, frozenset[Role]] = MappingProxyType(
    {
        Role.ADMIN: frozenset(Role),
        Role.SUPERVISOR: frozenset({Role.CLERK, Role.HOTLINE, Role.AUDITOR}),
        Role.CLERK: frozenset(),
        Role.HOTLINE: frozenset(),
        Role.AUDITOR: frozenset(),
        Role.CITY_SUPERVISOR: frozenset(),
        Role.CITY_AUDITOR: frozenset(),
        Role.PROVINCE_SUPERVISOR: frozenset(),
    }
)


class AccountOutOfReach(DomainError):
    """The operator's role may manage operators, but not an account of this role."""

    code = "account_out_of_reach"

    def __init__(self, role: Role, target: Role) -> None:
        allowed = sorted(MANAGES[role], key=list(Role).index)
        if allowed:
            message = _(
                "The {role} role may not manage {target} accounts: only an administrator creates administrator "
                "and supervisor accounts or changes, unlocks or deactivates them; the {role} role manages "
                "{allowed} accounts."
            ).format(role=role_label(role), target=role_label(target),
                     allowed=", ".join(role_label(r) for r in allowed))
        else:
            message = _("The {role} role may not manage operator accounts.").format(role=role_label(role))
        super().__init__(message)
        self.role = role
        self.target = target


def may_manage(role: Role, target: Role) -> bool:
    """Whether an operator of ``role`` may create, change, unlock or deactivate an account of ``target``."""
    return can(role, _A.MANAGE_OPERATORS) and target in MANAGES[role]


def require_manage(role: Role, target: Role) -> None:
    """Raise :class:`AccountOutOfReach` unless ``role`` may manage an account of ``target``."""
    if not may_manage(role, target):
        raise AccountOutOfReach(role, target)


def can(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]


def require(role: Role, action: Action) -> None:
    """Raise :class:`Forbidden` unless ``role`` may do ``action``."""
    if not can(role, action):
        raise Forbidden(role, action)


def role_label(role: Role) -> str:
    return role.label


def action_label(action: Action) -> str:
    return action.label
