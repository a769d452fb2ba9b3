"""The figures a rule text of ``[rules]`` may name (``{temporary_days}``...), with their words, and the check
that a text names only these: read when outlet.toml is read (``schema``). How each is read from the settings the
desk enforces is in ``rule_figures``."""

from __future__ import annotations

import string
from collections.abc import Mapping
from types import MappingProxyType

from outlet_desk.i18n import N_, _

FIGURE_WORDS: Mapping[str, str] = MappingProxyType({
    "fee_lost": N_("Fee for a new card after a loss"),
    "fee_damaged": N_("Fee for a new card for a damaged one"),
    "fee_expired": N_("Fee for a new card for an expired one"),
    "fee_info_change": N_("Fee for a new card after personal data changed"),
    "temporary_days": N_("Days a temporary (hotline) loss report lasts"),
    "retention_days": N_("Days a new card is kept for its holder to collect"),
    "due_days": N_("Days promised for a new card made by the card centre"),
    "exchange_days": N_("Days before expiry from which a card can be exchanged"),
    "pin_tries": N_("Wrong PINs after which the chip blocks the PIN"),
    "proxy_tasks": N_("What a proxy may do (both identity documents and the holder's signed authorisation)"),
})
"""Each figure a rule text may name, and its words (the sheet's list of figures)."""


def figure_names(text: str) -> list[str]:
    """The figures ``text`` names (``{name}``), in order; ValueError naming the first one that is not known."""
    names = []
    try:
        fields = [field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field is not None]
    except ValueError:
        raise ValueError(_("has a brace that opens or closes no figure (write a brace itself as {{ or }})")) from None
    for field in fields:
        if field not in FIGURE_WORDS:
            raise ValueError(_("names {{{name}}}, which is not a figure the desk fills in; known: {known}").format(
                name=field, known=", ".join(FIGURE_WORDS)))
        names.append(field)
    return names
