"""The city (issue 17 items 1 and 2): the hierarchy read from the outlets' division codes, the city's roles
(they read every outlet of their city and act in none) and the city report, side by side with its totals.
Three outlets on one database, on SQLite and on PostgreSQL: TST001 and TST002 in Beijing (1101), TST003 in
Tianjin (1201)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from outlet_desk.config import parse_settings
from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.roles import Action, Forbidden, Role
from outlet_desk.services import demo, operators
from outlet_desk.services.bootstrap import open_desk
from outlet_desk.services.city_report import Figures, city_report
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.day_close import close_day
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.loss import report_loss_hotline
from outlet_desk.services.report import daily_report, day_figures, operator_names
from outlet_desk.services.report_model import LOSS_KEYS
from outlet_desk.services.report_queries import snapshot
from tests.clock import FakeClock
from tests.services.builders import login, person_with, ready_card

PW = "correct horse battery"
OUTLETS = {"TST002": ("Haidian outlet", "110108"), "TST003": ("Tianjin outlet", "120101")}


@pytest.fixture
def city(desk: Desk, clock: FakeClock) -> Iterator[dict[str, Desk]]:
    """The desk's outlet TST001 (Beijing, Chaoyang: 110105) and two more desks on its database, the
    training data seeded at TST001, an administrator of all three."""
    desks = {"TST001": desk}
    path = desk.settings.config_path
    for code, (name, division) in OUTLETS.items():
        text = (path.read_text().replace('"TST001"', f'"{code}"').replace('"Test outlet"', f'"{name}"')
                .replace('"110105"', f'"{division}"'))
        other = open_desk(parse_settings(text, path.with_name(f"{code}.toml")))
        other.clock = clock
        desks[code] = other
    operators.add_operator(desk, None, "admin", "Admin", Role.ADMIN, PW, outlets=list(desks))
    assert demo.seed_training(desk, persons=40).seeded
    yield desks
    for code, other in desks.items():
        if code != "TST001":
            other.engine.dispose()


def _account(desks: dict[str, Desk], username: str, role: Role, outlet: str) -> Actor:
    admin = operators.authenticate(desks["TST001"], "admin", PW)
    operators.add_operator(desks["TST001"], admin, username, username.title(), role, PW, outlets=[outlet])
    return operators.authenticate(desks[outlet], username, PW)


def test_the_city_report_sets_the_outlets_of_the_city_side_by_side_with_their_totals(city: dict[str, Desk]) -> None:
    hotline2 = _account(city, "hotline2", Role.HOTLINE, "TST002")
    hotline3 = _account(city, "hotline3", Role.HOTLINE, "TST003")
    person, _card = person_with(city["TST001"], CardStatus.ACTIVE)
    report_loss_hotline(city["TST002"], hotline2, person.citizen_number, person.name, person.phone)
    other, _ = person_with(city["TST001"], CardStatus.ACTIVE)
    report_loss_hotline(city["TST003"], hotline3, other.citizen_number, other.name, other.phone)
    chief = _account(city, "citychief", Role.CITY_SUPERVISOR, "TST001")

    report = city_report(city["TST001"], chief)

    assert (report.city_code, report.city_name, report.province_name) == ("1101", "北京市", "北京市")
    assert [(o.code, o.district) for o in report.outlets] == [("TST001", "朝阳区"), ("TST002", "海淀区")]
    by_code = {o.code: o for o in report.outlets}
    for code, line in by_code.items():  # each outlet's figures are its own daily report's
        own = daily_report(city["TST001"], report.day, outlet_code=code, verify=False)
        assert line.figures.loss_reports == sum(own.loss_reports[k] for k in LOSS_KEYS)
        assert line.figures.reissues == own.reissues_total
    assert by_code["TST002"].figures.loss_reports == 1  # Tianjin's loss report is not Beijing's
    assert report.totals.loss_reports == by_code["TST001"].figures.loss_reports + 1
    assert report.totals.reissues == sum(o.figures.reissues for o in report.outlets)
    # The desk's own chain is verified here; another outlet's is not (its key stays at that outlet).
    assert by_code["TST001"].chain.verified_here and by_code["TST001"].chain.intact is True
    assert not by_code["TST002"].chain.verified_here and by_code["TST002"].chain.intact is None
    assert report.problems == ()


def test_a_city_auditor_reads_the_city_of_the_outlet_they_are_bound_to(city: dict[str, Desk]) -> None:
    auditor = _account(city, "cityaudit", Role.CITY_AUDITOR, "TST003")
    report = city_report(city["TST003"], auditor, date(2026, 11, 25))
    assert (report.city_code, report.city_name) == ("1201", "天津市")
    assert [o.code for o in report.outlets] == ["TST003"]


def test_the_city_roles_read_their_citys_outlets_and_no_other(city: dict[str, Desk]) -> None:
    chief = _account(city, "citychief", Role.CITY_SUPERVISOR, "TST001")
    here = city["TST001"]
    assert daily_report(here, outlet_code="TST002", actor=chief, verify=False).outlet_code == "TST002"
    with pytest.raises(ServiceError) as refused:
        daily_report(here, outlet_code="TST003", actor=chief, verify=False)
    assert refused.value.message == ("citychief belongs to outlet TST001, not to outlet TST003: its records are read "
                                     "by its own operators.")


def test_the_city_roles_act_in_no_outlet(city: dict[str, Desk]) -> None:
    chief = _account(city, "citychief", Role.CITY_SUPERVISOR, "TST001")
    person, _card = person_with(city["TST001"], CardStatus.ACTIVE)
    with pytest.raises(Forbidden) as refused:
        report_loss_hotline(city["TST001"], chief, person.citizen_number, person.name, person.phone)
    assert refused.value.message == "The city supervisor role may not take a loss report by the hotline."


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CLERK, Role.AUDITOR])
def test_an_outlets_own_roles_have_no_city_report(city: dict[str, Desk], role: Role) -> None:
    actor = _account(city, "someone", role, "TST001")
    with pytest.raises(Forbidden):
        city_report(city["TST001"], actor)
    assert Action.VIEW_CITY_REPORTS.label == "view the reports of every outlet of the city"


def test_the_city_reads_all_its_outlets_at_once_with_each_outlets_own_daily_figures(city: dict[str, Desk],
                                                                                   clock: FakeClock) -> None:
    """The city report reads one statement per figure for all the city's outlets (``day_figures``); each
    outlet's figures, reconciliation and close are still exactly its daily report's, also for an outlet whose
    day was closed before a late hotline report (which belongs to the next day's report)."""
    here, haidian = city["TST001"], city["TST002"]
    clerk = login(here, "clerk1")
    person, card = person_with(here, CardStatus.LOST)
    ready_card(here, clerk, person, card)  # a reissue paid, its card waiting at TST001
    hotline2 = _account(city, "hotline2", Role.HOTLINE, "TST002")
    for _ in range(2):
        someone, _card = person_with(here, CardStatus.ACTIVE)
        report_loss_hotline(haidian, hotline2, someone.citizen_number, someone.name, someone.phone)
    sup2 = _account(city, "sup2", Role.SUPERVISOR, "TST002")
    close_day(haidian, sup2, reason="test outlet: cards waiting")
    clock.advance(minutes=5)
    late, _card = person_with(here, CardStatus.ACTIVE)
    report_loss_hotline(haidian, hotline2, late.citizen_number, late.name, late.phone)  # after the close

    chief = _account(city, "citychief", Role.CITY_SUPERVISOR, "TST001")
    report = city_report(here, chief)

    with snapshot(here) as conn:
        at_once = day_figures(conn, here, report.day, {"TST001": "Test outlet", "TST002": "Haidian outlet"},
                              operator_names(conn))
    for line in report.outlets:
        own = daily_report(here, report.day, outlet_code=line.code, verify=False)
        assert line.figures == Figures.of(own)
        assert line.closed_at == (own.close.closed_at if own.close else None)
        got = at_once[line.code]
        assert (got.loss_reports, got.reissues, got.collections, got.fees_taken_fen, got.fees_waived_fen,
                got.clerks, got.uncollected, got.pending_temporary_losses, got.reconciliation, got.close,
                got.chip_check_failures, got.blocked_cards_presented, got.spoiled_cards) == (
            own.loss_reports, own.reissues, own.collections, own.fees_taken_fen, own.fees_waived_fen,
            own.clerks, own.uncollected, own.pending_temporary_losses, own.reconciliation, own.close,
            own.chip_check_failures, own.blocked_cards_presented, own.spoiled_cards)
    by_code = {o.code: o for o in report.outlets}
    # Haidian's day ends at its close: two hotline reports pending, the late one is the next day's.
    assert by_code["TST002"].closed_at is not None
    assert (by_code["TST002"].figures.loss_reports, by_code["TST002"].figures.pending_temporary_losses) == (2, 2)
    assert (by_code["TST001"].figures.reissues, by_code["TST001"].figures.fees_taken_fen) == (1, 2000)
    assert report.problems == ()
