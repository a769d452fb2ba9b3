"""Where a line of the desk's text may break: Chinese as a Chinese reader expects it, numbers with their units.

Textual and Rich break lines only at spaces and fold a longer run at whatever cell the width ends on. Chinese
has no spaces, so a sentence was cut anywhere: a line could start with "，" or "。", and a Chinese
translation's "20.00 元" broke at its space, the amount on one line and the unit on the next.

:func:`divide_line` is the one rule for every text the desk draws (:func:`install` gives it to Textual and
Rich): a line may break at a space, except after a number (the unit or the word it counts stays with it),
and between two Chinese characters, except before closing punctuation (，。、；：？！）」』 …) or after
opening punctuation (（「『 …). Latin letters and digits next to a Chinese character stay with it ("20.00元",
"卡A10885619"). A run longer than the line is still folded, at a cell, as before.
"""

from __future__ import annotations

import unicodedata

import rich.text
import textual.content
from rich.cells import cell_len, chop_cells

CLOSING = frozenset("，。、；：？！）」』】》〉〕〗”’…‥·・,.;:?!)]}%")
"""Never at the start of a line."""
OPENING = frozenset("（「『【《〈〔〖“‘([{")
"""Never at the end of a line."""


def _wide(char: str) -> bool:
    """A Chinese (or other full-width) character: a line may break on either side of it."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def may_break_before(text: str, index: int) -> bool:
    """A new line may start at ``text[index]`` (0 < index < len(text))."""
    before, char = text[index - 1], text[index]
    if char.isspace() or char in CLOSING or before in OPENING:
        return False
    if before.isspace():
        # "20.00 yuan", "180 days": the number keeps its unit (the space before it still breaks)
        return not (index >= 2 and text[index - 2].isdigit())
    return _wide(before) and _wide(char)


def _pieces(text: str) -> list[tuple[int, str]]:
    """The unbreakable pieces of ``text`` (each with the spaces after it) and where each starts."""
    starts = [0, *(i for i in range(1, len(text)) if may_break_before(text, i))]
    return [(start, text[start:end]) for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """The offsets in ``text`` where its lines start when it is wrapped to ``width`` cells (Rich's and
    Textual's ``divide_line``, with the rules above)."""
    breaks: list[int] = []
    offset = 0
    for start, piece in _pieces(text):
        length = cell_len(piece.rstrip())
        if width - offset >= length:
            offset += cell_len(piece)
        elif length > width:
            if start:
                breaks.append(start)
            if not fold:
                offset = cell_len(piece)
                continue
            folded = chop_cells(piece, width)
            for line in folded[:-1]:
                start += len(line)
                breaks.append(start)
            offset = cell_len(folded[-1])
        elif offset and start:
            breaks.append(start)
            offset = cell_len(piece)
    return breaks


def install() -> None:
    """Textual's content and Rich's text wrap with :func:`divide_line` from now on."""
    textual.content.divide_line = divide_line  # type: ignore[attr-defined]
    rich.text.divide_line = divide_line  # type: ignore[attr-defined]
