"""Where a document the desk writes goes: a folder made on first use, one stem, one file per format."""

from __future__ import annotations

from pathlib import Path


def files_in(folder: Path, stem: str, *suffixes: str) -> tuple[Path, ...]:
    """``folder/stem.suffix`` for each suffix, in that order; the folder is made if it is missing."""
    folder.mkdir(parents=True, exist_ok=True)
    return tuple(folder / f"{stem}.{suffix}" for suffix in suffixes)
