"""The text widgets of the desk, which show every string as data.

Names, queries, reasons, refusals and chip text come from outside; none of the desk's own strings uses
markup. So the desk's ``Static``, ``Label`` and ``DataTable`` never read a string as markup (a person named
``[/]`` or ``[link=…]`` is shown as typed) and write every control character as an escape
(:func:`outlet_desk.domain.text.visible`), so that nothing typed or read from a chip can drive the terminal.
Screens import these in place of Textual's; ordinary text looks exactly as it did.
"""

from __future__ import annotations

from typing import Any, TypeVar

from rich.cells import cell_len
from rich.markup import escape as escape_rich_markup
from rich.text import Text
from textual import widgets
from textual.visual import VisualType

from outlet_desk.domain.text import visible

__all__ = ["DataTable", "Label", "Static", "as_data"]

Cell = TypeVar("Cell")


def as_data(content: Any) -> Any:
    """``content`` with its control characters made visible: a string, or a Rich Text (its style kept)."""
    if isinstance(content, str):
        return visible(content)
    if isinstance(content, Text) and visible(content.plain) != content.plain:
        # Rare (a stored name from before the input rule): the escapes change the length, so the spans go.
        return Text(visible(content.plain), style=content.style, justify=content.justify,
                    overflow=content.overflow, no_wrap=content.no_wrap, end=content.end)
    return content


class Static(widgets.Static):
    """Textual's Static, its strings shown as typed (no markup, control characters as escapes)."""

    def __init__(self, content: VisualType = "", **options: Any) -> None:
        options.setdefault("markup", False)
        super().__init__(as_data(content), **options)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(as_data(content), layout=layout)


class Label(Static, widgets.Label):
    """Textual's Label, its strings shown as typed (no markup, control characters as escapes): the plain
    Static's behaviour with the Label's styles."""


def _cell(value: Any) -> Any:
    # DataTable reads a str cell as Rich markup: escaped, it renders exactly as the plain text.
    return escape_rich_markup(visible(value)) if isinstance(value, str) else as_data(value)


class DataTable(widgets.DataTable[Cell]):
    """Textual's DataTable, its string cells shown as typed (no markup, control characters as escapes)."""

    def add_row(self, *cells: Any, **options: Any) -> Any:
        key = super().add_row(*(_cell(cell) for cell in cells), **options)
        # Each column as wide as its widest text now: Textual measures new rows later, when idle, and a table
        # cleared and filled again on a loaded machine was drawn with its columns as wide as their headings
        # ("TRN0", "M700") and never measured again.
        for column, cell in zip(self.ordered_columns, cells, strict=False):
            text = cell.plain if isinstance(cell, Text) else cell if isinstance(cell, str) else ""
            width = max((cell_len(line) for line in text.splitlines()), default=0)
            column.content_width = max(column.content_width, width)
        return key

    def update_cell(self, row_key: Any, column_key: Any, value: Any, *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, _cell(value), update_width=update_width)
