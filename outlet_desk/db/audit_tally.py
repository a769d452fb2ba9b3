"""``audit_tally``: how many audit events each outlet's store holds, kept by the database itself.

Triggers on ``audit_event`` (migration 0023) add one for every row inserted and take one off for every row
deleted, whoever does it: the desk, a bulk load or someone at the database's prompt. So the quick verification
(``services.audit.verify``) learns how many events lie before its checkpoint without counting them: the
tally less the events after the checkpoint, which it reads anyway. Its cost does not grow with the outlet's
age. Not sealed: who rewrites it by hand can as well edit an old event in place, which only the full
verification (every day close) sees.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

TALLY_FUNCTION = "audit_tally_count"
"""PostgreSQL's trigger function behind the tally (made by migration 0023; a store emptied again drops it)."""


class AuditTally(SQLModel, table=True):
    __tablename__ = "audit_tally"

    outlet_code: str = Field(primary_key=True, max_length=16)
    events: int = 0
