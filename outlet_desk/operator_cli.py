"""``outlet-desk operator``: add an operator, change a password, unlock, list (mounted by ``cli.py``; the
shared plumbing, signing in and the one rule for prompts are :mod:`outlet_desk.cli_support`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from outlet_desk.cli_support import (
    DEFERRED,
    AsJson,
    AsUser,
    new_password,
    out,
    print_json,
    refusals,
    sign_in,
    signed_in,
    state_of,
)
from outlet_desk.domain.roles import Action, Role
from outlet_desk.domain.times import local_time
from outlet_desk.i18n import _

operator_app = typer.Typer(help=DEFERRED["operator"].help, add_completion=False)


@operator_app.command("add")
def operator_add(
    ctx: typer.Context,
    username: str,
    role: Annotated[Role, typer.Option(help="clerk, supervisor, admin, hotline or auditor.")],
    display_name: Annotated[str, typer.Option("--name", help="The name shown on screen and receipts.")],
    outlet: Annotated[list[str] | None, typer.Option(
        "--outlet", help="The outlet whose desks let the operator in (default: this desk's); an administrator "
                         "may be given several (--outlet A --outlet B).")] = None,
    as_user: AsUser = None,
) -> None:
    """Add an operator bound to an outlet (the first one, an admin, needs no --as)."""
    from outlet_desk.services import operators

    desk = state_of(ctx).desk()
    actor = None
    if operators.count_operators(desk) > 0:
        actor = sign_in(desk, as_user, Action.MANAGE_OPERATORS)
    password = new_password()
    with refusals():
        view = operators.add_operator(desk, actor, username, display_name, role, password, outlets=outlet or None)
    out.print(_("Operator {u} ({role}) added at outlet {outlets}.").format(
        u=view.username, role=view.role.value, outlets=", ".join(view.outlets)))


@operator_app.command("passwd")
def operator_passwd(ctx: typer.Context, username: str, as_user: AsUser = None) -> None:
    """Change a password (your own, or anyone's if you manage operators)."""
    from outlet_desk.services import operators

    desk, actor = signed_in(ctx, as_user or username)
    password = new_password()
    with refusals():
        operators.change_password(desk, actor, username, password)
    out.print(_("Password of {u} changed.").format(u=username))


@operator_app.command("unlock")
def operator_unlock(
    ctx: typer.Context, username: str, as_user: Annotated[str, typer.Option("--as", help="Your own user name.")]
) -> None:
    """Unlock an operator locked out by wrong passwords."""
    from outlet_desk.services import operators

    desk, actor = signed_in(ctx, as_user, Action.MANAGE_OPERATORS)
    with refusals():
        operators.unlock(desk, actor, username)
    out.print(_("Operator {u} unlocked.").format(u=username))


@operator_app.command("list")
def operator_list(ctx: typer.Context, as_json: AsJson = False, as_user: AsUser = None) -> None:
    """List this outlet's operators (the role in the outlet's language, then the word --role takes, and the
    outlets each belongs to); signed in, by an operator who may manage operators."""
    from outlet_desk.domain.roles import role_label
    from outlet_desk.services import operators

    desk = signed_in(ctx, as_user, Action.MANAGE_OPERATORS)[0]
    listed = operators.list_operators(desk)
    if as_json:
        print_json([{"username": op.username, "name": op.display_name, "role": op.role.value,
                     "outlets": list(op.outlets), "active": op.active,
                     "locked_until": op.locked_until.astimezone(desk.tz) if op.locked_until else None,
                     "failed_logins": op.failed_logins} for op in listed])
        return
    table = Table()
    for col in (_("User name"), _("Name"), _("Role"), _("Outlets"), _("Active"), _("Locked until")):
        table.add_column(col)
    for op in listed:
        table.add_row(op.username, op.display_name, f"{role_label(op.role)} ({op.role.value})",
                      ", ".join(op.outlets), _("yes") if op.active else _("no"),
                      local_time(op.locked_until, desk.tz) if op.locked_until else "")
    out.print(table)
