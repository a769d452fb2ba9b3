"""A record number beyond what a database column holds is a record that does not exist, on both databases
(SQLite's ids are 64 bits, PostgreSQL's 32): the refusal a clerk can act on, never a driver error."""

from __future__ import annotations

import pytest

from outlet_desk.domain.record_ids import RECORD_ID_MAX, RecordIdOutOfRange, check_record_id
from outlet_desk.domain.roles import Role
from outlet_desk.services import operators
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import NotFound
from outlet_desk.services.reissue import receive_card


@pytest.mark.parametrize("request_id", [0, -1, RECORD_ID_MAX + 1, 2**63, 2**64 + 5])
def test_a_request_number_out_of_range_is_not_found_on_either_database(
    desk: Desk, admin: Actor, request_id: int
) -> None:
    operators.add_operator(desk, admin, "super1", "Supervisor", Role.SUPERVISOR, "correct horse battery")
    supervisor = operators.authenticate(desk, "super1", "correct horse battery")
    with pytest.raises(NotFound, match=f"No reissue request with number {request_id}"):
        receive_card(desk, supervisor, request_id, "C12345678", "110105D156000005ABCDEF0123456789")


def test_the_rule_names_the_option_and_the_range() -> None:
    assert check_record_id(RECORD_ID_MAX, "--request") == RECORD_ID_MAX
    with pytest.raises(RecordIdOutOfRange, match=r"--request 2147483648 .* 1 to 2147483647"):
        check_record_id(RECORD_ID_MAX + 1, "--request")
