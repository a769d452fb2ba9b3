from __future__ import annotations

import pytest

from outlet_desk.domain.roles import (
    READ_ONLY_ACTIONS,
    AccountOutOfReach,
    Action,
    Forbidden,
    Role,
    action_label,
    can,
    may_manage,
    require,
    require_manage,
    role_label,
)

A = Action
COUNTER = {A.REPORT_LOSS_COUNTER, A.WITHDRAW_LOSS, A.APPLY_REISSUE, A.COLLECT_CARD, A.RESET_PIN, A.CANCEL_CARD,
           A.SPOIL_CARD, A.REORDER_CARD}
"""A clerk records a spoiled card (with a second operator as witness: services/stock_spoil.py), and orders a card
again without a second fee once the citizen did what its failed production asked."""
SUPERVISOR_ONLY = {
    A.ROTATE_DATA_KEY,
    A.WAIVE_FEE,
    A.APPROVE,
    A.CASH_UP,
    A.CLOSE_DAY,
    A.RECEIVE_STOCK,
    A.RECORD_PRODUCTION_FAILURE,
    A.VIEW_REPORTS,
    A.VIEW_AUDIT,
    A.VERIFY_AUDIT,
    A.MANAGE_OPERATORS,
    A.BACK_UP_STORE,
}


def allowed(role: Role) -> set[Action]:
    return {action for action in Action if can(role, action)}


def test_hotline_agent_only_opens_a_person_and_takes_hotline_loss_reports() -> None:
    assert allowed(Role.HOTLINE) == {A.OPEN_PERSON, A.REPORT_LOSS_HOTLINE}


def test_clerk_runs_the_counter_flows() -> None:
    # and retains a blocked card handed in at the counter, with a voucher
    assert allowed(Role.CLERK) == COUNTER | {A.OPEN_PERSON, A.REPORT_LOSS_HOTLINE, A.RETAIN_CARD}


def test_clerk_cannot_waive_a_fee_or_touch_stock_or_cash() -> None:
    for action in SUPERVISOR_ONLY:
        assert not can(Role.CLERK, action)


def test_supervisor_can_do_everything_a_clerk_can_and_run_the_day() -> None:
    assert allowed(Role.CLERK) < allowed(Role.SUPERVISOR)
    assert allowed(Role.SUPERVISOR) == allowed(Role.CLERK) | SUPERVISOR_ONLY


def test_admin_manages_operators_and_oversees_but_serves_no_citizen() -> None:
    assert allowed(Role.ADMIN) == {A.MANAGE_OPERATORS, A.VIEW_AUDIT, A.VERIFY_AUDIT, A.VIEW_REPORTS, A.BACK_UP_STORE,
                                   A.EXPORT_FEED, A.ROTATE_DATA_KEY}


def test_auditor_changes_nothing() -> None:
    assert allowed(Role.AUDITOR) == {A.VIEW_AUDIT, A.VIEW_REPORTS, A.VERIFY_AUDIT}
    assert allowed(Role.AUDITOR) <= READ_ONLY_ACTIONS


@pytest.mark.parametrize("role", [Role.CITY_SUPERVISOR, Role.CITY_AUDITOR])
def test_the_city_roles_read_the_citys_reports_and_act_in_no_outlet(role: Role) -> None:
    assert allowed(role) == {A.VIEW_REPORTS, A.VIEW_CITY_REPORTS, A.EXPORT_FEED}
    assert allowed(role) <= READ_ONLY_ACTIONS
    assert not any(may_manage(role, target) for target in Role)


@pytest.mark.parametrize("role", list(Role))
def test_require_agrees_with_can(role: Role) -> None:
    for action in Action:
        if can(role, action):
            require(role, action)
        else:
            with pytest.raises(Forbidden):
                require(role, action)


def test_forbidden_names_the_role_and_the_action() -> None:
    with pytest.raises(Forbidden) as caught:
        require(Role.AUDITOR, A.WITHDRAW_LOSS)
    assert caught.value.code == "forbidden"
    assert caught.value.message == "The auditor role may not withdraw a loss report."
    assert caught.value.role is Role.AUDITOR
    assert caught.value.action is A.WITHDRAW_LOSS


def test_forbidden_is_translated_when_raised(shouting: None) -> None:
    with pytest.raises(Forbidden) as caught:
        require(Role.HOTLINE, A.CLOSE_DAY)
    assert caught.value.message == "<<The <<hotline agent>> role may not <<close the day>>.>>"


def test_every_role_and_action_has_a_label() -> None:
    assert role_label(Role.ADMIN) == "administrator"
    assert all(role_label(role) for role in Role)
    assert all(action_label(action) for action in Action)


@pytest.mark.parametrize("role", list(Role))
def test_nobody_manages_an_account_above_their_own_role(role: Role) -> None:
    rank = {Role.ADMIN: 2, Role.SUPERVISOR: 1, Role.CLERK: 0, Role.HOTLINE: 0, Role.AUDITOR: 0,
            Role.CITY_SUPERVISOR: 1, Role.CITY_AUDITOR: 1, Role.PROVINCE_SUPERVISOR: 1}
    for target in Role:
        if may_manage(role, target):
            assert can(role, A.MANAGE_OPERATORS)
            assert rank[target] <= rank[role]


def test_only_an_admin_manages_admins_and_supervisors_and_a_supervisor_the_counter_staff() -> None:
    managed = {role: {t for t in Role if may_manage(role, t)} for role in Role}
    assert managed[Role.ADMIN] == set(Role)
    assert managed[Role.SUPERVISOR] == {Role.CLERK, Role.HOTLINE, Role.AUDITOR}
    assert managed[Role.CLERK] == managed[Role.HOTLINE] == managed[Role.AUDITOR] == set()


def test_an_account_out_of_reach_names_the_rule() -> None:
    with pytest.raises(AccountOutOfReach) as refused:
        require_manage(Role.SUPERVISOR, Role.ADMIN)
    assert refused.value.message == (
        "The supervisor role may not manage administrator accounts: only an administrator creates administrator "
        "and supervisor accounts or changes, unlocks or deactivates them; the supervisor role manages clerk, "
        "hotline agent, auditor accounts."
    )
    with pytest.raises(AccountOutOfReach) as clerk:
        require_manage(Role.CLERK, Role.CLERK)
    assert clerk.value.message == "The clerk role may not manage operator accounts."


def test_a_pin_reset_is_never_a_proxys_task_whatever_an_outlet_allows() -> None:
    from outlet_desk.domain.roles import PROXY_TASKS, proxy_may_do

    assert A.RESET_PIN not in PROXY_TASKS
    assert not proxy_may_do(A.RESET_PIN, frozenset(Action))
    assert proxy_may_do(A.COLLECT_CARD, (A.COLLECT_CARD,)) and not proxy_may_do(A.COLLECT_CARD, ())
