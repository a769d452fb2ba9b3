"""Keys only where they apply: the palette (Ctrl+P) in the outlet's language and in step with the footer, its first
entry the likeliest task on the screen in every language; no key shown that the operator cannot use; Esc back
to where the key was pressed; the reissue reason the rule allows."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select
from textual.command import Command, CommandInput, CommandList, CommandPalette
from textual.widgets import Select

from outlet_desk.db.tables import Card, Person, ReissueRequest
from outlet_desk.domain.fees import ReissueReason
from outlet_desk.domain.request_status import RequestStatus
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import Language, _, set_language
from outlet_desk.screens.audit_trail import AuditTrailScreen
from outlet_desk.screens.card_tasks.reissue import ReissueScreen
from outlet_desk.screens.report import ReportScreen
from outlet_desk.screens.supervisor_home import SupervisorHomeScreen
from outlet_desk.services.context import Desk
from tests.tui.conftest import DeskFactory, person_with_card_status
from tests.tui.counter import Counter, at_the_counter, lost_without_request

LANGUAGES = [pytest.param("zh_CN", id="zh"), pytest.param("en", id="en")]


async def palette_offers(counter: Counter) -> list[str]:
    """Ctrl+P on the screen as it is: the commands offered before anything is typed, first first."""
    await counter.press("ctrl+p")
    await counter.wait_for_screen(CommandPalette)
    await counter.wait_for(lambda: bool(_offered(counter)))
    await counter.pilot.pause(0.3)  # the palette adds its commands in batches
    return _offered(counter)


def _offered(counter: Counter) -> list[str]:
    options = counter.app.screen.query_one(CommandList).options
    return [str(o.hit.prompt) for o in options if isinstance(o, Command)]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_ctrl_p_then_enter_on_a_reissue_applies_never_goes_back(make_desk: DeskFactory,
                                                                      language: Language) -> None:
    desk = make_desk(language)
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        await counter.wait_for_screen(ReissueScreen)
        offered = await palette_offers(counter)
        assert offered[0] == _("Apply"), offered
        assert offered[-2:] == [_("Back"), _("Quit")] or offered.index(_("Back")) > offered.index(_("Apply"))
        prompt = counter.app.screen.query_one(CommandInput).placeholder
        assert prompt == _("Search for commands…")
    set_language("en")


async def test_the_palette_asks_in_chinese_on_a_chinese_outlet(make_desk: DeskFactory) -> None:
    desk = make_desk("zh_CN")
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("clerk1")
        offered = await palette_offers(counter)
        assert counter.app.screen.query_one(CommandInput).placeholder == "查找命令…"
        assert offered[0] == "查询"  # F2, what a clerk on the home screen does first


async def test_a_hotline_agents_palette_starts_with_the_hotline_report(make_desk: DeskFactory) -> None:
    desk = make_desk("en")
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("hotline1")
        assert (await palette_offers(counter))[0] == "Hotline loss"


async def test_a_hotline_agent_is_offered_no_counter_key_on_a_record(make_desk: DeskFactory) -> None:
    """F7 "Card found" was listed on a suspended card for a hotline agent, and pressing it did nothing."""
    desk = make_desk("en")
    person, _card = person_with_card_status(desk, "suspended")
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("hotline1")
        await counter.open_person(person)
        detail = counter.text("#card-detail")
        assert "F7" not in detail and "F6 Report lost" not in detail, detail
        assert "Card found" not in await palette_offers(counter)


async def test_escape_from_the_report_opened_on_the_supervisors_screen_returns_there(desk: object) -> None:
    async with at_the_counter(desk, size=(100, 30)) as counter:  # type: ignore[arg-type]
        await counter.sign_in("super1")
        await counter.press("f11")
        await counter.wait_for_screen(SupervisorHomeScreen)
        await counter.press("f7")
        await counter.wait_for_screen(ReportScreen)
        await counter.press("escape")
        await counter.wait_for_screen(SupervisorHomeScreen)
        await counter.press("r", "f11")  # F11 on the report opened from it: back, not a second one on top
        await counter.wait_for_screen(SupervisorHomeScreen)
        assert [type(s).__name__ for s in counter.app.screen_stack[1:]] == ["HomeScreen", "SupervisorHomeScreen"]


async def test_an_active_card_years_from_expiry_is_not_reissued_as_expired_by_default(make_desk: DeskFactory) -> None:
    """The reason starts as one the rule allows; the refusal of a reason goes once another is chosen."""
    desk = make_desk("en")
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        await counter.wait_for_screen(ReissueScreen)
        reason = counter.app.screen.query_one("#reissue-reason", Select)
        assert reason.value == ReissueReason.DAMAGED.value
        reason.value = ReissueReason.EXPIRED.value
        await counter.settle()
        await counter.press("f9")
        await counter.wait_for(lambda: "it can be exchanged from" in counter.text("#task-outcome"))
        reason.value = ReissueReason.DAMAGED.value
        await counter.settle()
        assert counter.text("#task-outcome") == ""


def card_applied_for(desk: Desk) -> tuple[Person, Card]:
    """A holder whose lost card already has a reissue request (not cancelled): (holder, card)."""
    with Session(desk.engine) as s:
        row = s.exec(select(Person, Card).join(Card, col(Card.person_id) == col(Person.id))
                     .join(ReissueRequest, col(ReissueRequest.old_card_id) == col(Card.id))
                     .where(col(Card.status) == "lost", col(ReissueRequest.status) != RequestStatus.CANCELLED)
                     .order_by(col(Card.id))).first()
    assert row is not None, "the training data has no lost card applied for"
    return row


@pytest.mark.parametrize("language", LANGUAGES)
async def test_reissue_is_not_offered_on_a_card_already_applied_for(make_desk: DeskFactory,
                                                                     language: Language) -> None:
    """F8 was offered on a card with an open request and refused only once pressed: now the key, the footer, the
    card's keys and the palette all leave it out, and the key, pressed anyway, opens nothing and says why."""
    desk = make_desk(language)
    person, card = card_applied_for(desk)
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("clerk1")
        screen = await counter.open_person(person)
        await counter.select_card(card)
        assert screen.check_action(Action.APPLY_REISSUE, ()) is False
        reissue = f"F8 {_('Reissue')}"
        assert reissue not in counter.text("#card-detail") and reissue not in counter.screen_text()
        assert "F7" in counter.text("#card-detail")  # the card's other tasks are still offered
        offered = await palette_offers(counter)
        assert _("Reissue") not in offered and _("Card found") in offered, offered
        await counter.press("escape")
        await counter.press("f8")
        assert counter.app.screen is screen  # nothing opens, no identity check is asked for
        await counter.wait_for(lambda: any(card.card_number in n for n in counter.notifications()))
        assert _("Reissue") not in counter.notifications()[-1]  # the rule that refuses, not "does not apply"
    set_language("en")


async def test_textuals_own_words_are_chinese_on_a_chinese_outlet(make_desk: DeskFactory) -> None:
    """An open drop-down's footer said "esc Dismiss menu", Ctrl+C "Do you want to quit?" and the palette "No matches
    found", in English."""
    desk = make_desk("zh_CN")
    person, card = lost_without_request(desk)
    async with at_the_counter(desk, size=(100, 30)) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.APPLY_REISSUE)
        await counter.wait_for_screen(ReissueScreen)
        counter.app.screen.query_one("#reissue-reason", Select).focus()
        await counter.press("enter")
        shown = counter.screen_text()
        assert "关闭菜单" in shown and "Dismiss" not in shown, shown
        await counter.press("escape", "ctrl+c")
        assert counter.notifications()[-1] == "按 Ctrl+Q 关闭柜台终端（F12 退出登录）。"
        await palette_offers(counter)
        await counter.type("zzz")
        await counter.wait_for(lambda: "没有匹配的命令" in counter.screen_text())
        assert "No matches" not in counter.screen_text()
    set_language("en")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_ctrl_p_then_enter_on_a_supervisors_screen_never_goes_back(make_desk: DeskFactory,
                                                                         language: Language) -> None:
    """On the report, Ctrl+P then Enter ran "Back" (Esc's binding came first): now the way out is listed after
    the screen's own keys, and the audit trail opens its palette on its filters."""
    desk = make_desk(language)
    async with at_the_counter(desk, size=(120, 40)) as counter:
        await counter.sign_in("super1")
        await counter.press("f11")
        await counter.wait_for_screen(SupervisorHomeScreen)
        await counter.press("r")
        await counter.wait_for_screen(ReportScreen)
        offered = await palette_offers(counter)
        assert offered[0] == _("Day before"), offered
        assert offered.index(_("Back")) > offered.index(_("Today")), offered
        await counter.press("enter")  # runs the first entry: the day before, the report stays
        await counter.wait_for_screen(ReportScreen)
        await counter.press("escape")
        await counter.wait_for_screen(SupervisorHomeScreen)
        await counter.press("l")
        await counter.wait_for_screen(AuditTrailScreen)
        offered = await palette_offers(counter)
        assert offered[0] == _("Filter"), offered
        assert offered.index(_("Back")) > offered.index(_("Export")), offered
    set_language("en")


async def test_the_supervisors_palette_starts_with_the_report_when_no_approval_waits(desk: Desk) -> None:
    """Approve and Reject led the palette with nothing to approve (Ctrl+P, Enter: "No approval is waiting")."""
    async with at_the_counter(desk, size=(120, 40)) as counter:
        await counter.sign_in("super1")
        await counter.press("f11")
        await counter.wait_for_screen(SupervisorHomeScreen)
        await counter.pilot.pause(0.5)
        offered = await palette_offers(counter)
        assert "Approve" not in offered and "Reject" not in offered, offered
        assert offered[0] == "Report", offered
