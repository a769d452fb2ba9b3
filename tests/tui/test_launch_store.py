"""The desk on a database that cannot be opened: the sign-in screen goes up, then the desk ends with exit
code 2 and one message naming the database (password masked) and the reason, as for bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from outlet_desk.app import DeskCannotOpen
from outlet_desk.i18n import set_language
from outlet_desk.launch import desk_app, open_desk
from outlet_desk.screens.login import LoginScreen
from tests.tui.conftest import wait_for

OUTLET = '[outlet]\ncode = "TST01"\nname = "Test"\ndivision_code = "110105"\nlanguage = "en"\n'


async def test_an_unreachable_database_ends_the_desk_with_exit_code_2(tmp_path: Path) -> None:
    config = tmp_path / "outlet.toml"
    config.write_text(OUTLET + '[database]\nurl = "postgresql+psycopg://desk:s3cret@127.0.0.1:1/outlet"\n')
    config.chmod(0o600)  # a settings file holding the password is its owner's alone (config/secrets.py)
    message = (
        "The database postgresql+psycopg://desk:***@127.0.0.1:1/outlet cannot be opened: connection failed: "
        'connection to server at "127.0.0.1", port 1 failed: Connection refused. Check [database] url in '
        f"{config}, and that the database server is running and this machine can reach it."
    )
    with pytest.raises(DeskCannotOpen) as refused:
        open_desk(config)
    assert (refused.value.exit_code, refused.value.message) == (2, message)
    app = desk_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await wait_for(pilot, lambda: app.return_code is not None)
    assert app.return_code == 2
    set_language("en")


def test_a_sqlite_database_in_a_folder_that_cannot_be_made_ends_the_desk(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    database = tmp_path / "a-file" / "db" / "outlet.db"
    config = tmp_path / "outlet.toml"
    config.write_text(OUTLET + f'[database]\nurl = "sqlite:///{database}"\n')
    with pytest.raises(DeskCannotOpen) as refused:
        open_desk(config)
    assert refused.value.exit_code == 2
    assert refused.value.message == (
        f"The database sqlite:///{database} cannot be opened: the folder {database.parent} cannot be created "
        f"(Not a directory). Check [database] url in {config}, and that the database server is running and this "
        "machine can reach it."
    )
    set_language("en")
