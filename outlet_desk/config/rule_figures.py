"""The figures the published rules (``[rules]``) name, taken from the settings the desk enforces: a rule text
writes ``{temporary_days}`` where the department's text has the days a temporary loss lasts, and the desk fills
in the figure it enforces, so the rules shown to citizens and the settings cannot disagree. Each figure is
written once, here; a text naming a figure that does not exist is refused when outlet.toml is read."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from outlet_desk.domain.fees import ReissueReason, format_yuan, reissue_fee
from outlet_desk.domain.roles import PROXY_TASKS, counter_task_label, proxy_may_do
from outlet_desk.i18n import N_, _, current_language

if TYPE_CHECKING:
    from outlet_desk.config.settings import Settings


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


RULE_FIGURES: Mapping[str, tuple[str, Callable[[Settings], str]]] = MappingProxyType({
    "fee_lost": (N_("Fee for a new card after a loss"), _fee(ReissueReason.LOST)),
    "fee_damaged": (N_("Fee for a new card for a damaged one"), _fee(ReissueReason.DAMAGED)),
    "fee_expired": (N_("Fee for a new card for an expired one"), _fee(ReissueReason.EXPIRED)),
    "fee_info_change": (N_("Fee for a new card after personal data changed"), _fee(ReissueReason.INFO_CHANGE)),
    "temporary_days": (N_("Days a temporary (hotline) loss report lasts"),
                       lambda s: str(s.loss.temporary_days)),
    "retention_days": (N_("Days a new card is kept for its holder to collect"),
                       lambda s: str(s.collection.retention_days)),
    "due_days": (N_("Days promised for a new card made by the card centre"),
                 lambda s: str(s.reissue.due_days_factory)),
    "exchange_days": (N_("Days before expiry from which a card can be exchanged"),
                      lambda s: str(s.reissue.expiry_exchange_days_before)),
    "pin_tries": (N_("Wrong PINs after which the chip blocks the PIN"), lambda s: str(s.collection.pin_tries)),
    "proxy_tasks": (N_("What a proxy may do (both identity documents and the holder's signed authorisation)"),
                    _proxy_tasks),
})
"""Each figure a rule text may name: its words (for the sheet's list of figures) and how it is read from the
settings, in the current language."""


def figure_names(text: str) -> list[str]:
    """The figures ``text`` names (``{name}``), in order; ValueError naming the first one that is not known."""
    names = []
    try:
        fields = [field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field is not None]
    except ValueError:
        raise ValueError(_("has a brace that opens or closes no figure (write a brace itself as {{ or }})")) from None
    for field in fields:
        if field not in RULE_FIGURES:
            raise ValueError(_("names {{{name}}}, which is not a figure the desk fills in; known: {known}").format(
                name=field, known=", ".join(RULE_FIGURES)))
        names.append(field)
    return names


def rule_figures(settings: Settings) -> dict[str, str]:
    """Every figure as the desk enforces it, in the current language."""
    return {name: read(settings) for name, (_words, read) in RULE_FIGURES.items()}


def fill_rule(text: str, figures: Mapping[str, str]) -> str:
    """``text`` with each figure it names filled in (the text was checked when outlet.toml was read)."""
    return text.format_map(figures)
