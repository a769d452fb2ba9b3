"""Backup and restore of the store: ``outlet-desk backup FILE`` and ``outlet-desk restore FILE``.

A backup is one file: on SQLite a copy of the database made with SQLite's online backup API (the counters
go on writing meanwhile; the copy is one consistent moment of the store), on PostgreSQL a ``pg_dump``
archive (custom format) of one snapshot. Neither says done before the copy is checked
(:mod:`~.copy_check`): SQLite's ``PRAGMA integrity_check``, the migration revision equal to this desk's,
and the outlet's audit chain verified in full. A restore goes into an empty store only, checks the copy
the same way, and records who restored it in the restored chain.

The package by job: :mod:`~.copy_check` (what a good copy is), :mod:`~.sqlite_copy` (the online backup
API, with its progress), :mod:`~.pg_archive` (``pg_dump`` and ``pg_restore``), :mod:`~.empty_store`
(whether a store may take a restore), :mod:`~.jobs` (the two use cases, as the command line runs them).
Not in the backup, on purpose: the audit key file (a copy of the store that carries its own key could be
rewritten and sealed again by whoever holds it); keep the key's own copy apart, a restore needs it.
"""

from __future__ import annotations

from outlet_desk.services.backup.copy_check import BackupRefused, CopyChecked
from outlet_desk.services.backup.jobs import BackupDone, Progress, RestoreDone, back_up, restore

__all__ = ["BackupDone", "BackupRefused", "CopyChecked", "Progress", "RestoreDone", "back_up", "restore"]
