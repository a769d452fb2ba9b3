"""``outlet-desk uncollected``: the cards ready for collection with their ageing and contact log, a contact
with a holder recorded, and the return of a card kept past the retention period with a second operator as
witness (mounted by ``cli.py``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from outlet_desk.cli_support import (
    DEFERRED,
    EXIT_BAD_INPUT,
    WITNESS_PASSWORD_VAR,
    AsJson,
    AsUser,
    ask_secret,
    authenticated,
    fail,
    out,
    parse_day,
    print_json,
    refusals,
    signed_in,
)
from outlet_desk.domain.holder_contact import ContactMethod, ContactOutcome
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _

uncollected_app = typer.Typer(help=DEFERRED["uncollected"].help,
                              add_completion=False, rich_markup_mode=None)

CardNumber = Annotated[str, typer.Argument(help="The card's number (9 characters).")]


@uncollected_app.command("list")
def uncollected_list(ctx: typer.Context, due: Annotated[bool, typer.Option(
        "--due", help="Only the cards kept past the retention period.")] = False,
        as_user: AsUser = None, as_json: AsJson = False) -> None:
    """The cards ready for collection, the longest waiting first: days waiting, the day they may be returned,
    the last contact with the holder."""
    from outlet_desk.services.uncollected import uncollected_cards

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    with refusals():
        cards = [c for c in uncollected_cards(desk, actor) if c.ageing.due_for_return or not due]
    if as_json:
        print_json([_card_json(c) for c in cards])
        return
    table = Table()
    for heading in (_("Card"), _("Holder"), _("Ready since"), _("Days waiting"), _("Return from"), _("Last contact")):
        table.add_column(heading)
    for c in cards:
        table.add_row(c.card_number, f"{c.holder} {c.citizen_number_masked}", *c.ageing_cells())
    out.print(table)


def _card_json(c: Any) -> dict[str, Any]:
    a = c.ageing
    return {"card_number": c.card_number, "holder": c.holder, "citizen_number": c.citizen_number_masked,
            "request_id": c.request_id, "ready_on": a.ready_on.isoformat(),
            "due_date": a.due_date.isoformat() if a.due_date else None, "days_waiting": a.days_waiting,
            "days_past_due": a.days_past_due, "return_from": a.return_from.isoformat(),
            "days_to_return": a.days_to_return, "due_for_return": a.due_for_return,
            "contacts": [{"at": e.at.isoformat(), "operator": e.operator, "method": e.method.value,
                          "outcome": e.outcome.value, "coming_on": e.coming_on.isoformat() if e.coming_on else None,
                          "note": e.note} for e in c.contacts]}


def _choice(option: str, value: str, enum: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        fail(_("{option} {value} is not one of: {choices}.").format(
            option=option, value=value[:40], choices=", ".join(m.value for m in enum)), EXIT_BAD_INPUT)


@uncollected_app.command("contact")
def uncollected_contact(
    ctx: typer.Context,
    card: CardNumber,
    method: Annotated[str, typer.Option("--method", help="How: sms, phone or letter.")],
    outcome: Annotated[str, typer.Option("--outcome", help="What came of it: informed, not_reached or will_come.")],
    coming_on: Annotated[str | None, typer.Option(
        "--on", help="With will_come: the day the holder said they will come (YYYY-MM-DD).")] = None,
    note: Annotated[str, typer.Option("--note", help="A note (what was said, the number tried...).")] = "",
    as_user: AsUser = None,
) -> None:
    """Record a contact with the holder of a card ready for collection."""
    from outlet_desk.services.holder_contacts import log_contact
    from outlet_desk.services.uncollected import find_uncollected

    how, what = _choice("--method", method, ContactMethod), _choice("--outcome", outcome, ContactOutcome)
    day = parse_day("--on", coming_on)
    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    with refusals():
        found = find_uncollected(desk, actor, card)
        entry = log_contact(desk, actor, found.card_id, how, what, day, note)
    out.print(_("Card {card}: {contact}, recorded.").format(card=found.card_number, contact=entry.summary()),
              markup=False)


@uncollected_app.command("return")
def uncollected_return(
    ctx: typer.Context,
    card: CardNumber,
    witness: Annotated[str, typer.Option(
        "--witness", help="The second operator at the counter (password asked, or $OUTLET_DESK_WITNESS_PASSWORD).")],
    as_user: AsUser = None,
) -> None:
    """Return a card kept past the retention period to the card centre, with a second operator as witness."""
    from outlet_desk.services.uncollected import find_uncollected, return_uncollected

    desk, actor = signed_in(ctx, as_user, Action.RECEIVE_STOCK)
    password = ask_secret(WITNESS_PASSWORD_VAR, _("Password for {u}").format(u=witness),
                          _("No terminal to ask {u}'s password on: set ${password}.").format(
                              u=witness, password=WITNESS_PASSWORD_VAR))
    with refusals():
        signer = authenticated(desk, witness, password)
        found = find_uncollected(desk, actor, card)
        done = return_uncollected(desk, actor, signer, found.card_id, found.version)
    out.print(_("Card {card} of {holder} is returned; its reissue request is cancelled.").format(
        card=done.card_number, holder=done.holder), markup=False)
