"""The rules shown to citizens: the sheet in each language shows the figures the settings hold (the fee per
reason, the days a temporary loss lasts, the retention period, who may act by proxy), read back from the PDF
with pdftotext after a setting is changed; a rule text naming a figure the desk does not know is refused when
outlet.toml is read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from outlet_desk.config import ConfigError, Settings, parse_settings
from outlet_desk.i18n import Language, set_language
from outlet_desk.services.rules_sheet import rules_sheet, write_rules_sheet
from tests.services.test_receipts import pdftotext

TRAINING_TOML = (Path(__file__).resolve().parents[2] / "outlet.toml").read_text(encoding="utf-8")


def settings_with(tmp_path: Path, *changes: tuple[str, str]) -> Settings:
    text = TRAINING_TOML
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "outlet.toml"
    path.write_text(text, encoding="utf-8")
    return parse_settings(text, path)


def sheet_text(settings: Settings, language: Language, path: Path) -> str:
    set_language(language)
    try:
        written = write_rules_sheet(settings, date(2026, 12, 5), path)
    finally:
        set_language("en")
    return " ".join(pdftotext(written).split())


CHANGED = (("temporary_days = 7 ", "temporary_days = 10 "), ("lost = 2000", "lost = 3550"),
           ("retention_days = 180 ", "retention_days = 90 "), ('free_reasons = ["expired"]', "free_reasons = []"),
           ('proxy_allowed = ["report_loss_counter", "apply_reissue", "collect_card"]',
            'proxy_allowed = ["collect_card"]'))


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_sheet_shows_the_figures_the_settings_hold_in_each_language(tmp_path: Path, language: Language) -> None:
    before = sheet_text(settings_with(tmp_path), language, tmp_path / "before.pdf")
    after = sheet_text(settings_with(tmp_path, *CHANGED), language, tmp_path / "after.pdf")
    # The department's texts (Chinese), the figures filled in from the settings:
    before, after = before.replace("元 ", "元").replace(" 元", "元"), after.replace("元 ", "元").replace(" 元", "元")
    assert "临时挂失有效期为7天" in before and "临时挂失有效期为10天" in after
    assert "因丢失补卡的，20元" in before and "因丢失补卡的，35.50元" in after
    assert "到期换卡的，免费" in before and "到期换卡的，20元" in after
    assert "180日内未领取" in before and "90日内未领取" in after
    if language == "en":
        assert "Days a temporary (hotline) loss report lasts: 7" in before
        assert "Days a temporary (hotline) loss report lasts: 10" in after
        assert "Fee for a new card after a loss: 20 yuan" in before
        assert "Fee for a new card after a loss: 35.50 yuan" in after
        assert "Fee for a new card for an expired one: free" in before
        assert "Days a new card is kept for its holder to collect: 90" in after
        assert "reissue application" in before and "reissue application" not in after
    else:  # the list of figures, in Chinese too
        assert "临时挂失（热线）有效天数: 7" in before and "临时挂失（热线）有效天数: 10" in after
        assert "因丢失补卡的工本费: 20元" in before and "因丢失补卡的工本费: 35.50元" in after
        assert "到期换卡的工本费: 免费" in before and "到期换卡的工本费: 20元" in after
        assert "新卡为持卡人保留待领的天数: 180" in before and "新卡为持卡人保留待领的天数: 90" in after
    # who may act by proxy, in the rule text itself: only collecting (and a cancellation, always) after the change
    proxy = "代办下列事项：领卡、卡注销。"
    assert proxy not in before and proxy in after


def test_a_rule_text_naming_an_unknown_figure_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="temporary_dayz"):
        settings_with(tmp_path, ("临时挂失有效期为{temporary_days}天", "临时挂失有效期为{temporary_dayz}天"))
    with pytest.raises(ConfigError, match="brace"):
        settings_with(tmp_path, ("临时挂失有效期为{temporary_days}天", "临时挂失有效期为{temporary_days天"))


def test_the_screen_and_the_sheet_read_the_same_rules(tmp_path: Path) -> None:
    sheet = rules_sheet(settings_with(tmp_path, *CHANGED))
    assert [r.key for r in sheet.rules] == ["card_functions", "application_conditions", "term_of_use",
                                            "loss_and_reissue", "rights_and_obligations", "retained_card"]
    assert all(r.text and "{" not in r.text for r in sheet.rules)
    assert ("Days a temporary (hotline) loss report lasts", "10") in sheet.figures
