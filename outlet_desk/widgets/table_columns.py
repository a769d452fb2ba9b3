"""A data table's columns, each with its key (the key names the column for ``update_cell`` and sorting)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len, set_cell_size
from textual.widgets import DataTable


def add_keyed_columns(table: DataTable[Any], columns: Iterable[tuple[str, str]]) -> None:
    """Add the columns in order: each a heading (already translated) and its key."""
    for heading, key in columns:
        table.add_column(heading, key=key)


def cells_left(table: DataTable[Any], columns: Iterable[Iterable[str]]) -> int:
    """The cells the table's last column has once the other ``columns`` (each its heading and its values) are as
    wide as their widest text: the width of the table less theirs, their padding and room for a scroll bar."""
    used = sum(max((cell_len(text) for text in column), default=0) + 2 * table.cell_padding for column in columns)
    return max(8, table.size.width - table.styles.scrollbar_size_vertical - used - 2 * table.cell_padding)


def shorten(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` terminal cells, ending in "…" when it had to be cut (the whole text is
    shown elsewhere: the record, the detail line under the table)."""
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, cells - 1).rstrip() + "…"
