"""Lines break where a reader expects: never before "，" or "。", never between an amount and its unit."""

from __future__ import annotations

from itertools import pairwise

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from outlet_desk.widgets.line_breaking import CLOSING, divide_line, install


def lines(text: str, width: int) -> list[str]:
    starts = [0, *divide_line(text, width), len(text)]
    return [text[a:b].rstrip() for a, b in pairwise(starts)]


def test_chinese_punctuation_never_starts_a_line() -> None:
    text = "请持本人有效身份证件，于承诺日期前到本网点领取新卡；逾期未领的卡片，按规定退回发卡中心。"
    for width in range(6, 40):
        for line in lines(text, width)[1:]:
            assert line[0] not in CLOSING, (width, line)
        assert all(cell_len(line) <= width for line in lines(text, width)), width


def test_an_amount_stays_with_its_unit() -> None:
    for text in ("工本费 20.00 元，经主管签核减免。", "The fee is 20.00 yuan, paid in cash."):
        for width in range(10, 30):
            for line in lines(text, width):
                assert not line.startswith(("元", "yuan")), (width, line)


def test_a_long_word_is_still_folded_to_the_width() -> None:
    assert lines("A" * 25, 10) == ["A" * 10, "A" * 10, "A" * 5]


def test_rich_wraps_with_the_rule_once_installed() -> None:
    install()
    console = Console(width=12, record=True, color_system=None)
    console.print(Text("本卡已挂失了，所有功能已暂停。"))
    assert console.export_text().splitlines() == ["本卡已挂失", "了，所有功能", "已暂停。"]
