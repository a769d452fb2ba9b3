"""Opening the desk the way `outlet-desk` does: the sign-in screen is up before the store, the clerk can
type at once, and settings that cannot be used end the desk with a message and exit code 2."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from outlet_desk.app import DeskApp, DeskCannotOpen, OpenedDesk
from outlet_desk.i18n import set_language
from outlet_desk.launch import desk_app, desk_config, open_desk, run_desk
from outlet_desk.screens.home import HomeScreen
from outlet_desk.screens.login import CreateAdminScreen, LoginScreen
from outlet_desk.services import demo
from tests.tui.conftest import DeskFactory, screen_text, settle, static_text, type_text, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("args", "opens", "config"), [
    ([], True, None),
    (["run"], True, None),
    (["--config", "x.toml"], True, Path("x.toml")),
    (["-c", "x.toml", "run"], True, Path("x.toml")),
    (["--config=x.toml"], True, Path("x.toml")),
    (["--help"], False, None),
    (["--config", "x.toml", "report", "daily"], False, None),
    (["audit", "verify"], False, None),
    (["run", "--help"], False, None),
])
def test_which_command_lines_open_the_desk(args: list[str], opens: bool, config: Path | None) -> None:
    assert desk_config(args) == (opens, config)


def test_the_sign_in_screen_loads_without_the_store_the_settings_check_or_the_cli() -> None:
    """What makes the start fast: none of these is imported before the sign-in screen is up."""
    code = ("import sys; import outlet_desk.launch, outlet_desk.app, outlet_desk.screens.login; "
            "print(' '.join(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'argon2', 'typer', 'alembic', "
            "'smartcard') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == ""


async def test_a_clerk_types_before_the_store_is_open_and_is_signed_in_once_it_is(make_desk: DeskFactory) -> None:
    desk = make_desk("en")
    gate = threading.Event()

    def opener() -> OpenedDesk:
        assert gate.wait(10), "the test never opened the gate"
        return OpenedDesk(desk, None, "Training outlet: sign in as clerk1.", ("Training data created.",))

    app = DeskApp(None, opener=opener)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and not app.desk_is_open
        assert app.focused is not None and app.focused.id == "username"
        await type_text(pilot, "clerk1")
        await pilot.press("enter")
        await type_text(pilot, demo.training_password("clerk1"))
        await pilot.press("enter")
        await pilot.pause()
        assert "Checking…" in static_text(app, "#login-message")
        gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.actor is not None and app.actor.username == "clerk1"
        await settle(pilot)
        assert "Chaoyang Card Service Outlet" in screen_text(app).splitlines()[0]


async def test_the_training_hint_shows_once_the_store_is_open(make_desk: DeskFactory) -> None:
    desk = make_desk("en")
    app = DeskApp(None, opener=lambda: OpenedDesk(desk, None, demo.sign_in_hint()))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.desk_is_open)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        hint = static_text(app, "#sign-in-hint")
        assert "clerk1" in hint and demo.training_password("clerk1") in hint


async def test_an_empty_store_opened_behind_the_sign_in_asks_for_the_administrator(make_desk: DeskFactory) -> None:
    desk = make_desk("en", empty=True)
    app = DeskApp(None, opener=lambda: OpenedDesk(desk))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CreateAdminScreen))


async def test_settings_that_cannot_be_used_end_the_desk_with_exit_code_2(tmp_path: Path) -> None:
    config = tmp_path / "outlet.toml"
    config.write_text('[outlet]\ncode = "TST01"\nname = "Test"\ndivision_code = "110105"\nlanguage = "en"\n'
                      '[security]\nidle_lock_seconds = "soon"\n')
    with pytest.raises(DeskCannotOpen) as refused:
        open_desk(config)
    assert refused.value.exit_code == 2
    assert "idle_lock_seconds" in refused.value.message and str(config) in refused.value.message
    app = desk_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.return_code is not None)
    assert app.return_code == 2
    assert not (tmp_path / "data").exists()  # nothing was created for settings that were refused
    set_language("en")


def test_a_settings_file_that_is_not_toml_is_refused_before_any_screen(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "outlet.toml"
    config.write_text("[outlet\ncode = 1\n")
    assert run_desk(config) == 2
    message = capsys.readouterr().err
    assert str(config) in message and "line 1" in message


async def test_files_others_may_read_are_named_in_a_notification_at_start(make_desk: DeskFactory) -> None:
    desk = make_desk("en")
    line = "/srv/desk/data/outlet.db can be read by other users (mode 0644); run: chmod 600 /srv/desk/data/outlet.db"
    app = DeskApp(None, opener=lambda: OpenedDesk(desk, None, "", (), (line,)))
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_for(pilot, lambda: app.desk_is_open)
        await settle(pilot)
        shown = [(n.message, n.severity) for n in app._notifications]
        assert (line, "warning") in shown
