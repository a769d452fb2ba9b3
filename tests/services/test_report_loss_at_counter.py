"""The clerk takes a formal loss report at the counter, on both databases: after an identity check of the
holder, turning a phoned-in report formal rather than writing a second one."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from outlet_desk.db.tables import (
    LossReport,
)
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.services.context import Desk
from outlet_desk.services.loss import (
    report_loss_counter,
    report_loss_hotline,
)
from outlet_desk.services.records import IdentityCheckMissing
from tests.services.builders import identity, login, person_with, reload


def test_formal_loss_makes_the_hotline_report_formal_not_a_duplicate(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    person, card = person_with(seeded, CardStatus.ACTIVE)
    report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    card = reload(seeded, card.id or 0)
    result = report_loss_counter(seeded, clerk, card.id or 0, card.version,
                                 identity(seeded, clerk, person, "report_loss_counter"))
    assert result.became_formal and result.card_status is CardStatus.LOST
    with Session(seeded.engine) as s:
        reports = s.exec(select(LossReport).where(col(LossReport.card_id) == card.id)).all()
    assert [(r.channel, r.kind) for r in reports] == [("hotline", "formal")]


def test_formal_loss_needs_an_identity_check(seeded: Desk) -> None:
    clerk = login(seeded, "clerk1")
    _person, card = person_with(seeded, CardStatus.ACTIVE)
    other, _ = person_with(seeded, CardStatus.LOST)
    wrong_person_check = identity(seeded, clerk, other, "report_loss_counter")
    with pytest.raises(IdentityCheckMissing):
        report_loss_counter(seeded, clerk, card.id or 0, card.version, wrong_person_check)
    assert reload(seeded, card.id or 0).status == "active"
