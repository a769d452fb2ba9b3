"""``outlet-desk receipt``: check a receipt against its sealed record, write it again (mounted by ``cli.py``;
the shared plumbing is :mod:`outlet_desk.cli_support`)."""

from __future__ import annotations

from typing import Any

import typer

from outlet_desk.cli_support import (
    DEFERRED,
    EXIT_CHECK_FAILED,
    AsJson,
    AsUser,
    KeyFile,
    fail,
    out,
    print_json,
    refusals,
    sign_in,
    state_of,
)
from outlet_desk.i18n import _

receipt_app = typer.Typer(help=DEFERRED["receipt"].help, add_completion=False)


@receipt_app.command("verify")
def receipt_verify(ctx: typer.Context, code: str, key: KeyFile = None, as_json: AsJson = False,
                   as_user: AsUser = None) -> None:
    """Check a receipt against the audit record that sealed it (and its seal with the issuing outlet's key:
    this outlet's, or --key); exit 1 naming what differs, or if the code is unknown. Signed in (any operator
    of the outlet); the look-up is audited. With --json the finding is printed whatever it is (exit 1 still)."""
    from outlet_desk.services.audit.keys import read_key
    from outlet_desk.services.personal_reads import ReadKind, record_personal_read
    from outlet_desk.services.receipt_check import verify_receipt

    desk = state_of(ctx).verifying_desk(None)
    actor = sign_in(desk, as_user)
    with refusals():
        found = verify_receipt(desk, code, read_key(key.absolute()) if key else None)
    record_personal_read(desk, actor, ReadKind.RECEIPT, 0 if found is None else 1)
    if found is None:
        unknown = _("Receipt code {code} is unknown at this outlet.").format(code=code)
        if as_json:
            print_json({"code": code, "known": False, "genuine": False, "message": unknown})
        fail(unknown, EXIT_CHECK_FAILED)
    if as_json:
        print_json(receipt_json(found))
    if not found.genuine:
        fail(found.message(), EXIT_CHECK_FAILED)
    if not as_json:
        out.print(found.message(), markup=False)


def receipt_json(found: Any) -> dict[str, Any]:
    """A checked receipt for ``receipt verify --json`` (docs/json/receipt-verify.schema.json)."""
    r = found.record
    return {
        "code": found.code, "known": True, "genuine": found.genuine, "seal_checked": found.seal_checked,
        "message": found.message(), "problem": found.seal_problem or None,
        "differences": [{"field": d.field, "on_receipt": d.on_receipt, "sealed": d.sealed} for d in found.differs],
        "kind": r.kind, "outlet_code": r.outlet_code, "outlet_name": r.outlet_name, "operator": r.operator or None,
        "card_number": r.card_number or None, "masked_citizen_number": r.masked_citizen_number or None,
        "request_id": r.request_id, "fee_fen": r.fee_fen, "payment_method": r.payment_method or None,
        "issued_at": found.issued_at, "event_seq": found.event_seq,
    }


@receipt_app.command("print")
def receipt_print(ctx: typer.Context, code: str, as_json: AsJson = False, as_user: AsUser = None) -> None:
    """Write a receipt's text and PDF again from the audit record that sealed it, marked as a copy (and print
    it if [receipts] print_command is set); exit 1 if the receipt does not verify. Signed in (any operator of
    the outlet)."""
    from outlet_desk.services.personal_reads import ReadKind, record_personal_read
    from outlet_desk.services.receipt_check import reprint_receipt, verify_receipt

    desk = state_of(ctx).verifying_desk(None)
    actor = sign_in(desk, as_user)
    with refusals():
        found = verify_receipt(desk, code)
    record_personal_read(desk, actor, ReadKind.RECEIPT, 0 if found is None else 1)
    if found is None:
        fail(_("Receipt code {code} is unknown at this outlet.").format(code=code), EXIT_CHECK_FAILED)
    if not found.genuine:
        fail(found.message(), EXIT_CHECK_FAILED)
    with refusals():
        _data, saved = reprint_receipt(desk, code)
    if as_json:
        print_json({"code": found.code, "text": saved.text_path, "pdf": saved.pdf_path,
                    "print_error": saved.print_error or None})
        return
    out.print(_("Copy of receipt {code} written: {text} and {pdf}.").format(
        code=found.code, text=saved.text_path, pdf=saved.pdf_path), markup=False)
    if saved.print_error:
        out.print(saved.print_error, markup=False)
