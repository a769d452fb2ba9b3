"""The rules shown to citizens, in both languages: offered on the receipt at the end of a loss report (R), read
with the figures this outlet applies filled in, and printed as a sheet (P writes the PDF into the reports
folder); also opened from the palette. A receipt of another task offers no rules."""

from __future__ import annotations

import pytest

from outlet_desk.domain.roles import Action
from outlet_desk.i18n import Language
from outlet_desk.screens.flow_support import ReceiptScreen
from outlet_desk.screens.person import PersonScreen
from outlet_desk.screens.rules import RulesScreen
from tests.tui.conftest import DeskFactory, person_with_card_status
from tests.tui.counter import at_the_counter
from tests.tui.test_training_reader_palette import WIDE, run_command

WORDS: dict[Language, tuple[str, str, str, str]] = {
    "en": ("R: the rules for the citizen", "Days a temporary (hotline) loss report lasts: 9",
           "Rules sheet saved: rules-en.pdf", "Rules for citizens"),
    "zh_CN": ("R：", "临时挂失（热线）有效天数: 9", "rules-zh_CN.pdf", "办事规则"),
}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_the_rules_are_offered_after_a_loss_report_and_printed_as_a_sheet(
        make_desk: DeskFactory, language: Language) -> None:
    desk = make_desk(language, "[loss]\ntemporary_days = 9\n")
    offered, figure, saved, _command = WORDS[language]
    person, card = person_with_card_status(desk, "active")
    async with at_the_counter(desk) as counter:
        await counter.sign_in("clerk1")
        await counter.open_task(person, card, Action.REPORT_LOSS_COUNTER)
        await counter.press("f9")
        await counter.wait_for(lambda: isinstance(counter.app.screen, ReceiptScreen)
                               and bool(counter.app.screen.query("#receipt-rules")))
        assert offered in counter.text("#receipt-rules")
        await counter.press("r")
        await counter.wait_for_screen(RulesScreen)
        assert figure in counter.text("#rules-text")
        await counter.press("p")
        await counter.wait_for_text("#rules-said", saved)
        await counter.press("escape")
        await counter.wait_for_screen(ReceiptScreen)
        await counter.press("enter")
        await counter.wait_for_screen(PersonScreen)
    assert (desk.settings.reports_dir() / f"rules-{language}.pdf").stat().st_size > 0


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_the_rules_open_from_the_palette(make_desk: DeskFactory, language: Language) -> None:
    desk = make_desk(language)
    _offered, _figure, _saved, command = WORDS[language]
    async with at_the_counter(desk, size=WIDE) as counter:
        await counter.sign_in("clerk1")
        await run_command(counter, command, command)
        await counter.wait_for_screen(RulesScreen)
        assert desk.settings.outlet.name in counter.text("#rules-text")
