"""A desk process killed in the middle of a use case loses nothing that was committed and leaves no
half-written change: the transaction is rolled back by the database, the audit chain stays intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlmodel import Session, select

from outlet_desk.db.tables import AuditEvent, Person
from outlet_desk.services.audit import verify_chain
from outlet_desk.services.context import Desk
from outlet_desk.services.uow import UnitOfWork

CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import date
    from pathlib import Path
    from outlet_desk.config import load_settings
    from outlet_desk.db.tables import Person
    from outlet_desk.services.bootstrap import open_desk
    from outlet_desk.services.uow import UnitOfWork

    desk = open_desk(load_settings(Path(sys.argv[1])))
    with UnitOfWork(desk, None) as uow:
        uow.session.add(Person(citizen_number="11010519491231002X", name="半途", gender="female",
                               birth_date=date(1949, 12, 31), created_at=desk.now()))
        uow.session.flush()
        uow.audit("half_done", "person", 1)
        uow.session.flush()
        print("written, not committed", flush=True)
        time.sleep(60)
        uow.commit()
    """
)


def test_killed_mid_use_case_leaves_the_store_consistent(desk: Desk, tmp_path: Path) -> None:
    config = desk.settings.config_path
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "written, not committed" in line, proc.stderr.read() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.1)
    # The next use case at another counter goes through: the dead process holds no lock.
    with UnitOfWork(desk, None) as uow:
        uow.audit("after_the_crash", "outlet", desk.outlet_code)
        uow.commit()
    with Session(desk.engine) as s:
        assert s.exec(select(Person)).all() == []
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "half_done")).all() == []
        report = verify_chain(s, desk.audit_key, desk.outlet_code)
    assert report.intact, report.message()
