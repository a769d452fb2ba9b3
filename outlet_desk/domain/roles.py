"""Who may do what: one permission matrix, and whose accounts each role may manage, in one place."""

from __future__ import annotations

from collections.abc import Mapping
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


class Action(Worded):
    """Every use case an operator can start."""

    OPEN_PERSON = "open_person", N_("open a card holder's record")
    REPORT_LOSS_HOTLINE = "report_loss_hotline", N_("take a loss report by the hotline")
    REPORT_LOSS_COUNTER = "report_loss_counter", N_("take a loss report at the counter")
    WITHDRAW_LOSS = "withdraw_loss", N_("withdraw a loss report")
    APPLY_REISSUE = "apply_reissue", N_("take a reissue application")
    WAIVE_FEE = "waive_fee", N_("waive a fee")
    COLLECT_CARD = "collect_card", N_("hand over a card")
    RECEIVE_STOCK = "receive_stock", N_("receive cards into stock")
    SPOIL_CARD = "spoil_card", N_("spoil a card")
    APPROVE = "approve", N_("approve another operator's action")
    CASH_UP = "cash_up", N_("cash up")
    CLOSE_DAY = "close_day", N_("close the day")
    MANAGE_OPERATORS = "manage_operators", N_("manage operators")
    VIEW_AUDIT = "view_audit", N_("view the audit log")
    VIEW_REPORTS = "view_reports", N_("view reports")
    VERIFY_AUDIT = "verify_audit", N_("verify the audit log")
    BACK_UP_STORE = "back_up_store", N_("back up or restore the store")


_A = Action

#: The counter tasks, named as nouns: what an identity check is for (its flow), and what a proxy may be allowed
#: to do. Each is the :class:`Action` of its use case.
COUNTER_TASKS: Mapping[Action, str] = MappingProxyType(
    {
        _A.REPORT_LOSS_COUNTER: N_("loss report at the counter"),
        _A.WITHDRAW_LOSS: N_("withdrawal of a loss report"),
        _A.APPLY_REISSUE: N_("reissue application"),
        _A.COLLECT_CARD: N_("card collection"),
    }
)


def counter_task_label(task: str) -> str:
    """A counter task (an identity check's flow, as stored) as a noun, in the outlet's language."""
    return _(COUNTER_TASKS[Action(task)]) if task in COUNTER_TASKS else task

#: Actions that change nothing.
READ_ONLY_ACTIONS: frozenset[Action] = frozenset(
    {_A.OPEN_PERSON, _A.VIEW_AUDIT, _A.VIEW_REPORTS, _A.VERIFY_AUDIT}
)

_HOTLINE = frozenset({_A.OPEN_PERSON, _A.REPORT_LOSS_HOTLINE})
_CLERK = _HOTLINE | {_A.REPORT_LOSS_COUNTER, _A.WITHDRAW_LOSS, _A.APPLY_REISSUE, _A.COLLECT_CARD, _A.SPOIL_CARD}
_OVERSIGHT = frozenset({_A.VIEW_AUDIT, _A.VIEW_REPORTS, _A.VERIFY_AUDIT})

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
            _A.SPOIL_CARD,
            _A.MANAGE_OPERATORS,
            _A.BACK_UP_STORE,
        },
        Role.ADMIN: _OVERSIGHT | {_A.MANAGE_OPERATORS, _A.BACK_UP_STORE},
        Role.AUDITOR: _OVERSIGHT,
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
