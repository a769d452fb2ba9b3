"""``outlet-desk stock``: cards arriving for reissue requests (by hand or by a manifest scanned in by chip),
blank cards for instant issuance, spoiled cards with a witness, and the stock count (mounted by ``cli.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from outlet_desk.cli_cards import ScanCount, ScanReader, ScanTimeout, each_card_read
from outlet_desk.cli_support import (
    DEFERRED,
    WITNESS_PASSWORD_VAR,
    AsJson,
    AsUser,
    ask_secret,
    authenticated,
    err,
    out,
    print_json,
    progress_shown,
    record_id,
    refusals,
    signed_in,
)
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _, ngettext
from outlet_desk.transfer_cli import transfer_app

stock_app = typer.Typer(help=DEFERRED["stock"].help, add_completion=False, rich_markup_mode=None)

BatchId = Annotated[int, typer.Argument(help="The batch's number, as stock import printed it.",
                                        callback=record_id("BATCH"))]


@stock_app.command("receive")
def stock_receive(
    ctx: typer.Context,
    request: Annotated[int, typer.Option("--request", help="The reissue request number.",
                                         callback=record_id("--request"))],
    card_number: Annotated[str, typer.Option("--card-number", help="The new card's number (9 characters).")],
    identification_code: Annotated[
        str, typer.Option("--identification-code", help="The new chip's identification code (32 hex).")
    ],
    as_user: Annotated[str, typer.Option("--as", help="Your own user name (a supervisor).")],
    as_json: AsJson = False,
) -> None:
    """Mark a request's new card as arrived: it is then ready for collection."""
    from outlet_desk.services.reissue import receive_card

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    with refusals():
        received = receive_card(desk, actor, request, card_number, identification_code)
    if as_json:
        print_json({"request_id": received.request_id, "card_number": received.card_number})
        return
    out.print(_("Card {card} received for request {req}: ready for collection.").format(
        card=received.card_number, req=received.request_id))


@stock_app.command("import")
def stock_import(
    ctx: typer.Context,
    manifest: Annotated[Path, typer.Argument(help="The card centre's manifest: a .csv or .json file "
                                                  "(docs/stock-manifest.md).")],
    as_user: AsUser = None,
) -> None:
    """Import a batch's manifest: every line checked (a bad line is reported with its line number and nothing
    is recorded), then the batch and its cards recorded as announced, to be scanned in by chip."""
    from outlet_desk.services.manifest_file import read_manifest
    from outlet_desk.services.stock_import import import_manifest

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    stage = _("Checking and recording the manifest")
    with refusals(), progress_shown(err) as progress:
        parsed = read_manifest(manifest, desk.local_now().date())
        done = import_manifest(desk, actor, parsed, lambda n, total: progress(stage, n, total))
    out.print(_("Batch {batch} announced as batch number {id}: {n} cards, {r} of them for a reissue request "
                "waiting. Scan them in with: outlet-desk stock scan {id}").format(
        batch=done.batch_number, id=done.batch_id, n=done.lines, r=done.with_request), markup=False)
    if done.failed:
        out.print(ngettext("{n} card could not be made: its request's production failed (request status shows "
                           "what the citizen must do).",
                           "{n} cards could not be made: their requests' production failed (request status shows "
                           "what the citizen must do).", done.failed).format(n=done.failed),
                  markup=False)


@stock_app.command("scan")
def stock_scan(
    ctx: typer.Context,
    batch: BatchId,
    count: ScanCount = None,
    timeout: ScanTimeout = None,
    reader: ScanReader = None,
    as_user: AsUser = None,
) -> None:
    """Scan the cards of a batch in, one by one, by their chip in the reader (put each card in, take it out):
    each is compared with its manifest line. Until Ctrl-C, --count cards or --timeout seconds."""
    from outlet_desk.services.stock_batches import batch_view
    from outlet_desk.services.stock_scan import scan_in

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    with refusals():
        view = batch_view(desk, batch)
    out.print(_("Batch {batch}: put each card into the reader.").format(batch=view.batch_number), markup=False)
    each_card_read(lambda chip: scan_in(desk, actor, batch, chip).message(), count, timeout, reader)


@stock_app.command("batch")
def stock_batch(ctx: typer.Context, batch: BatchId, as_user: AsUser = None, as_json: AsJson = False) -> None:
    """A batch: its cards by status and its discrepancies (missing, mismatched, extra), each with the number
    stock resolve takes."""
    from outlet_desk.domain.stock import BatchStatus, StockStatus
    from outlet_desk.services.stock_batches import batch_view

    desk = signed_in(ctx, as_user, Action.RECEIVE_STOCK)[0]
    with refusals():
        view = batch_view(desk, batch)
    if as_json:
        print_json({"batch_id": view.batch_id, "batch_number": view.batch_number, "status": view.status.value,
                    "lines": view.lines, "by_status": dict(sorted(view.by_status.items())),
                    "discrepancies": [{"item_id": d.item_id, "kind": d.kind.value, "line": d.line_no,
                                       "card_number": d.card_number, "note": d.note} for d in view.discrepancies]})
        return
    out.print(_("Batch {batch} ({status}): {n} lines.").format(
        batch=view.batch_number, status=BatchStatus.label_of(view.status), n=view.lines), markup=False)
    for status, n in sorted(view.by_status.items()):
        out.print(f"  {StockStatus.label_of(status)}: {n}", markup=False)
    if not view.discrepancies:
        return
    table = Table(title=_("Discrepancies"))
    for heading in (_("Number"), _("Discrepancy"), _("Line"), _("Card"), _("Note")):
        table.add_column(heading)
    for d in view.discrepancies:
        table.add_row(str(d.item_id), d.kind.label, str(d.line_no or ""), d.card_number, d.note)
    out.print(table)


@stock_app.command("resolve")
def stock_resolve(
    ctx: typer.Context,
    item: Annotated[int, typer.Argument(help="The discrepancy's number (stock batch lists them).",
                                        callback=record_id("ITEM"))],
    reason: Annotated[str, typer.Option("--reason", help="What was done (reported to the card centre, ...).")],
    as_user: AsUser = None,
) -> None:
    """Resolve a discrepancy: a missing card is written off, a mismatched or extra card sent back."""
    from outlet_desk.services.stock_batches import resolve_discrepancy

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    with refusals():
        status = resolve_discrepancy(desk, actor, item, reason)
    out.print(_("Stock line {id}: {status}.").format(id=item, status=status.label), markup=False)


@stock_app.command("close")
def stock_close(ctx: typer.Context, batch: BatchId, as_user: AsUser = None) -> None:
    """Close a batch whose every line is accounted for; its stock receipt is written (and printed if set)."""
    from outlet_desk.services.receipts import save_receipt
    from outlet_desk.services.stock_batches import close_batch

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    with refusals():
        receipt = close_batch(desk, actor, batch)
    saved = save_receipt(desk, receipt)
    out.print(_("Batch {batch} closed; stock receipt {code}: {path}").format(
        batch=receipt.batch_number, code=receipt.code, path=saved.text_path), markup=False)


@stock_app.command("blanks")
def stock_blanks(
    ctx: typer.Context,
    count: Annotated[int, typer.Argument(help="How many blank cards came in.")],
    as_user: AsUser = None,
) -> None:
    """Receive blank cards for instant issuance, by count."""
    from outlet_desk.services.stock_blanks import receive_blanks

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    with refusals():
        done = receive_blanks(desk, actor, count)
    out.print(_("{n} blank cards received; {total} in stock.").format(n=done.received, total=done.in_stock))


@stock_app.command("spoil")
def stock_spoil(
    ctx: typer.Context,
    reason: Annotated[str, typer.Option("--reason", help="How the card was spoiled (writing, printing, handling).")],
    witness: Annotated[str | None, typer.Option(
        "--witness", help="The second operator at the counter (password asked, or $OUTLET_DESK_WITNESS_PASSWORD).")]
    = None,
    card: Annotated[str | None, typer.Option("--card", help="The card number (default: one blank card).")] = None,
    as_user: AsUser = None,
) -> None:
    """Record a spoiled card (a card in stock, or a blank card) with a second operator as witness."""
    from outlet_desk.services.receipts import save_receipt
    from outlet_desk.services.stock_spoil import spoil_card

    desk, clerk = signed_in(ctx, as_user, Action.SPOIL_CARD)
    signer = None
    if witness is not None:
        password = ask_secret(WITNESS_PASSWORD_VAR, _("Password for {u}").format(u=witness),
                              _("No terminal to ask {u}'s password on: set ${password}.").format(
                                  u=witness, password=WITNESS_PASSWORD_VAR))
        with refusals():
            signer = authenticated(desk, witness, password)
    with refusals():
        receipt = spoil_card(desk, clerk, signer, reason, card)
    saved = save_receipt(desk, receipt)
    out.print(_("Spoiled card recorded; receipt {code}: {path}").format(code=receipt.code, path=saved.text_path),
              markup=False)


@stock_app.command("count")
def stock_count(
    ctx: typer.Context,
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """The stock count of each outlet: announced, in stock, ready, blank, spoiled, transferred, returned."""
    from outlet_desk.domain.stock import StockFigure
    from outlet_desk.services.stock_count import stock_count as count_stock

    desk = signed_in(ctx, as_user)[0]
    counts = count_stock(desk)
    if as_json:
        print_json({c.outlet_code: c.as_dict() for c in counts})
        return
    table = Table()
    table.add_column(_("Outlet"))
    for figure in StockFigure:
        table.add_column(figure.label, justify="right")
    for c in counts:
        table.add_row(f"{c.outlet_code} {c.outlet_name}", *(str(c.figures[f]) for f in StockFigure))
    out.print(table)


stock_app.add_typer(transfer_app, name="transfer")
