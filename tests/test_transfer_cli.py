"""``outlet-desk stock transfer`` on real parts: a card ready at outlet CLI001 is sent to CLI002 on the same
database by the command line, then sits in the vpcd reader (the card emulator) and pcscd hands it to
``stock transfer receive``: refused at the outlet that sent it, scanned in at the one it was sent to, which
then holds it for collection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from outlet_desk.config import load_settings
from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.services.bootstrap import open_desk
from tests.cli_outlet import OUTLET, run
from tests.fixtures_pcsc import FreshSlot
from tests.services.builders import chip_of
from tests.test_stock_cli import SUPERVISOR

pytestmark = [pytest.mark.pcsc, pytest.mark.usefixtures("english")]


def _a_ready_card(config: Path) -> tuple[int, Card, Person]:
    desk = open_desk(load_settings(config))
    try:
        with Session(desk.engine) as s:
            request = s.exec(select(ReissueRequest).where(col(ReissueRequest.status) == RequestStatus.READY)
                             .order_by(col(ReissueRequest.id))).first()
            assert request is not None and request.id is not None and request.new_card_id is not None
            card = s.get(Card, request.new_card_id)
            person = s.get(Person, request.person_id)
            assert card is not None and person is not None
            return request.id, card, person
    finally:
        desk.engine.dispose()


def test_a_card_sent_to_another_outlet_is_scanned_in_there_by_its_chip(config: Path, fresh_card: FreshSlot) -> None:
    other = config.parent / "cli002.toml"  # a second training outlet on the same database
    other.write_text(OUTLET.replace('code = "CLI001"', 'code = "CLI002"'))
    assert run(config, "demo").exit_code == 0
    assert run(other, "demo").exit_code == 0
    request, card, person = _a_ready_card(config)
    sent = run(config, "stock", "transfer", "send", "--request", str(request), "--to", "CLI002", env=SUPERVISOR)
    assert sent.exit_code == 0, sent.output
    assert f"Card {card.card_number} sent to outlet CLI002" in sent.stdout

    fresh_card.insert(VirtualCard(chip_of(card, person)))
    try:
        at_sender = run(config, "stock", "transfer", "receive", "--count", "1", "--timeout", "30",
                        "--reader", fresh_card.reader, env=SUPERVISOR)
        received = run(other, "stock", "transfer", "receive", "--count", "1", "--timeout", "30",
                       "--reader", fresh_card.reader, env=SUPERVISOR)
    finally:
        fresh_card.remove()
    assert at_sender.exit_code != 0
    assert "sent to outlet CLI002, not here: it is scanned in there" in at_sender.output
    assert received.exit_code == 0, received.output
    assert (f"Card {card.card_number} from outlet CLI001 scanned in: ready for collection here (request {request})"
            in received.stdout)
    assert "1 card scanned." in received.stdout
    listed = run(other, "stock", "transfer", "list", "--json", env=SUPERVISOR)
    assert [(t["request_id"], t["from_outlet"], t["status"]) for t in json.loads(listed.stdout)] == [
        (request, "CLI001", "received")]
