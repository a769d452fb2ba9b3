"""What every benchmark prints and records the same way: the machine, and its section of BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def machine() -> str:
    """Cores, CPU model, Python, SQLite and the platform, for the figures' caption."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; "
            f"SQLite {sqlite3.sqlite_version}; {platform.platform()}")


def write_section(md: Path, title: str, body: str) -> None:
    """Replace the ``title`` section of ``md`` (a ``## `` heading) with ``body``, or append it."""
    text = md.read_text() if md.exists() else "# Benchmarks\n"
    if title in text:
        start = text.index(title)
        nxt = text.find("\n## ", start + len(title))
        text = text[:start] + body + (text[nxt:] if nxt != -1 else "\n")
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    md.write_text(text)


# The sealed columns of the bulk loaders' tables (migration 0009), and the blind index each one that has one fills.
SEALED: dict[str, dict[str, str | None]] = {
    "person": {"citizen_number": "citizen_index", "birth_date": None, "phone": None, "address": None},
    "identity_check": {"document_number": "document_index", "proxy_document_number": "proxy_document_index"},
    "collection": {"chip_citizen_number": None},
}


def data_cipher(config_dir: Path) -> Any:
    """The cipher of the data key a desk opened from ``config_dir/outlet.toml`` uses (its default
    ``data/data.key``), made now as that desk's first start would make it, so the bulk rows can be sealed."""
    from outlet_desk.db.sealing import FieldCipher
    from outlet_desk.services.data_key import load_or_create_data_key

    return FieldCipher(load_or_create_data_key(config_dir / "data" / "data.key", sealed_key=None))


def sealed_rows(table: str, columns: tuple[str, ...], rows: Iterable[tuple[object, ...]],
                cipher: Any) -> tuple[tuple[str, ...], Iterator[tuple[object, ...]]]:
    """The bulk rows of ``table`` as the desk stores them: personal values sealed (bytes), blind indexes added
    (``columns`` as returned). Other tables pass through."""
    sealed = SEALED.get(table, {})
    if not sealed:
        return columns, iter(rows)
    at = [(columns.index(c), f"{table}.{c}", index) for c, index in sealed.items() if c in columns]
    indexed = [(i, label) for i, label, index in at if index is not None]
    out = columns + tuple(index for c, index in sealed.items() if c in columns and index is not None)

    def seal(row: tuple[object, ...]) -> tuple[object, ...]:
        values = list(row)
        for i, label, _index in at:
            values[i] = cipher.seal(str(row[i]), label)
        return (*values, *(cipher.blind(str(row[i]), label) for i, label in indexed))

    return out, (seal(r) for r in rows)
