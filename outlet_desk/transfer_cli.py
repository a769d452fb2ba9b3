"""``outlet-desk stock transfer``: a ready card sent to another outlet of the database (the citizen asked to
collect it there), scanned in there by its chip, and the transfers of this outlet (mounted by ``cli.py`` under
``stock``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from outlet_desk.cli_cards import ScanCount, ScanReader, ScanTimeout, each_card_read
from outlet_desk.cli_support import AsJson, AsUser, out, print_json, record_id, refusals, sign_in, signed_in, state_of
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _

transfer_app = typer.Typer(help="Ready cards sent to another outlet of the database and scanned in there.",
                           add_completion=False, rich_markup_mode=None)


@transfer_app.command("receive")
def transfer_receive(
    ctx: typer.Context,
    count: ScanCount = None,
    timeout: ScanTimeout = None,
    reader: ScanReader = None,
    as_user: AsUser = None,
) -> None:
    """Scan in, by their chip in the reader, the cards another outlet sent here: each chip is compared with its
    card's record; a card that agrees is then collected here. Until Ctrl-C, --count cards or --timeout
    seconds."""
    from outlet_desk.services.transfers import receive_card

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    out.print(_("Cards sent here from another outlet: put each card into the reader."), markup=False)
    each_card_read(lambda chip: receive_card(desk, actor, chip).message(), count, timeout, reader)


@transfer_app.command("list")
def transfer_list(ctx: typer.Context, as_json: AsJson = False, as_user: AsUser = None) -> None:
    """The transfers this outlet sent or was sent: the ones on their way first, then the newest."""
    from outlet_desk.services.transfers import transfers_here

    desk = signed_in(ctx, as_user, Action.RECEIVE_STOCK)[0]
    lines = transfers_here(desk)
    if as_json:
        print_json([{"id": t.id, "card_number": t.card_number, "request_id": t.request_id,
                     "from_outlet": t.from_outlet, "to_outlet": t.to_outlet, "status": t.status.value,
                     "sent_at": t.sent_at.isoformat(),
                     "received_at": t.received_at.isoformat() if t.received_at else None} for t in lines])
        return
    table = Table()
    for heading in (_("Number"), _("Card"), _("Holder"), _("From"), _("To"), _("Status"), _("Sent")):
        table.add_column(heading)
    for t in lines:
        table.add_row(str(t.id), t.card_number, t.holder, t.from_outlet, t.to_outlet, t.status.label,
                      f"{t.sent_at.astimezone(desk.tz):%Y-%m-%d %H:%M}")
    out.print(table)


@transfer_app.command("send")
def transfer_send(
    ctx: typer.Context,
    request: Annotated[int, typer.Option("--request", help="The reissue request whose new card is sent.",
                                         callback=record_id("--request"))],
    to: Annotated[str, typer.Option("--to", help="The outlet code the card goes to (the citizen collects it "
                                                 "there).")],
    as_user: AsUser = None,
) -> None:
    """Send a card ready for collection here to another outlet of this database; a stock receipt is written
    (and printed if set)."""
    from outlet_desk.services.receipts import save_receipt
    from outlet_desk.services.transfers import send_card

    desk = state_of(ctx).desk()
    with refusals():
        receipt = send_card(desk, sign_in(desk, as_user, Action.RECEIVE_STOCK), request, to)
    saved = save_receipt(desk, receipt)
    out.print(_("Card {card} sent to outlet {to}; stock receipt {code}: {path}").format(
        card=receipt.card_number, to=receipt.transfer_to, code=receipt.code, path=saved.text_path), markup=False)
