"""Alembic environment: the engine comes from the caller (``outlet_desk.db.migrate``).

On SQLite, a migration that rebuilds a table other tables point at (batch mode: copy, drop, rename) runs with
foreign keys off, as SQLite's own procedure for altering a table says; every reference is checked again
(``PRAGMA foreign_key_check``) before the migration commits, and the connection gets them back after it.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import outlet_desk.db.feed_tables
import outlet_desk.db.tables  # noqa: F401

config = context.config
engine = config.attributes["engine"]
sqlite = engine.dialect.name == "sqlite"

with engine.connect() as connection:
    raw = connection.connection.driver_connection if sqlite else None
    if raw is not None:
        raw.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, where the pragma takes effect
    try:
        # References that already pointed nowhere (a store edited outside the desk) are not the migration's.
        before = {tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")} if sqlite else set()
        connection.commit()
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=SQLModel.metadata,
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = [row for row in connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                          if tuple(row) not in before]
                if broken:
                    raise RuntimeError(f"the migration left references that point nowhere: {broken[:5]}")
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")
