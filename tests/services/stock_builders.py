"""Manifests for the stock tests: lines for the seeded desk's holders (the ones whose new card is on order first,
so their lines find their requests), written as CSV or JSON, and the chip each line's card carries."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from outlet_desk.db.tables import Person, ReissueRequest
from outlet_desk.domain.manifest import FIELDS, Manifest, parse_manifest
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.reader.card_data import CardData, Gender
from outlet_desk.services.context import Desk


@dataclass(frozen=True)
class Line:
    card_number: str
    identification_code: str
    citizen_number: str
    name: str
    birth_date: date
    request_id: int | None = None

    def row(self, batch: str) -> dict[str, str]:
        return {"batch_number": batch, "card_number": self.card_number, "identification_code": self.identification_code,
                "citizen_number": self.citizen_number, "name": self.name,
                "request_id": str(self.request_id) if self.request_id else ""}

    def chip(self, **changes: str) -> CardData:
        """The chip of this line's card (``changes``: what the chip says otherwise)."""
        data = CardData(
            card_number=self.card_number, identification_code=self.identification_code, card_type=1,
            spec_version="3.00", issue_date=date(2026, 11, 20), expiry_date=date(2036, 11, 20),
            citizen_number=self.citizen_number, name=self.name,
            gender=Gender.MALE if int(self.citizen_number[16]) % 2 else Gender.FEMALE, ethnicity="01",
            birthplace=self.citizen_number[:6], birth_date=self.birth_date)
        return replace(data, **changes)  # type: ignore[arg-type]


def card_number(i: int) -> str:
    return f"M{70000000 + i:08d}"


def chip_code(i: int) -> str:
    return f"110105D156000005{0xA000000000000000 + i:016X}"


def lines_for(desk: Desk, n: int, first: int = 0) -> list[Line]:
    """``n`` lines for the desk's holders, cards ``first``.. on: the holders whose factory card is on order come
    first (their lines carry no request number: the import finds the request); then any holder, again and
    again (a holder may get more than one card in a test)."""
    with Session(desk.engine) as s:
        waiting = s.exec(select(ReissueRequest.person_id).where(
            col(ReissueRequest.status) == RequestStatus.IN_PRODUCTION,
            col(ReissueRequest.production_mode) == "factory")).all()
        first_ones = list(s.exec(select(Person).where(col(Person.id).in_(waiting)).order_by(col(Person.id))).all())
        others = list(s.exec(select(Person).where(col(Person.id).not_in(waiting)).order_by(col(Person.id))).all())
    holders = first_ones + [others[i % len(others)] for i in range(max(0, n - len(first_ones)))]
    return [Line(card_number(first + i), chip_code(first + i), p.citizen_number, p.name, p.birth_date)
            for i, p in enumerate(holders[:n])]


def manifest_csv(batch: str, lines: list[Line]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for line in lines:
        writer.writerow(line.row(batch))
    return out.getvalue()


def manifest_json(batch: str, lines: list[Line]) -> str:
    return json.dumps({"batch_number": batch, "cards": [
        {k: v for k, v in line.row(batch).items() if k != "batch_number"} for line in lines]}, ensure_ascii=False)


def manifest(desk: Desk, batch: str, lines: list[Line]) -> Manifest:
    return parse_manifest(manifest_csv(batch, lines), ".csv", desk.local_now().date())


def write_manifest(folder: Path, batch: str, lines: list[Line], suffix: str = ".csv") -> Path:
    path = folder / f"{batch}{suffix}"
    path.write_text(manifest_csv(batch, lines) if suffix == ".csv" else manifest_json(batch, lines), encoding="utf-8")
    return path
