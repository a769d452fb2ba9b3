"""Sending a PDF the desk wrote to the counter's printer (``[receipts] print_command``): receipts, the rules
sheet."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from outlet_desk.config import Settings
from outlet_desk.i18n import _


def print_pdf(settings: Settings, pdf: Path) -> tuple[bool, str]:
    """Print ``pdf``: (printed, why not). No print command set: (False, "")."""
    argv = settings.receipts.print_argv(pdf)
    if not argv:
        return False, ""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, _("Printing failed: {e}").format(e=exc)
    if proc.returncode != 0:
        return False, _("Printing failed ({cmd}): {err}").format(cmd=shlex.join(argv), err=proc.stderr.strip()[:200])
    return True, ""
