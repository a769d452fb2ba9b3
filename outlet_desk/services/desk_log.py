"""The desk's one log: a line for every use case (done, refused, failed) and every unexpected failure.

A technician asked about "an error at 10:12" reads ``outlet-desk.log`` in the data folder. Each line is
``TIME LEVEL key=value …``: the outlet, the operator's user name, the use case, the outcome, the message id
(a refusal's ``code``, or the exception's type), the duration in milliseconds and the message as shown. No
personal data in clear: digit runs that look like a citizen, document or phone number are masked before a
line is written (:func:`scrub`), and a line names a record by its id, never by a person's details.

The file rotates at 1 MB, five old files kept, each created with mode 0600 (:class:`PrivateRotatingFile`).
The command line and the desk configure it once at start (:func:`configure`); without that (a library
use, a test that does not ask) the lines go nowhere.
"""

from __future__ import annotations

import json
import logging
import os
import re
from enum import StrEnum
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from outlet_desk.config_file import ConfigError
from outlet_desk.domain.errors import DomainError
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.masking import mask_number

LOG_FILE = "outlet-desk.log"


class LogLevel(StrEnum):
    """What ``--log-level`` accepts (INFO by default: one line per use case)."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


log = logging.getLogger("outlet_desk")
log.addHandler(logging.NullHandler())  # unconfigured (a library use, a refusal before the data folder): nowhere,
log.propagate = False  # never Python's last-resort handler, which would print the lines on standard error
_handler: PrivateRotatingFile | None = None
_level = os.environ.get("OUTLET_DESK_LOG_LEVEL", "INFO").upper()

_NEEDS_QUOTES = re.compile(r'[\s"=]')
"""A value with a space (``str.isspace``: the same characters as the pattern's), a quote or '=' is quoted."""
# A citizen number (15 or 18 characters), a longer document number, a mainland phone number: masked in any text.
_NUMBERS = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15}|\d{11,14}|[A-Z]{1,2}\d{7,10})(?![0-9A-Za-z])")


class PrivateRotatingFile(RotatingFileHandler):
    """A rotating log whose files (the first and every rotated one) only their owner can read. It is opened
    at its first line, and only in a data folder that exists: a desk refused before it made its data folder
    (a missing key, a database it cannot open) leaves no folder behind just for its log."""

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is None and not Path(self.baseFilename).parent.is_dir():
            return
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        """A full disk or a log made unwritable: the line is lost, never a traceback on the clerk's screen."""

    def _open(self) -> TextIOWrapper:
        stream = open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors,  # noqa: SIM115
                      opener=lambda path, flags: os.open(path, flags, 0o600))
        assert isinstance(stream, TextIOWrapper)
        return stream


def scrub(text: str) -> str:
    """``text`` with every number that may identify a person masked (the first and last characters kept)."""
    return _NUMBERS.sub(lambda m: mask_number(m.group(0)), text)


def set_level(level: str) -> None:
    """The level from now on (``--log-level``; else ``$OUTLET_DESK_LOG_LEVEL``, else INFO)."""
    global _level
    _level = level.upper()
    log.setLevel(_level)


def configure(folder: Path) -> Path:
    """Send the desk's log lines to ``folder``/:data:`LOG_FILE` from now on (again: the newest folder wins);
    the log's path. A line that cannot be written is dropped (the desk works on without its log)."""
    global _handler
    level = _level if _level in LogLevel.__members__ else LogLevel.INFO
    path = folder / LOG_FILE
    if _handler is not None:
        if Path(_handler.baseFilename) == path.absolute():
            log.setLevel(level)
            return path
        log.removeHandler(_handler)
        _handler.close()
        _handler = None
    handler = PrivateRotatingFile(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8",
                                  errors="backslashreplace", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False
    _handler = handler
    return path


def line(**fields: object) -> str:
    """``key=value`` pairs; a value with spaces, quotes or '=' is written as a JSON string; all scrubbed."""
    parts = []
    for key, value in fields.items():
        if value is None or value == "":
            continue
        text = scrub(str(value))
        if not text or _NEEDS_QUOTES.search(text) or not text.isprintable():
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


_LOGGED = "_outlet_desk_logged"


def logged(error: BaseException) -> bool:
    """Whether ``error`` has its line already (a use case's refusal is logged where it happened, once)."""
    return bool(getattr(error, _LOGGED, False))


def use_case(outlet: str, operator: str | None, name: str, outcome: str, ms: float, *,
             error: BaseException | None = None, record: str = "") -> None:
    """One use case's line: INFO when done, WARNING when refused, ERROR when it failed."""
    message_id = str(getattr(error, "code", type(error).__name__)) if error is not None else ""
    message = str(error) if error is not None else ""
    if error is not None:
        setattr(error, _LOGGED, True)
    level = {"done": logging.INFO, "rolled back": logging.INFO, "refused": logging.WARNING}.get(outcome, logging.ERROR)
    log.log(level, line(outlet=outlet, operator=operator or "-", use_case=name, outcome=outcome,
                        id=message_id, ms=f"{ms:.0f}", record=record, message=_first_line(message)))


def _first_line(text: str) -> str:
    """A driver's error goes on with the statement and its parameters (a person's data): never logged."""
    return text.splitlines()[0][:300] if text else ""


def refused(where: str, error: ConfigError | DomainError | ServiceError) -> None:
    """A refusal outside a use case's transaction (a command's argument, a sign-in, the settings); one that
    a use case logged already is not logged again."""
    if logged(error):
        return
    setattr(error, _LOGGED, True)
    log.warning(line(use_case=where, outcome="refused", id=getattr(error, "code", "config"),
                     message=_first_line(error.message)))


def failed(where: str, error: BaseException, details: Path | None) -> None:
    """An unexpected failure (its traceback is in the errors log named by ``details``), unless its use case
    logged it already."""
    if logged(error):
        return
    setattr(error, _LOGGED, True)
    log.error(line(use_case=where, outcome="failed", id=type(error).__name__, message=_first_line(str(error)),
                   details=details))
