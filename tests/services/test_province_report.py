"""The province report (issue 17 item 2): every city of a province side by side with the province's totals,
each city counted by the city report, read by the province's role only; on SQLite and PostgreSQL. Hebei's
outlets HB01 and HB02 in Shijiazhuang (1301), HB03 in Tangshan (1302), and the desk's own TST001 in Beijing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from outlet_desk.domain.card_lifecycle import CardStatus
from outlet_desk.domain.roles import Forbidden, Role
from outlet_desk.services import demo, operators
from outlet_desk.services.city_report import city_report, report_of_city
from outlet_desk.services.context import Actor, Desk
from outlet_desk.services.errors import ServiceError
from outlet_desk.services.loss import report_loss_hotline
from outlet_desk.services.province_report import province_report
from outlet_desk.services.province_report_export import province_json, rows, to_csv
from outlet_desk.services.report import daily_report
from tests.services.builders import person_with
from tests.services.outlets import desk_at

PW = "correct horse battery"
HEBEI = {"HB01": ("Chang'an outlet", "130102"), "HB02": ("Qiaoxi outlet", "130104"),
         "HB03": ("Lunan outlet", "130202")}
DAY = date(2026, 11, 25)


@pytest.fixture
def hebei(desk: Desk) -> Iterator[dict[str, Desk]]:
    """Desks of the three Hebei outlets on the database of the desk (TST001, Beijing), an administrator of all
    four, the training holders seeded at TST001."""
    desks = {"TST001": desk} | {code: desk_at(desk, code, name, division) for code, (name, division) in HEBEI.items()}
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


def _losses(desks: dict[str, Desk], *outlets: str) -> None:
    """A hotline loss report at each of ``outlets``, for a different holder each."""
    for i, outlet in enumerate(outlets):
        hotline = _account(desks, f"hotline{i}x", Role.HOTLINE, outlet)
        person, _card = person_with(desks["TST001"], CardStatus.ACTIVE)
        report_loss_hotline(desks[outlet], hotline, person.citizen_number, person.name, person.phone)


def test_the_province_report_sets_its_cities_side_by_side_with_the_province_totals(hebei: dict[str, Desk]) -> None:
    _losses(hebei, "HB01", "HB03", "HB03", "TST001")
    chief = _account(hebei, "provchief", Role.PROVINCE_SUPERVISOR, "HB02")

    report = province_report(hebei["HB02"], chief, DAY)

    assert report.province_code == "13"
    assert [c.city_code for c in report.cities] == ["1301", "1302"]  # Beijing's outlet is another province's
    assert [[o.code for o in c.outlets] for c in report.cities] == [["HB01", "HB02"], ["HB03"]]
    for city in report.cities:  # each city counted by the city report, the one way a city is counted
        assert city.totals == report_of_city(hebei["HB02"], city.city_code, DAY).totals
    assert [c.totals.loss_reports for c in report.cities] == [1, 2]
    assert report.totals.loss_reports == 3
    assert report.totals == report.cities[0].totals + report.cities[1].totals
    assert rows(report)[-1][:3] == ["Total", "3", "3"]
    assert province_json(report)["totals"]["loss_reports"] == 3
    assert [line.split(",")[2:4] for line in to_csv(report).splitlines()[1:]] == [
        ["1301", "HB01"], ["1301", "HB02"], ["1301", ""], ["1302", "HB03"], ["1302", ""], ["", ""]]


def test_only_the_province_role_reads_the_province(hebei: dict[str, Desk]) -> None:
    for role in (Role.CITY_SUPERVISOR, Role.CITY_AUDITOR, Role.SUPERVISOR, Role.ADMIN):
        actor = _account(hebei, f"someone{role.value}", role, "HB01")
        with pytest.raises(Forbidden):
            province_report(hebei["HB01"], actor, DAY)
    chief = _account(hebei, "provchief", Role.PROVINCE_SUPERVISOR, "HB01")
    assert city_report(hebei["HB01"], chief, DAY).city_code == "1301"  # its own city's report too


def test_the_province_role_reads_the_outlets_of_its_province_and_no_other(hebei: dict[str, Desk]) -> None:
    chief = _account(hebei, "provchief", Role.PROVINCE_SUPERVISOR, "HB01")
    here = hebei["HB01"]
    assert daily_report(here, DAY, outlet_code="HB03", actor=chief, verify=False).outlet_code == "HB03"
    with pytest.raises(ServiceError, match="belongs to outlet HB01, not to outlet TST001"):
        daily_report(here, DAY, outlet_code="TST001", actor=chief, verify=False)
    person, _card = person_with(hebei["TST001"], CardStatus.ACTIVE)
    with pytest.raises(Forbidden):  # reads, acts in none
        report_loss_hotline(here, chief, person.citizen_number, person.name, person.phone)
