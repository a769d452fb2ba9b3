"""Make the release fixtures of ``tests/db/test_release_upgrades.py``: one small store per migration revision
before today's head.

The repository has no tags, so a release is a migration head that ``main`` had (its first-parent history):
for each, the newest such commit whose desk runs seeds a training outlet (``outlet-desk demo``) with that
commit's own code into a fresh SQLite store (the current virtualenv's packages). A revision that was never
``main``'s head (it came in one merge with a later one) gets the store of the release before it, upgraded to
exactly that revision by today's migration chain: the training data at that point. Kept per revision in
``tests/db/releases/<revision>/``: the database (gzip), the outlet's key files (training keys of training
data only) and where it came from.

    .venv/bin/python tests/db/make_release_fixtures.py      # again after a release adds a migration
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RELEASES = Path(__file__).resolve().parent / "releases"
VERSIONS = "outlet_desk/db/migrations/versions/"
OUTLET = """[outlet]
code = "REL001"
name = "Release outlet"
division_code = "110105"
language = "en"
training = true
"""
KEYS = ("audit.key", "data.key")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def release_commits() -> dict[str, list[str]]:
    """Each migration head main's first-parent history had, but today's -> its commits, newest first."""
    found: dict[str, list[str]] = {}
    commits = _git("rev-list", "--first-parent", "HEAD").split()
    current = None
    for commit in commits:
        names = _git("ls-tree", "--name-only", commit, VERSIONS).split()
        revisions = sorted(m.group(1) for n in names if (m := re.search(r"/(\d{4})_", n)))
        if not revisions:
            continue
        head = revisions[-1]
        current = current or head
        if head != current:
            found.setdefault(head, []).append(commit)
    return dict(sorted(found.items()))


RUN_OLD_DESK = """
import runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]  # not today's package
sys.argv = ["outlet-desk", *sys.argv[1:]]
runpy.run_module("outlet_desk", run_name="__main__", alter_sys=True)
"""


def save(revision: str, data: Path, origin: str) -> None:
    target = RELEASES / revision
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (target / "origin").write_text(origin + "\n")
    with (data / "outlet.db").open("rb") as db, gzip.open(target / "outlet.db.gz", "wb", 9) as out:
        shutil.copyfileobj(db, out)
    for key in KEYS:
        if (data / key).exists():
            shutil.copy2(data / key, target / key)
    print(revision, origin, sorted(p.name for p in target.iterdir()))


def unpack(revision: str, data: Path) -> None:
    """The fixture of ``revision`` as an outlet's data folder ``data`` (0700; the database and keys 0600)."""
    data.mkdir(mode=0o700)
    with gzip.open(RELEASES / revision / "outlet.db.gz", "rb") as packed:
        (data / "outlet.db").write_bytes(packed.read())
    (data / "outlet.db").chmod(0o600)
    for key in KEYS:
        if (RELEASES / revision / key).exists():
            shutil.copy2(RELEASES / revision / key, data / key)
            (data / key).chmod(0o600)  # git keeps 0644: a fresh clone's copy would be refused as readable


def upgraded(revision: str, base: str) -> None:
    """``base``'s store brought to ``revision`` (not beyond) by today's migrations."""
    from alembic import command

    from outlet_desk.config import load_settings
    from outlet_desk.db.engine import make_engine
    from outlet_desk.db.migrate import alembic_config
    from outlet_desk.services.data_key import bind_data_key

    with tempfile.TemporaryDirectory() as scratch:
        outlet = Path(scratch)
        unpack(base, outlet / "data")
        (outlet / "outlet.toml").write_text(OUTLET)
        settings = load_settings(outlet / "outlet.toml")
        engine = make_engine(settings.database_url(), settings.database.busy_timeout_ms)
        bind_data_key(settings, engine)
        command.upgrade(alembic_config(engine), revision)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        save(revision, outlet / "data", f"the store of {base}, upgraded to {revision} by today's migrations")


def make(revision: str, commit: str) -> bool:
    """The store ``commit``'s own code seeds; False when that commit's desk does not run (a commit in the
    middle of a merge may import a module it does not have yet)."""
    with tempfile.TemporaryDirectory() as scratch:
        source, outlet = Path(scratch) / "source", Path(scratch) / "outlet"
        source.mkdir()
        outlet.mkdir()
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        (outlet / "outlet.toml").write_text(OUTLET)
        seeded = subprocess.run([sys.executable, "-c", RUN_OLD_DESK, "--config", str(outlet / "outlet.toml"), "demo"],
                                env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin", "HOME": scratch},
                                cwd=scratch, capture_output=True, timeout=600)
        if seeded.returncode != 0:
            return False
        query = ["sqlite3", str(outlet / "data" / "outlet.db"), "SELECT version_num FROM alembic_version"]
        made = subprocess.run(query, check=True, capture_output=True, text=True).stdout.strip()
        assert made == revision, (revision, made)  # that release's code made it, not today's
        save(revision, outlet / "data", f"seeded by commit {commit}")
        return True


if __name__ == "__main__":
    from outlet_desk.db.migrate import HEAD_REVISION, known_revisions

    releases = release_commits()
    for revision, commits in releases.items():
        if not any(make(revision, commit) for commit in commits[:10]):
            sys.exit(f"no commit of release {revision} seeds a store")
    for revision in known_revisions():
        if revision not in releases and revision != HEAD_REVISION:
            upgraded(revision, max(r for r in RELEASES.iterdir() if r.name < revision).name)
