"""Signing in: the right password, the wrong one, the lockout, and the first administrator."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from outlet_desk.app import make_app
from outlet_desk.db.tables import Operator
from outlet_desk.screens.home import HomeScreen
from outlet_desk.screens.login import CreateAdminScreen, LoginScreen
from tests.tui.conftest import DeskFactory, screen_text, settle, sign_in, static_text, type_text


async def test_clerk_signs_in_and_sees_their_name_role_and_date(make_desk: DeskFactory) -> None:
    app = make_app(make_desk("en"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await sign_in(pilot, "clerk1")
        assert isinstance(app.screen, HomeScreen)
        header = screen_text(app).splitlines()[0]
        assert "柜员 王芳" in header and "(clerk)" in header and "2026-11-25" in header


async def test_wrong_password_and_unknown_user_get_the_same_message(make_desk: DeskFactory) -> None:
    app = make_app(make_desk("en"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1", "not-the-password")
        assert isinstance(app.screen, LoginScreen)
        wrong_password = screen_text(app)
        assert "Wrong user name or password." in wrong_password
        await pilot.click("#username")
        await pilot.press(*["backspace"] * 10)
        await type_text(pilot, "nobody")
        await pilot.press("enter")
        await type_text(pilot, "whatever-it-is")
        await pilot.press("enter")
        await settle(pilot)
        assert "Wrong user name or password." in screen_text(app)
        assert "nobody" not in screen_text(app).replace("nobody", "", 1)  # the name is not echoed back


async def test_lockout_says_how_many_minutes(make_desk: DeskFactory) -> None:
    app = make_app(make_desk("en"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk2", "wrong-1")
        for attempt in range(2, 6):
            await type_text(pilot, f"wrong-{attempt}")
            await pilot.press("enter")
            await settle(pilot)
        text = screen_text(app)
        assert "locked" in text and "15 minutes" in text
        # even the right password is refused while locked, with the minutes left
        await type_text(pilot, "training-clerk2")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert re.search(r"Try again in 15 minutes", static_text(app, "#login-message"))


async def test_zh_cn_login_speaks_chinese(make_desk: DeskFactory) -> None:
    app = make_app(make_desk("zh_CN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "clerk1", "nope-nope")
        text = screen_text(app)
        assert "用户名或密码错误" in text
        assert "Wrong user name" not in text


async def test_empty_database_leads_to_creating_the_administrator(make_desk: DeskFactory) -> None:
    desk = make_desk("en", empty=True)
    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CreateAdminScreen)
        await type_text(pilot, "a long enough password")
        await pilot.press("enter")
        await type_text(pilot, "a different password!")
        await pilot.press("enter")
        await settle(pilot)
        assert "The two passwords differ" in screen_text(app)
        await type_text(pilot, "a long enough password")
        await pilot.press("enter")
        await type_text(pilot, "a long enough password")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.actor is not None and app.actor.role == "admin"
    with Session(desk.engine) as s:
        assert [o.username for o in s.exec(select(Operator).where(col(Operator.role) == "admin"))] == ["admin"]


async def test_a_desk_of_another_outlet_refuses_the_clerk_with_the_reason(make_desk: DeskFactory) -> None:
    """Two outlets on one database: the training clerk belongs to TRN001; TRN002's desk says so and lets no one
    in who is not its own."""
    from outlet_desk.config import parse_settings
    from outlet_desk.services.bootstrap import open_desk

    first = make_desk("en")
    path = first.settings.config_path
    text = path.read_text().replace('"TRN001"', '"TRN002"')  # beside the first: the same database and key file
    other = open_desk(parse_settings(text, path.with_name("outlet2.toml")))
    other.clock = first.clock
    try:
        app = make_app(other)
        async with app.run_test(size=(100, 24)) as pilot:
            await sign_in(pilot, "clerk1")
            assert isinstance(app.screen, LoginScreen) and app.actor is None
            assert ("clerk1 belongs to outlet TRN001, not to this desk's outlet TRN002; sign in at a desk of your "
                    "own outlet.") in static_text(app, "#login-message")
    finally:
        other.engine.dispose()
