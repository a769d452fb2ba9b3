"""A data table's columns, each with its key (the key names the column for ``update_cell`` and sorting)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable


def add_keyed_columns(table: DataTable[Any], columns: Iterable[tuple[str, str]]) -> None:
    """Add the columns in order: each a heading (already translated) and its key."""
    for heading, key in columns:
        table.add_column(heading, key=key)
