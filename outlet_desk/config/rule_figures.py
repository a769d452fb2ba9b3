"""The figures the published rules (``[rules]``) name, read from the settings the desk enforces: a rule text
writes ``{temporary_days}`` where the department's text has the days a temporary loss lasts, and the desk fills
in the figure it enforces, so the rules shown to citizens and the settings cannot disagree. Which figures there
are, and the check of a text, is ``rule_figure_names`` (read with outlet.toml); how each is read, here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from outlet_desk.config.rule_figure_names import FIGURE_WORDS
from outlet_desk.config.settings import Settings
from outlet_desk.domain.fees import ReissueReason, format_yuan, reissue_fee
from outlet_desk.domain.roles import PROXY_TASKS, counter_task_label, proxy_may_do
from outlet_desk.i18n import _, current_language


def _fee(reason: ReissueReason) -> Callable[[Settings], str]:
    def fee(settings: Settings) -> str:
        fees = settings.fees
        table = {ReissueReason(k): int(v) for k, v in fees.reissue_fen.model_dump().items()}
        amount = reissue_fee(reason, table, [ReissueReason(r) for r in fees.free_reasons])
        if amount.free:
            return _("free")
        yuan = format_yuan(amount.amount_fen).removesuffix(".00")
        return _("{yuan} yuan").format(yuan=yuan)
    return fee


def _proxy_tasks(settings: Settings) -> str:
    allowed = settings.collection.proxy_allowed
    tasks = [counter_task_label(t) for t in PROXY_TASKS if proxy_may_do(t, allowed)]
    return ("\u3001" if current_language() == "zh_CN" else ", ").join(tasks)


_READ: Mapping[str, Callable[[Settings], str]] = MappingProxyType({
    "fee_lost": _fee(ReissueReason.LOST),
    "fee_damaged": _fee(ReissueReason.DAMAGED),
    "fee_expired": _fee(ReissueReason.EXPIRED),
    "fee_info_change": _fee(ReissueReason.INFO_CHANGE),
    "temporary_days": lambda s: str(s.loss.temporary_days),
    "retention_days": lambda s: str(s.collection.retention_days),
    "due_days": lambda s: str(s.reissue.due_days_factory),
    "exchange_days": lambda s: str(s.reissue.expiry_exchange_days_before),
    "pin_tries": lambda s: str(s.collection.pin_tries),
    "proxy_tasks": _proxy_tasks,
})
"""How each figure of :data:`FIGURE_WORDS` is read from the settings, in the current language."""
assert set(_READ) == set(FIGURE_WORDS), "every figure a rule may name is read from the settings"


def rule_figures(settings: Settings) -> dict[str, str]:
    """Every figure as the desk enforces it, in the current language, in :data:`FIGURE_WORDS`' order."""
    return {name: _READ[name](settings) for name in FIGURE_WORDS}


def fill_rule(text: str, figures: Mapping[str, str]) -> str:
    """``text`` with each figure it names filled in (the text was checked when outlet.toml was read)."""
    return text.format_map(figures)
