"""What every benchmark prints and records the same way: the machine, and its section of BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path


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
