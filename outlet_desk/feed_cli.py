"""``outlet-desk feed``: the card-status feed for the systems that accept the card (mounted by ``cli.py``;
record format in ``docs/feed.md``). Exit codes: 0 done; 1 ``feed check`` found an outlet whose chain was
cut short; 2 bad input or configuration."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from outlet_desk.cli_support import (
    DEFERRED,
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    AsUser,
    err,
    fail,
    out,
    print_json,
    refusals,
    sign_in,
    state_of,
)
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.services.feed import export, witness_check

feed_app = typer.Typer(help=DEFERRED["feed"].help, add_completion=False,
                       rich_markup_mode=None)

class ExportFormat(StrEnum):
    JSONL = "jsonl"
    JSON = "json"


Json = Annotated[bool, typer.Option("--json", help="Print the answer as JSON (docs/json/).")]
Consumer = Annotated[str | None, typer.Option("--consumer", help="The system that applies the feed (its name).")]


@feed_app.command("export")
def feed_export(
    ctx: typer.Context,
    since: Annotated[int | None, typer.Option("--since", help="Records after this sequence number (default: "
                                                              "after what --consumer acknowledged; else all).")]
    = None,
    consumer: Consumer = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many records.")] = 10_000,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="jsonl (one record a line) or json (a list).")]
    = ExportFormat.JSONL,
    as_user: AsUser = None,
) -> None:
    """The city's feed as JSON lines (or one JSON list), in sequence order."""
    desk = state_of(ctx).desk()
    actor = sign_in(desk, as_user, Action.EXPORT_FEED)
    with refusals():
        batch = export.export_feed(desk, actor, since=since, consumer=consumer, limit=limit)
    if fmt is ExportFormat.JSON:
        print_json([item.as_json() for item in batch.items])
    for item in batch.items if fmt is ExportFormat.JSONL else ():
        print(json.dumps(item.as_json(), ensure_ascii=False))
    first, last = (batch.since + 1, batch.last) if batch.items else ("-", "-")
    summary = _("{n} records of city {city}'s feed, {first} to {last} (the feed ends at {head}).")
    err.print(summary.format(n=len(batch.items), city=batch.city, first=first, last=last, head=batch.head),
              markup=False)  # on standard error: standard output is the records


@feed_app.command("ack")
def feed_ack(
    ctx: typer.Context,
    consumer: Consumer = None,
    through: Annotated[int, typer.Option("--through", help="The last sequence number the consumer applied.")] = 0,
    as_user: AsUser = None,
    as_json: Json = False,
) -> None:
    """Record that a consumer applied the feed up to a sequence number."""
    desk = state_of(ctx).desk()
    actor = sign_in(desk, as_user, Action.EXPORT_FEED)
    with refusals():
        export.acknowledge(desk, actor, consumer or "", through)
    if as_json:
        print_json({"consumer": consumer, "through": through})
        return
    out.print(_("{name} has applied the feed up to {n}.").format(name=consumer, n=through), markup=False)


@feed_app.command("check")
def feed_check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A JSON-lines export of the feed, as a consumer kept it.")],
    as_user: AsUser = None,
    as_json: Json = False,
) -> None:
    """Compare the checkpoints a kept export witnessed with the store: exit 1 naming a chain cut short."""
    desk = state_of(ctx).desk()
    sign_in(desk, as_user, Action.EXPORT_FEED)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        fail(_("Cannot read {file}: {reason}").format(file=file, reason=error), EXIT_BAD_INPUT)
    with refusals():
        witnessed = witness_check.read_checkpoints(lines, str(file))
        found = witness_check.problems(desk, witnessed)
    if as_json:
        print_json({"outlets": sorted(witnessed), "problems": found})
    for line in found:
        err.print(line, markup=False)
    if found:
        raise typer.Exit(EXIT_CHECK_FAILED)
    if not as_json:
            out.print(_("The store holds every checkpoint the feed witnessed ({n} outlets).").format(
            n=len(witnessed)), markup=False)
