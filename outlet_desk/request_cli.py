"""``outlet-desk request``: where a citizen's new card is (each stage with its time, the due date, and what to
tell them), a card the card centre could not make, and its order again without a second fee (mounted by
``cli.py``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from outlet_desk.cli_support import (
    DEFERRED,
    AsJson,
    AsUser,
    out,
    print_json,
    record_id,
    refusals,
    sign_in,
    signed_in,
    state_of,
)
from outlet_desk.domain.roles import Action
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import _

request_app = typer.Typer(help=DEFERRED["request"].help, add_completion=False, rich_markup_mode=None)
RequestId = Annotated[int, typer.Argument(help="The reissue request's number.", callback=record_id("REQUEST"))]
Reason = Annotated[str, typer.Option("--reason", help="Why the card could not be made: photo_rejected or "
                                                      "data_refused.")]
Note = Annotated[str, typer.Option("--note", help="The card centre's words.")]


@request_app.command("status")
def request_status_cmd(
    ctx: typer.Context,
    citizen_number: Annotated[str, typer.Argument(help="The holder's 18-character citizen number.")],
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """Where the holder's new card is: each reissue request's stages with their times, the due date, and in
    one sentence what to tell the citizen (stages as code words with --json). Signed in; audited as a read of
    personal data."""
    from outlet_desk.domain.citizen_id import parse_citizen_id
    from outlet_desk.services.request_lookup import request_status

    state = state_of(ctx)
    state.settings()
    with refusals():
        parse_citizen_id(citizen_number)  # a mistyped number is refused before anyone signs in
    desk = state.desk()
    actor = sign_in(desk, as_user, Action.OPEN_PERSON)
    with refusals():
        found = request_status(desk, actor, citizen_number)
    today = desk.local_now().date()
    if as_json:
        print_json({"masked_number": found.masked_number, "name": found.name, "requests": [
            {"id": r.request_id, "reason": r.reason, "status": r.status, "due_date": r.due_date,
             "failure": r.failure or None, "tell": r.tell(today),
             "stages": [{"stage": st.stage, "at": st.at, "source": st.source, "by": st.by or None,
                         "failure": st.failure or None, "note": st.note} for st in r.stages]}
            for r in found.requests]})
        return
    out.print(f"{found.name} {found.masked_number}", markup=False)
    if not found.requests:
        out.print(_("No reissue request is on record for this holder."), markup=False)
    for r in found.requests:
        due = r.due_date.isoformat() if r.due_date else "-"
        out.print(_("Request {id}: {status}, due {due}").format(
            id=r.request_id, status=r.stages[-1].label if r.stages else r.status, due=due), markup=False)
        table = Table()
        for column in (_("Time"), _("Stage"), _("By")):
            table.add_column(column)
        for st in r.stages:
            table.add_row(local_time(st.at, desk.tz), st.label, st.who)
        out.print(table)
        out.print(_("Tell the citizen: {say}").format(say=r.tell(today)), markup=False)


@request_app.command("fail")
def request_fail_cmd(ctx: typer.Context, request: RequestId, reason: Reason, note: Note = "",
                     as_user: AsUser = None) -> None:
    """Record that the card centre could not make the request's card (a supervisor): the clerk is told what the
    citizen must do; then `request reorder` orders it again without a second fee."""
    from outlet_desk.services.production_failure import record_production_failure

    desk, actor = signed_in(ctx, as_user, Action.RECORD_PRODUCTION_FAILURE)
    with refusals():
        failed = record_production_failure(desk, actor, request, reason, note)
    out.print(failed.what_to_do(), markup=False)


@request_app.command("reorder")
def request_reorder_cmd(ctx: typer.Context, request: RequestId, as_user: AsUser = None) -> None:
    """Order a card again once the citizen did what its failed production asked: no second fee, a new due
    date."""
    from outlet_desk.services.production_failure import reorder_card

    desk, actor = signed_in(ctx, as_user, Action.REORDER_CARD)
    with refusals():
        done = reorder_card(desk, actor, request)
    out.print(_("Request {id} ordered again, no second fee; due {due}.").format(
        id=done.request_id, due=done.due_date.isoformat()), markup=False)

