"""The dependency lock: what the test run uses is exactly what requirements.lock pins (setup.sh installs it
with ``uv pip sync``), so a release published upstream cannot change what main runs."""

from __future__ import annotations

import re
import sys
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from locked_requirement import LOCK, entry

_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)(?: ;([^\\\n]*))?", re.MULTILINE)
# Not from the lock: the virtualenv's own pip (venv puts it there; nothing imports it) and this project.
NOT_LOCKED = {"pip", "outlet-desk"}


def _locked_here() -> dict[str, str]:
    """The lock's pins whose environment marker holds on this machine (colorama is for Windows only)."""
    return {canonicalize_name(name): version for name, version, marker in _PIN.findall(LOCK.read_text("utf-8"))
            if not marker.strip() or Marker(marker.strip()).evaluate()}


def test_the_virtualenv_holds_exactly_the_locked_versions() -> None:
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in distributions()}
    installed = {name: version for name, version in installed.items() if name not in NOT_LOCKED}
    locked = _locked_here()
    assert len(locked) > 40  # the parser really read the lock
    assert installed == locked


def test_every_pin_carries_hashes_and_no_index_address() -> None:
    """pip and uv install with --require-hashes: a pin without a hash would fail setup on a fresh machine."""
    text = LOCK.read_text("utf-8")
    for name, _version, _marker in _PIN.findall(text):
        assert "--hash=sha256:" in entry(name, text), name
    assert "://" not in text
