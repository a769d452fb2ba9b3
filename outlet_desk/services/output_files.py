"""Where a document the desk writes goes: a folder made on first use, one stem, one file per format."""

from __future__ import annotations

from pathlib import Path

from outlet_desk.private_files import private_folder


def files_in(folder: Path, stem: str, *suffixes: str) -> tuple[Path, ...]:
    """``folder/stem.suffix`` for each suffix, in that order; the folder is made (mode 0700) if it is missing."""
    private_folder(folder)
    return tuple(folder / f"{stem}.{suffix}" for suffix in suffixes)
