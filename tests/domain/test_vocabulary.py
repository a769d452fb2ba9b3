"""One name for one thing: each status and kind is one enum that carries its words, and its code words appear
as bare strings nowhere else in the package (a test reads every module's string constants)."""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

import pytest

from outlet_desk.domain.approvals import (
    APPROVAL_MOVES,
    ApprovalKind,
    ApprovalMoveRefused,
    ApprovalStatus,
    move_approval,
)
from outlet_desk.domain.audit_actions import AuditAction
from outlet_desk.domain.cancellation import CancelReason
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.citizen_id import Gender
from outlet_desk.domain.holder_contact import ContactMethod, ContactOutcome
from outlet_desk.domain.loss import LossChannel, LossKind
from outlet_desk.domain.request_stages import FailureReason, StageSource
from outlet_desk.domain.request_status import (
    REQUEST_MOVES,
    RequestMoveRefused,
    RequestStatus,
    move_request,
    request_status_label,
)
from outlet_desk.domain.roles import COUNTER_TASKS, Action
from outlet_desk.domain.stock import BatchKind, BatchStatus, Discrepancy, StockStatus
from outlet_desk.domain.transfers import TransferStatus
from outlet_desk.domain.visit import Presenter
from outlet_desk.i18n import set_language

PACKAGE = Path(__file__).resolve().parents[2] / "outlet_desk"
# The statuses, and the counter tasks by name: their code words appear only in enum definitions (the migrations
# keep the words they had). A code shared by two enums ("ready": a card's status and a request's) is guarded
# the same way; an enum definition is where a code word belongs, whichever enum it is.
GUARDED_VOCABULARIES: tuple[type[StrEnum], ...] = (
    CardStatus, RequestStatus, ApprovalStatus, ApprovalKind, StageSource, FailureReason, StockStatus, BatchStatus,
    BatchKind, Discrepancy, TransferStatus, ContactMethod, ContactOutcome, CancelReason, LossChannel, LossKind,
    Gender, Presenter)
GUARDED_WORDS: frozenset[str] = frozenset(
    {member.value for enum in GUARDED_VOCABULARIES for member in enum}
    | {task.value for task in COUNTER_TASKS} | {Action.REPORT_LOSS_HOTLINE.value})
# Where a guarded code word is also the name of another thing (file, word: what it names there).
GUARDED_WORDS_ELSEWHERE: dict[tuple[str, str], str] = {
    ("screens/flow_support.py", "supervisor"): "the reader's attribute holding the card operations",
    ("widgets/tasks.py", "supervisor"): "the supervisor desk's task id and its Textual action name",
    ("widgets/tasks.py", "hotline"): "the hotline desk's task id and its Textual action name",
    ("screens/stock.py", "manifest"): "the manifest file input's widget id",
    ("stock_cli.py", "scan"): "the `stock scan` command's name",
    ("stock_cli.py", "blanks"): "the `stock blanks` command's name",
    ("services/stock_import.py", "blank"): "a stock line's column name (the blank flag)",
    ("services/audit/store.py", "closed"): "a day close's field in an audit event",
    ("config/messages.py", "missing"): "pydantic's error type for a missing setting",
    ("db/tables.py", "phone"): "the person's phone column",
    ("domain/caller_facts.py", "phone"): "the caller fact checked (the phone on file), not a contact method",
    ("services/masking.py", "phone"): "the audit field masked as a phone number",
    ("screens/identity_check.py", "proxy"): "the id prefix of the proxy's document fields",
    ("screens/uncollected.py", "holder"): "the holder column's key in the uncollected cards' table",
}
_WORD_CALLS = {"_", "N_", "ngettext"}
# The audit actions: sealed in the chain, written by the services as AuditAction members only.
AUDIT_ACTION_WORDS: frozenset[str] = frozenset(action.value for action in AuditAction)
# Where an audit action's code word is also the name of another thing (file, word: what it names there).
AUDIT_WORDS_ELSEWHERE: dict[tuple[str, str], str] = {
    ("db/tables.py", "cash_up"): "the cash-up table's name",
    ("services/cashup.py", "cash_up"): "the audit event's entity: the cash-up table, as every entity is a table",
    ("domain/loss.py", "reissue_applied"): "a withdrawal refusal's rule (a new card was applied for)",
    ("services/day_open.py", "day_closed"): "the DayClosed refusal's code",
    ("widgets/tasks.py", "logout"): "the log-out task's id and its Textual action name",
}


def _is_enum_body(node: ast.ClassDef) -> bool:
    return any((isinstance(base, ast.Name) and base.id in {"StrEnum", "Enum", "Worded"}) or
               (isinstance(base, ast.Attribute) and base.attr in {"StrEnum", "Enum"}) for base in node.bases)


def _bare_strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module that are neither docstrings, words to translate, an enum's member
    definitions, nor the keys of a dict display (field names of a record, e.g. an audit event's "active")."""
    tree = ast.parse(path.read_text("utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _WORD_CALLS:
            skip.update(id(arg) for arg in node.args)
        if isinstance(node, ast.ClassDef) and _is_enum_body(node):
            skip.update(id(sub) for sub in ast.walk(node))
        if isinstance(node, ast.Dict):
            skip.update(id(key) for key in node.keys if key is not None)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]


def test_status_and_task_codes_appear_only_in_enum_definitions() -> None:
    assert {"pending", "in_production", "used", "suspended", "ready", "collect_card", "blank", "sent", "death",
            "will_come", "photo_rejected", "hotline", "temporary", "waive_fee"} <= GUARDED_WORDS
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        if where.startswith("db/migrations/"):
            continue
        found += [f"{where}:{line}: {value!r}" for line, value in _bare_strings(path)
                  if value in GUARDED_WORDS and (where, value) not in GUARDED_WORDS_ELSEWHERE]
    assert found == []


def test_audit_action_codes_appear_only_in_their_enum() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        if where.startswith("db/migrations/"):
            continue
        found += [f"{where}:{line}: {value!r}" for line, value in _bare_strings(path)
                  if value in AUDIT_ACTION_WORDS and (where, value) not in AUDIT_WORDS_ELSEWHERE]
    assert found == []


def test_every_audit_word_elsewhere_is_still_there() -> None:
    for (where, value) in AUDIT_WORDS_ELSEWHERE | GUARDED_WORDS_ELSEWHERE:
        assert value in {v for _, v in _bare_strings(PACKAGE / where)}, f"{where} no longer names {value!r}"


def test_the_guard_finds_a_bare_status(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""doc"""\nx = "pending"\ny = _("pending")\nclass S(StrEnum):\n    P = "pending"\n'
                      'z = {"pending": x}\nif s == "ready": pass\n')
    assert _bare_strings(module) == [(2, "pending"), (7, "ready")]


def test_approval_kinds_are_named_for_the_action_they_allow() -> None:
    assert {kind.value for kind in ApprovalKind} <= {action.value for action in Action}


@pytest.mark.parametrize("enum", [RequestStatus, ApprovalStatus, ApprovalKind, AuditAction])
def test_every_code_has_its_own_words_in_both_languages(enum: type[StrEnum]) -> None:
    set_language("zh_CN")
    try:
        words = [member.label for member in enum]  # type: ignore[attr-defined]
    finally:
        set_language("en")
    assert len(set(words)) == len(words) and all(words)
    assert not any(word.isascii() for word in words), words


def test_a_request_moves_forward_or_is_cancelled_and_never_back() -> None:
    assert move_request("in_production", RequestStatus.READY) is RequestStatus.READY
    assert move_request("ready", RequestStatus.CANCELLED) is RequestStatus.CANCELLED
    with pytest.raises(RequestMoveRefused, match="collected cannot become ready"):
        move_request("collected", RequestStatus.READY)
    assert all(not REQUEST_MOVES[closed] for closed in (RequestStatus.COLLECTED, RequestStatus.CANCELLED))


def test_an_approval_is_decided_once_and_used_once() -> None:
    assert move_approval("pending", ApprovalStatus.APPROVED) is ApprovalStatus.APPROVED
    assert move_approval("approved", ApprovalStatus.USED) is ApprovalStatus.USED
    for done in ("rejected", "cancelled", "used"):
        with pytest.raises(ApprovalMoveRefused):
            move_approval(done, ApprovalStatus.APPROVED)
    assert APPROVAL_MOVES[ApprovalStatus.PENDING] == {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED,
                                                      ApprovalStatus.CANCELLED}


def test_every_audit_action_has_its_words_in_english() -> None:
    words = [action.label for action in AuditAction]
    assert all(word and "_" not in word for word in words) and len(set(words)) == len(words)
    assert AuditAction.LOSS_REPORTED_HOTLINE.label == "loss reported by the hotline"


def test_audit_action_codes_are_the_words_sealed_in_old_chains() -> None:
    """A chain written before the enum verifies the same: each member is the text the services wrote."""
    assert AuditAction.LOSS_REPORTED_HOTLINE == "loss_reported_hotline"
    assert {action.value for action in AuditAction} >= {
        "person_opened", "identity_checked", "reissue_applied", "card_collected", "blocked_card_presented",
        "approval_approved", "approval_rejected", "session_locked", "logout", "login"}


def test_an_audit_action_is_sealed_as_its_code() -> None:
    from outlet_desk.services.audit.seal import canonical_json

    assert canonical_json([AuditAction.CARD_COLLECTED]) == canonical_json(["card_collected"])


def test_a_code_this_version_does_not_know_reads_as_itself() -> None:
    assert AuditAction.label_of("card_suspended") == "card_suspended"
    assert request_status_label("archived") == "archived"
    assert ApprovalStatus.label_of("escalated") == "escalated"
