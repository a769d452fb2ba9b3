"""The installed desk's first run: its own ``outlet.toml`` written from the embedded example.

A desk installed with ``pip install .`` and started without ``--config`` or ``$OUTLET_DESK_CONFIG`` reads
:func:`~outlet_desk.config_file.platform_config_path`. When that file does not exist yet it is written
here, once, from the embedded example (the training outlet), with every path of the example's ``data/``
folder made absolute in the platform's data folder, so the file says where everything lives and a
technician can edit it in place. The file is mode 0600 in a folder of mode 0700, written whole (a
temporary file renamed into place) or not at all; an existing file, or one another desk wrote a moment
ago, is never replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from outlet_desk.config_file import embedded_example, platform_config_path, platform_data_dir
from outlet_desk.private_files import create_private

HEADER = (
    "# Written by outlet-desk on its first run, from the embedded example (the training outlet).\n"
    "# This desk's data folder is {data}: the database, the keys, the witness, receipts, reports and logs.\n"
    "# Edit this file for the outlet (at least [outlet]), or point --config / $OUTLET_DESK_CONFIG elsewhere.\n\n"
)


def _toml_inside_quotes(path: Path) -> str:
    """``path`` as the inside of a TOML basic string (forward slashes; quotes and backslashes escaped)."""
    return json.dumps(path.as_posix(), ensure_ascii=False)[1:-1]


def installed_example(data: Path) -> str:
    """The embedded example's text with its ``data/`` paths made absolute in ``data``."""
    inside = _toml_inside_quotes(data)
    text = embedded_example().read_text(encoding="utf-8")
    text = text.replace('"sqlite:///data/', f'"sqlite:///{inside}/').replace('"data/', f'"{inside}/')
    return HEADER.format(data=data) + text


def ensure_platform_config(path: Path) -> bool:
    """Write the installed desk's ``outlet.toml`` if ``path`` is that file and it is missing; whether it
    was written now. Any other path is left to the loader (a missing one is its message)."""
    if path.expanduser().absolute() != platform_config_path().absolute() or path.exists():
        return False
    text = installed_example(platform_data_dir())
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    fd = create_private(partial, exclusive=True)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, path)  # never replaces a file another desk wrote first
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return True
