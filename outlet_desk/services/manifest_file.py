"""A manifest file read for the import, by the command line and the supervisor's stock screen alike: its size
limited, its bytes UTF-8, then every line checked by its rules (``domain.manifest``). A file that cannot be
read is a refusal naming the file and why, never a traceback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from outlet_desk.domain.manifest import Manifest, parse_manifest
from outlet_desk.i18n import _
from outlet_desk.services.errors import ServiceError

MANIFEST_MAX_BYTES = 64 * 1024 * 1024


class ManifestUnreadable(ServiceError):
    code = "manifest_unreadable"


def manifest_text(path: Path) -> str:
    """The manifest's text; :class:`ManifestUnreadable` for a file too large, unreadable or not UTF-8."""
    try:
        if path.stat().st_size > MANIFEST_MAX_BYTES:
            raise ManifestUnreadable(_("{path} is larger than a manifest can be ({mb} MB).").format(
                path=path, mb=MANIFEST_MAX_BYTES >> 20))
        data = path.read_bytes()
    except OSError as error:
        raise ManifestUnreadable(_("The manifest {path} cannot be read: {reason}").format(
            path=path, reason=error.strerror or error)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ManifestUnreadable(_("The manifest {path} is not UTF-8 text (byte {at}).").format(
            path=path, at=error.start)) from None


def read_manifest(path: Path, today: date) -> Manifest:
    """The manifest in the file ``path``, every line checked (``ManifestRefused`` with the line numbers)."""
    return parse_manifest(manifest_text(path), path.suffix, today)
