"""``outlet-desk request`` on the command-line tests' training outlet: where a holder's new card is (each stage,
the due date, what to tell the citizen), a card the card centre could not make recorded by a supervisor (what the
citizen must do) and ordered again without a second fee; each refusal a message and exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outlet_desk.services import demo
from tests.cli_outlet import run
from tests.test_stock_cli import _lines, seeded  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("english")

SUPERVISOR = {"OUTLET_DESK_USER": "super1", "OUTLET_DESK_PASSWORD": demo.training_password("super1")}
CLERK = {"OUTLET_DESK_USER": "clerk1", "OUTLET_DESK_PASSWORD": demo.training_password("clerk1")}


def _waiting(config: Path) -> tuple[str, int]:
    """A holder whose factory card is on order, and that request's number."""
    number = _lines(config, 1)[0].citizen_number
    shown = run(config, "request", "status", number, "--json", env=CLERK)
    assert shown.exit_code == 0, shown.output
    [request] = [r for r in json.loads(shown.stdout)["requests"] if r["status"] == "in_production"]
    return number, request["id"]


def test_the_status_fails_and_is_ordered_again_on_the_command_line(seeded: Path) -> None:  # noqa: F811
    number, request = _waiting(seeded)
    shown = run(seeded, "request", "status", number, env=CLERK)
    assert shown.exit_code == 0, shown.output
    assert f"Request {request}: in production, due" in shown.stdout
    assert "Tell the citizen: Your new card" in shown.stdout and number not in shown.stdout

    failed = run(seeded, "request", "fail", str(request), "--reason", "photo_rejected", env=SUPERVISOR)
    assert failed.exit_code == 0, failed.output
    assert "bring a new photo" in failed.stdout
    again = run(seeded, "request", "reorder", str(request), env=CLERK)
    assert again.exit_code == 0, again.output
    assert "no second fee" in again.stdout
    stages = json.loads(run(seeded, "request", "status", number, "--json", env=CLERK).stdout)["requests"]
    [mine] = [r for r in stages if r["id"] == request]
    assert [st["stage"] for st in mine["stages"]][-2:] == ["prod_failed", "in_production"]
    assert mine["stages"][-2]["failure"] == "photo_rejected" and mine["stages"][-2]["source"] == "supervisor"


@pytest.mark.parametrize(("args", "env", "says"), [
    (("status", "11010519491231002X"), CLERK, "No card holder"),
    (("status", "123"), CLERK, "18"),
    (("fail", "{request}", "--reason", "lost"), SUPERVISOR, "photo_rejected, data_refused"),
    (("fail", "{request}", "--reason", "photo_rejected"), CLERK, "may not"),
    (("reorder", "{request}"), CLERK, "only a request whose production failed"),
    (("reorder", "0"), CLERK, "REQUEST"),
])
def test_each_refusal_is_a_message_and_exit_2(seeded: Path, args: tuple[str, ...],  # noqa: F811
                                              env: dict[str, str], says: str) -> None:
    number, request = _waiting(seeded)
    result = run(seeded, "request", *(a.format(request=request) for a in args), env=env)
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    after = json.loads(run(seeded, "request", "status", number, "--json", env=CLERK).stdout)["requests"]
    assert [r["status"] for r in after if r["id"] == request] == ["in_production"]
