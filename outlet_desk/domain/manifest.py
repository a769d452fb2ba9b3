"""The card centre's manifest of a batch (docs/stock-manifest.md): CSV or JSON, read and checked line by line.

Every line is checked by the rules of its fields; the problems are collected with their line numbers (the
file's line for CSV, the card's place in the ``cards`` list for JSON), so the whole manifest is refused with
all of them (the first :data:`MAX_PROBLEMS`), and nothing of it is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

from outlet_desk.domain.card_numbers import validate_card_number, validate_identification_code
from outlet_desk.domain.citizen_id import parse_citizen_id
from outlet_desk.domain.errors import DomainError
from outlet_desk.domain.record_ids import is_record_id
from outlet_desk.domain.request_stages import failure_reason
from outlet_desk.domain.text import PERSON_NAME_MAX, clean_text
from outlet_desk.i18n import _

FIELDS = ("batch_number", "card_number", "identification_code", "citizen_number", "name", "request_id", "failure")
"""The CSV header, in this order (``request_id`` and ``failure`` may be empty or left out)."""
REQUIRED = FIELDS[:5]
"""The header's required names; a line with a ``failure`` (the card could not be made) has no card number nor
chip code."""
MAX_LINES = 100_000
MAX_PROBLEMS = 20
_BATCH_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")


@dataclass(frozen=True)
class ManifestLine:
    line_no: int
    card_number: str
    identification_code: str
    citizen_number: str
    name: str
    request_id: int | None
    failure: str = ""
    """The card could not be made: a ``FailureReason`` code (then the line has no card number nor chip code)."""


@dataclass(frozen=True)
class Manifest:
    batch_number: str
    lines: tuple[ManifestLine, ...]


@dataclass(frozen=True)
class Problem:
    line_no: int
    message: str

    def text(self) -> str:
        return _("line {n}: {problem}").format(n=self.line_no, problem=self.message)


class ManifestRefused(DomainError):
    """The manifest (or a line of it) breaks a rule: every problem found, with its line number."""

    code = "manifest_refused"

    def __init__(self, problems: list[Problem]) -> None:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        text = "; ".join(p.text() for p in shown)
        if more:
            text += " " + _("(and {n} more)").format(n=more)
        super().__init__(_("The manifest is refused, nothing of it was recorded: {problems}").format(problems=text))
        self.problems = tuple(problems)


def parse_manifest(text: str, suffix: str, today: date) -> Manifest:
    """The manifest in ``text`` (``suffix``: ``.csv`` or ``.json``), every line checked; else
    :class:`ManifestRefused` with every problem and its line number."""
    suffix = suffix.lower()
    rows: Iterator[tuple[int, Mapping[str, Any] | Values]]
    if suffix == ".json":
        batch, rows = _json_rows(text)
    elif suffix == ".csv":
        batch, rows = _csv_rows(text)
    else:
        raise ManifestRefused([Problem(0, _("a manifest is a .csv or a .json file, not {suffix!r}.").format(
            suffix=suffix))])
    return check_lines(batch, rows, today)


def check_lines(batch: str, rows: Iterator[tuple[int, Mapping[str, Any] | Values]], today: date) -> Manifest:
    """Check the batch number and each row (line number, fields); duplicates within the file are problems."""
    problems: list[Problem] = []
    if not _BATCH_NUMBER.fullmatch(batch):
        problems.append(Problem(1, _("the batch number {value!r} is not 1 to 60 letters, digits, '.', '-' or "
                                     "'_'.").format(value=batch[:80])))
    lines: list[ManifestLine] = []
    seen: dict[str, int] = {}
    for line_no, row in rows:
        if len(lines) + len(problems) >= MAX_LINES:
            problems.append(Problem(line_no, _("a manifest has at most {n} cards.").format(n=MAX_LINES)))
            break
        try:
            line = _line(line_no, row, batch, today)
        except DomainError as error:
            problems.append(Problem(line_no, error.message))
            continue
        for key in (line.card_number, line.identification_code):
            if not key:
                continue
            if key in seen:
                problems.append(Problem(line_no, _("{value} is already on line {n}.").format(value=key, n=seen[key])))
            seen.setdefault(key, line_no)
        lines.append(line)
    if not lines and not problems:
        problems.append(Problem(1, _("the manifest lists no card.")))
    if problems:
        raise ManifestRefused(problems)
    return Manifest(batch, tuple(lines))


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("{field} must be text.").format(field=key))
    return str(value)


Values = tuple[str | None, str, str, str, str, str, str]
"""A line's fields in the order of :data:`FIELDS`, stripped; the batch number None when the line has none."""


def _values(row: Mapping[str, Any] | Values) -> Values:
    """A JSON card's fields as text (a number is read as its digits; anything else refused); a CSV line's
    come as text already."""
    if isinstance(row, tuple):
        return row
    batch, card, code, citizen, name, request, failure = (_text(row, key).strip() for key in FIELDS)
    return (batch if "batch_number" in row else None), card, code, citizen, name, request, failure


def _line(line_no: int, row: Mapping[str, Any] | Values, batch: str, today: date) -> ManifestLine:
    values = _values(row)
    batch_value, card, code, citizen, name, request_text, failure_text = values
    failure = failure_reason(failure_text) if failure_text else None
    if not (card and code and citizen and name):
        missing = [key for key, value in zip(REQUIRED[1:], values[1:5], strict=True)
                   if not value and not (failure and key in FIELDS[1:3])]
        if missing:
            raise DomainError(_("{fields} missing.").format(fields=", ".join(missing)))
    if batch_value is not None and batch_value != batch:
        raise DomainError(_("the batch number {value!r} is not the manifest's {batch}.").format(
            value=batch_value[:80], batch=batch))
    request_id: int | None = None
    if request_text:
        if not request_text.isascii() or not request_text.isdigit() or not is_record_id(int(request_text)):
            raise DomainError(_("the request number {value!r} is not a record number.").format(value=request_text[:20]))
        request_id = int(request_text)
    if failure is not None:
        if card or code:
            raise DomainError(_("a line with a failure has no card number nor chip code: the card was not made."))
        return ManifestLine(line_no, "", "", parse_citizen_id(citizen, today).number,
                            clean_text(name, _("Name"), PERSON_NAME_MAX), request_id, failure)
    return ManifestLine(
        line_no=line_no,
        card_number=validate_card_number(card),
        identification_code=validate_identification_code(code),
        citizen_number=parse_citizen_id(citizen, today).number,
        name=clean_text(name, _("Name"), PERSON_NAME_MAX),
        request_id=request_id,
    )


def _csv_rows(text: str) -> tuple[str, Iterator[tuple[int, Values]]]:
    """The header checked, then each line that is not blank with its line number, its fields picked by the
    header's names (the last column of a name repeated, as a dict would keep it) and stripped."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in next(reader, [])]
    absent = [name for name in REQUIRED if name not in header]
    if absent:
        raise ManifestRefused([Problem(1, _("the header must name {fields}; it lacks {absent}.").format(
            fields=", ".join(FIELDS), absent=", ".join(absent)))])
    column = {name: i for i, name in enumerate(header)}
    width = len(header)
    # A field the header leaves out (request_id, failure) is read from one empty column past the last.
    pick = itemgetter(*(column.get(field, width) for field in FIELDS))
    rows: list[tuple[int, Values]] = []
    for row in reader:
        if len(row) < width:
            row += [""] * (width - len(row))
        if not "".join(row[:width]).strip():
            continue
        row.append("")
        rows.append((reader.line_num, tuple(map(str.strip, pick(row)))))  # type: ignore[arg-type]
    batch = rows[0][1][0] or "" if rows else ""
    return batch, iter(rows)


def _json_rows(text: str) -> tuple[str, Iterator[tuple[int, Mapping[str, Any]]]]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ManifestRefused([Problem(getattr(error, "lineno", 0), _("not valid JSON ({error}).").format(
            error=str(error)[:120]))]) from None
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        raise ManifestRefused([Problem(1, _("a JSON manifest is an object with batch_number and a list of cards."))])
    batch = data.get("batch_number")
    cards: list[Any] = data["cards"]
    rows = ((i, card if isinstance(card, dict) else {}) for i, card in enumerate(cards, start=1))
    return (batch if isinstance(batch, str) else ""), rows
