"""The card-status feed (issue 17 item 4): every change of a card's status is in the feed, written in the
same transaction (nothing for a use case rolled back), numbered per city in commit order at first export,
exported from a sequence number on, acknowledged by a consumer, and each outlet's full verification is
witnessed in it so that a chain cut short is named. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from outlet_desk.db.feed_tables import FeedRecord
from outlet_desk.db.tables import AuditEvent, AuditHead, Card, Outlet
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.feed import FeedKind
from outlet_desk.services.context import Desk
from outlet_desk.services.feed.export import FeedRefused, acknowledge, export_feed
from outlet_desk.services.feed.witness_check import problems, read_checkpoints
from outlet_desk.services.loss import CallerNotIdentified, report_loss_hotline
from outlet_desk.services.report import chain_result
from tests.services.builders import login, person_with


def test_the_feed_starts_with_every_card_and_adds_each_change(seeded: Desk) -> None:
    admin = login(seeded, "admin")
    first = export_feed(seeded, admin, since=0)
    with Session(seeded.engine) as s:
        statuses = dict(s.execute(select(col(Card.card_number), col(Card.status))).all())
    known: dict[str, str] = {}
    for item in first.items:
        assert item.kind is FeedKind.CARD_STATUS and item.city == "1101"
        known[item.card_number] = item.status
    assert known == statuses  # a consumer that applies the feed from the start knows every card
    assert [i.seq for i in first.items] == list(range(1, len(first.items) + 1)) and first.head == first.last

    person, card = person_with(seeded, CardStatus.ACTIVE)
    report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, person.phone)
    later = export_feed(seeded, admin, since=first.last)
    [change] = later.items
    assert (change.seq, change.card_number, change.previous_status, change.status) == (
        first.last + 1, card.card_number, "active", "suspended")
    assert change.as_json() == {"seq": first.last + 1, "city": "1101", "kind": "card_status", "outlet": "TST001",
                                "at": change.at.isoformat(), "card_number": card.card_number,
                                "status": "suspended", "previous_status": "active"}
    # Exported again, the same records carry the same numbers (a consumer may re-apply them safely).
    assert export_feed(seeded, admin, since=first.last).items == later.items



def test_an_export_numbers_the_citys_waiting_records_in_the_order_written_and_no_other_citys(seeded: Desk) -> None:
    """The numbering is one UPDATE over the waiting records: it must still follow the order they were written in,
    continue from the city's head, and leave another city's records waiting for that city's export."""
    admin = login(seeded, "admin")
    first = export_feed(seeded, admin, since=0)
    with Session(seeded.engine) as s:
        s.add(Outlet(code="SH0001", name="Shanghai outlet", division_code="310101"))
        s.flush()
        for n, city, outlet in [(1, "1101", "TST001"), (2, "3101", "SH0001"), (3, "1101", "TST001"),
                                (4, "1101", "TST001")]:
            s.add(FeedRecord(city_code=city, kind=FeedKind.CARD_STATUS, outlet_code=outlet,
                             card_number=f"X{n:08d}", status="active", at=seeded.now()))
            s.flush()  # one by one: ids in this order
        s.commit()
    later = export_feed(seeded, admin, since=first.last)
    assert [(i.seq, i.card_number) for i in later.items] == [
        (first.last + 1, "X00000001"), (first.last + 2, "X00000003"), (first.last + 3, "X00000004")]
    assert later.head == first.last + 3
    assert export_feed(seeded, admin, since=first.last).items == later.items  # numbered once
    with Session(seeded.engine) as s:
        other = s.execute(select(col(FeedRecord.city_seq)).where(col(FeedRecord.city_code) == "3101")).scalar_one()
    assert other is None


def test_a_use_case_that_is_refused_leaves_nothing_in_the_feed(seeded: Desk) -> None:
    person, _card = person_with(seeded, CardStatus.ACTIVE)
    with Session(seeded.engine) as s:
        before = s.execute(select(func.count()).select_from(FeedRecord)).scalar_one()
    with pytest.raises(CallerNotIdentified):
        report_loss_hotline(seeded, login(seeded, "hotline1"), person.citizen_number, person.name, "13000000000")
    with Session(seeded.engine) as s:
        assert s.execute(select(func.count()).select_from(FeedRecord)).scalar_one() == before


def test_a_consumer_resumes_after_what_it_acknowledged(seeded: Desk) -> None:
    admin = login(seeded, "admin")
    batch = export_feed(seeded, admin, consumer="medical", limit=5)
    assert [i.seq for i in batch.items] == [1, 2, 3, 4, 5]
    assert export_feed(seeded, admin, consumer="medical", limit=2).since == 0  # nothing acknowledged yet
    acknowledge(seeded, admin, "medical", batch.last)
    assert [i.seq for i in export_feed(seeded, admin, consumer="medical", limit=2).items] == [6, 7]
    with pytest.raises(FeedRefused) as back:
        acknowledge(seeded, admin, "medical", 3)
    assert back.value.message.startswith("medical already acknowledged up to 5; an acknowledgement never goes back")
    with pytest.raises(FeedRefused) as beyond:
        acknowledge(seeded, admin, "medical", batch.head + 1)
    assert beyond.value.message == f"The city's feed ends at {batch.head:,}; {batch.head + 1:,} cannot be acknowledged."


def test_a_clerk_cannot_export_the_feed(seeded: Desk) -> None:
    from outlet_desk.domain.roles import Forbidden

    with pytest.raises(Forbidden):
        export_feed(seeded, login(seeded, "clerk1"))


def test_the_feed_witnesses_each_full_verification_and_names_a_chain_cut_short(seeded: Desk) -> None:
    admin = login(seeded, "admin")
    result = chain_result(seeded, full=True, record=True)
    assert result is not None and result.checkpoint_seq is not None
    kept = [json.dumps(i.as_json()) for i in export_feed(seeded, admin, since=0, limit=100_000).items]
    witnessed = read_checkpoints(kept, "kept.jsonl")
    assert witnessed["TST001"].audit_seq == result.checkpoint_seq
    assert problems(seeded, witnessed) == []
    # Someone with the database in hand deletes the newest events and sets the head back.
    cut = result.checkpoint_seq - 3
    with Session(seeded.engine) as s:
        s.execute(delete(AuditEvent).where(col(AuditEvent.seq) > cut))
        s.execute(update(AuditHead).values(seq=cut))
        s.commit()
    [found] = problems(seeded, witnessed)
    assert found.startswith(f"TST001: the chain ends at event {cut:,}, but the feed witnessed it verified up to "
                            f"event {result.checkpoint_seq:,}")
