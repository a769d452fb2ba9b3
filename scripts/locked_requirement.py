"""Print packages' entries of requirements.lock (``name==version`` with its hashes), as a requirements file.

setup.sh installs uv this way, then the build tools, at the versions and with the hashes that the lock
holds, before uv installs everything else; the lock stays the one place where a version is written.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"


def entry(name: str, lock: str) -> str:
    match = re.search(rf"^{re.escape(name)}==\S+(?: ;[^\\\n]*)?(?: \\\n\s+--hash=sha256:[0-9a-f]{{64}})+", lock,
                      re.MULTILINE)
    if match is None:
        raise SystemExit(f"{LOCK.name} has no entry for {name} with hashes: run scripts/lock.sh")
    return match.group(0)


if __name__ == "__main__":
    lock = LOCK.read_text(encoding="utf-8")
    print("\n".join(entry(name, lock) for name in sys.argv[1:]))
