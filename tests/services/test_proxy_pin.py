"""``[collection] proxy_keeps_initial_pin``, on both databases: where it is set, a proxy takes the card with its
initial PIN (the holder changes it later) and the audit says the PIN was not changed; by default, and for the
holder always, the initial PIN must be changed before the hand-over."""

from __future__ import annotations

import json

import pytest

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.pin import pin_change_required
from outlet_desk.services.collection import CollectionRefused, CollectionResult, complete_collection
from outlet_desk.services.context import Desk
from outlet_desk.services.identity import Document, ProxyDetails, record_identity_check
from tests.services.builders import audit_events, chip_of, identity, login, person_with, ready_card, request_version
from tests.services.conftest import SeededFactory

KEEPS = "\n[collection]\nproxy_keeps_initial_pin = true\n"


def _proxy_check(desk: Desk, person_id: int, person_number: str, person_name: str) -> int:
    proxy = ProxyDetails(Document("resident_id_card", "11010519491231002X", "张小燕", None), "daughter", "AUTH-7")
    return record_identity_check(
        desk, login(desk, "clerk1"), person_id, "collect_card", presenter="proxy", proxy=proxy, face_confirmed=True,
        document=Document("resident_id_card", person_number, person_name, None)).check_id


@pytest.mark.parametrize(("extra", "keeps"), [(KEEPS, True), ("", False)])
def test_a_proxy_keeps_the_initial_pin_only_where_the_outlet_allows(make_seeded: SeededFactory, extra: str,
                                                                    keeps: bool) -> None:
    desk = make_seeded(extra)
    clerk = login(desk, "clerk1")
    person, old = person_with(desk, CardStatus.LOST)
    request_id, new = ready_card(desk, clerk, person, old)
    assert person.id is not None
    check = _proxy_check(desk, person.id, person.citizen_number, person.name)

    def collect() -> CollectionResult:
        return complete_collection(desk, clerk, request_id, request_version(desk, request_id), check,
                                   chip_of(new, person), pin_changed=False)

    if not keeps:
        with pytest.raises(CollectionRefused, match="initial PIN"):
            collect()
        return
    result = collect()
    assert result.pin_changed is False
    [event] = audit_events(desk, "card_collected")
    assert json.loads(event.after)["pin_changed"] is False


def test_the_holder_always_changes_the_pin(make_seeded: SeededFactory) -> None:
    desk = make_seeded(KEEPS)
    clerk = login(desk, "clerk1")
    person, old = person_with(desk, CardStatus.LOST)
    request_id, new = ready_card(desk, clerk, person, old)
    check = identity(desk, clerk, person, "collect_card")
    with pytest.raises(CollectionRefused, match="initial PIN"):
        complete_collection(desk, clerk, request_id, request_version(desk, request_id), check, chip_of(new, person),
                            pin_changed=False)


def test_the_rule() -> None:
    assert pin_change_required(by_proxy=False, proxy_keeps_initial_pin=True)
    assert pin_change_required(by_proxy=True, proxy_keeps_initial_pin=False)
    assert not pin_change_required(by_proxy=True, proxy_keeps_initial_pin=True)
