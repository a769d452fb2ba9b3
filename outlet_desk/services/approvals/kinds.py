"""What differs between the kinds of approval by request, as data: the refusal each raises, its wording,
the permission its checker needs, and who may sign the same action at the counter instead."""

from __future__ import annotations

from dataclasses import dataclass

from outlet_desk.domain.approvals import ApprovalKind
from outlet_desk.domain.roles import Action, Role
from outlet_desk.i18n import N_
from outlet_desk.services.errors import ServiceError

CARD_ENTITY = "card"
"""A request asked for at the counter is bound to the card it concerns (``entity_id``): the card names the
person."""


class WaiverRefused(ServiceError):
    code = "waiver_refused"


class WithdrawalApprovalRefused(ServiceError):
    """A withdrawal asked for by request cannot be sent, or its approval cannot be used."""

    code = "withdrawal_approval"


class SecondOperatorNeeded(ServiceError):
    code = "second_operator"


@dataclass(frozen=True)
class SignerRule:
    """Who may sign the action at the counter beside the clerk (instead of an approval by request)."""

    may: Action
    refused: type[ServiceError]
    not_yourself: str
    """msgid: the signer is the clerk."""
    not_allowed: str
    """msgid: the signer's role may not sign."""
    role: Role | None = None
    """When set, only this role may sign."""


@dataclass(frozen=True)
class RequestKind:
    """One kind of approval by request. The ``*`` fields are msgids, formatted with ``id`` (and ``card``)."""

    kind: ApprovalKind
    refused: type[ServiceError]
    checker_may: Action
    """What the deciding supervisor must be allowed to do for the approval to be usable."""
    signer: SignerRule
    not_yours: str
    """msgid: the clerk asks about a request that is not theirs (or no such request)."""
    no_such: str
    """msgid: the approval given to the use case is not one of this kind."""
    already_waiting: str
    other_subject: str
    """msgid: the approval was asked for another card (or, for a waiver, another reason)."""


WAIVER = RequestKind(
    ApprovalKind.WAIVE_FEE, WaiverRefused, Action.WAIVE_FEE,
    SignerRule(Action.WAIVE_FEE, WaiverRefused,
               N_("A fee waiver must be signed by a supervisor other than the clerk taking the application."),
               N_("Only a supervisor can waive the fee."), Role.SUPERVISOR),
    not_yours=N_("You have no fee waiver request with number {id}."),
    no_such=N_("There is no fee waiver with number {id}."),
    already_waiting=N_("A waiver for this card is already waiting for a decision (no. {id})."),
    other_subject=N_("Waiver {id} was asked for another application (another card or reason); send a new "
                     "request for this one."),
)

WITHDRAWAL = RequestKind(
    ApprovalKind.WITHDRAW_LOSS, WithdrawalApprovalRefused, Action.APPROVE,
    SignerRule(Action.WITHDRAW_LOSS, SecondOperatorNeeded, N_("The second operator must be someone else."),
               N_("The second operator must be a clerk or a supervisor.")),
    not_yours=N_("You have no request to withdraw a loss report with number {id}."),
    no_such=N_("There is no approval to withdraw a loss report with number {id}."),
    already_waiting=N_("A withdrawal for this card is already waiting for a decision (no. {id})."),
    other_subject=N_("Approval {id} was asked for another card; send a new request for card {card}."),
)


class SpoilRefused(ServiceError):
    code = "spoil_refused"


SPOIL_WITNESS = SignerRule(
    Action.SPOIL_CARD, SpoilRefused,
    N_("A spoiled card needs a witness other than the clerk who records it."),
    N_("The witness must be a clerk or a supervisor of this outlet."))
"""Who may witness a spoiled card at the counter beside the clerk (dual control: maker != checker)."""


class ReturnRefused(ServiceError):
    code = "return_refused"


RETURN_WITNESS = SignerRule(
    Action.SPOIL_CARD, ReturnRefused,
    N_("A card returned to the card centre needs a second operator other than the one who returns it."),
    N_("The second operator must be a clerk or a supervisor of this outlet."))
"""Who may sign the return of an uncollected card beside the supervisor: the spoiled card's witness rule (dual
control: maker != checker, a clerk or a supervisor, signed in with their own password)."""
