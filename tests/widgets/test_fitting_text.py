"""The header line and table cells fit the terminal's width, saying so ("…") when they have to leave
something out, and never losing the task's title or the operator's name."""

from __future__ import annotations

from datetime import date

import pytest
from rich.cells import cell_len

from outlet_desk.domain.roles import Role
from outlet_desk.i18n import set_language
from outlet_desk.services.context import Actor
from outlet_desk.widgets.header import header_text
from outlet_desk.widgets.table_columns import shorten

CLERK = Actor(1, "clerk1", "柜员 王芳", Role.CLERK)
DAY = date(2026, 11, 25)


@pytest.mark.parametrize("width", [120, 93, 90, 80, 70, 60])
def test_the_header_fits_and_keeps_the_task_and_the_operator(width: int) -> None:
    set_language("en")
    text = header_text("Chaoyang Card Service Outlet", CLERK, DAY, "Withdraw the loss report", width).plain
    assert cell_len(text) <= width, text
    assert "Withdraw the loss report" in text and "柜员 王芳" in text and "2026-11-25" in text


def test_the_header_leaves_out_the_weekday_first_then_the_role_then_shortens_the_outlet() -> None:
    set_language("en")
    full = header_text("Chaoyang Card Service Outlet", CLERK, DAY, "Withdraw the loss report").plain
    assert full.endswith("(clerk) │ 2026-11-25 Wed")
    assert header_text("Chaoyang Card Service Outlet", CLERK, DAY, "Withdraw the loss report", 90).plain.endswith(
        "(clerk) │ 2026-11-25")
    narrow = header_text("Chaoyang Card Service Outlet", CLERK, DAY, "Withdraw the loss report", 70).plain
    assert "(clerk)" not in narrow and "Chaoyang Card Se…" in narrow


def test_a_cell_is_cut_with_an_ellipsis_in_terminal_cells() -> None:
    assert shorten("ready for collection", 12) == "ready for c…"
    assert shorten("韩英娟 420106********8278", 9) == "韩英娟 4…"
    assert shorten("short", 12) == "short"
