"""Key bindings in the outlet's language, and the labels of Textual's own keys we show."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import BindingsMap
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.widgets._select import SelectOverlay

from outlet_desk.i18n import N_, _

#: Descriptions Textual itself gives to keys the footer or the palette can show.
TEXTUAL_LABELS = (N_("palette"), N_("Quit"), N_("Keys"), N_("Search for commands…"), N_("Toggle"),
                  N_("Dismiss menu"), N_("Exit the command palette"))

#: Textual's own widgets whose keys the footer shows while they have the focus (an open drop-down's "Esc
#: Dismiss menu"); their bindings are made once per class, in English, and copied by each new widget.
TEXTUAL_WIDGETS: tuple[type[DOMNode], ...] = (SelectOverlay, CommandPalette)
_AS_TEXTUAL_MADE_THEM: dict[type[DOMNode], BindingsMap] = {}


def localise_bindings(node: DOMNode) -> None:
    """Translate the descriptions and tooltips of ``node``'s bindings (marked with ``N_`` where defined).

    Bindings are class attributes, made before the language is known; each node gets its own copy of
    the map when it is created, so translating that copy at ``__init__`` is enough.
    """
    _translate(node._bindings)


def localise_textual_widgets() -> None:
    """Textual's own widgets (:data:`TEXTUAL_WIDGETS`) made from now on say their keys in the current language."""
    for widget in TEXTUAL_WIDGETS:
        made = _AS_TEXTUAL_MADE_THEM.setdefault(widget, widget._merged_bindings or BindingsMap())
        widget._merged_bindings = made.copy()
        _translate(widget._merged_bindings)


def _translate(bindings_map: BindingsMap) -> None:
    bindings = bindings_map.key_to_bindings
    for key, items in bindings.items():
        bindings[key] = [
            replace(b, description=_(b.description) if b.description else "",
                    tooltip=_(b.tooltip) if b.tooltip else "")
            for b in items
        ]
