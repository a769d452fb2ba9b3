"""The visit's rules, pure: when a visit's identity check stops standing, and what a proxy's check allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outlet_desk.domain.visit import VisitRefused, check_visit, task_refusal, visit_ends_at, visit_expired

CHECKED = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
PROXY_ALLOWED = ("apply_reissue", "collect_card")


def test_a_visit_lasts_its_minutes_and_not_a_moment_more() -> None:
    assert visit_ends_at(CHECKED, 30) == CHECKED + timedelta(minutes=30)
    assert not visit_expired(CHECKED, CHECKED + timedelta(minutes=29, seconds=59), 30)
    assert visit_expired(CHECKED, CHECKED + timedelta(minutes=30), 30)
    with pytest.raises(VisitRefused, match="30 minutes") as refused:
        check_visit("holder", "apply_reissue", PROXY_ALLOWED, CHECKED, CHECKED + timedelta(minutes=31), 30)
    assert refused.value.code == "visit_expired"


def test_a_proxys_visit_allows_only_the_proxys_tasks_and_a_holders_everything() -> None:
    refusal = task_refusal("proxy", "report_loss_counter", PROXY_ALLOWED)
    assert refusal is not None and refusal.code == "proxy_not_allowed"
    assert "holder must come in person" in refusal.message
    assert task_refusal("proxy", "collect_card", PROXY_ALLOWED) is None
    assert task_refusal("holder", "report_loss_counter", PROXY_ALLOWED) is None
    check_visit("proxy", "collect_card", PROXY_ALLOWED, CHECKED, CHECKED + timedelta(minutes=5), 30)
