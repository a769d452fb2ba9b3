"""Key bindings in the outlet's language, and the labels of Textual's own keys we show."""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from outlet_desk.i18n import N_, _

#: Descriptions Textual itself gives to keys the footer or the palette can show.
TEXTUAL_LABELS = (N_("palette"), N_("Quit"), N_("Keys"), N_("Search for commands…"), N_("Toggle"))


def localise_bindings(node: DOMNode) -> None:
    """Translate the descriptions and tooltips of ``node``'s bindings (marked with ``N_`` where defined).

    Bindings are class attributes, made before the language is known; each node gets its own copy of
    the map when it is created, so translating that copy at ``__init__`` is enough.
    """
    bindings = node._bindings.key_to_bindings
    for key, items in bindings.items():
        bindings[key] = [
            replace(b, description=_(b.description) if b.description else "",
                    tooltip=_(b.tooltip) if b.tooltip else "")
            for b in items
        ]
