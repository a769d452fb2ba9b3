"""The command palette (Ctrl+P): in the outlet's language, in step with the footer, the likeliest task first.

Textual's palette lists its commands alphabetically, so Ctrl+P then Enter ran whatever sorted first ("Back" in
English: the clerk left the collection). Here the palette lists what the screen's footer offers, the screen's
main task first, then the desk's main tasks (Back last) and Quit, in that order in every language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.app import SystemCommand
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hits, Provider
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider
from textual.widgets.option_list import Option

from outlet_desk.i18n import _

PALETTE_ID = "--command-palette"


class DeskCommands(SystemCommandsProvider):
    """The app's commands (``App.get_system_commands``) in the app's order, not sorted by name, then the
    training reader's (one provider, so that the order never depends on which provider answers first)."""

    async def discover(self) -> Hits:
        for name, help_text, callback, discover in self.app.get_system_commands(self.screen):
            if discover:
                yield DiscoveryHit(name, callback, help=help_text)
        async for hit in self._training_reader().discover():
            yield hit

    async def search(self, query: str) -> Hits:
        async for hit in super().search(query):
            yield hit
        async for hit in self._training_reader().search(query):
            yield hit

    def _training_reader(self) -> Provider:
        """The training reader's commands (none on a real reader), imported when the palette first opens."""
        from outlet_desk.screens.training_cards import TrainingCardCommands

        return TrainingCardCommands(self.screen, self.match_style)


class DeskPalette(CommandPalette):
    """Textual's palette, its "No matches found" in the outlet's language (Textual writes it in English)."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:  # an empty search only lists what can be done: nothing to say
                self.query_one(CommandList).add_option(Option(
                    Align.center(Text(_("No command matches"), style="not bold")), disabled=True, id=self._NO_MATCHES))
            self._list_visible = bool(search_value)

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


def desk_palette() -> CommandPalette:
    """The palette, its prompt and its words in the outlet's language."""
    return DeskPalette(id=PALETTE_ID, placeholder=_("Search for commands…"))


LEAVING = frozenset({"back", "go_back", "cancel", "close"})
"""Actions that leave the screen: last in the palette, never what Ctrl+P then Enter runs."""


def footer_commands(screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The keys the screen's footer shows and that apply now, its main action first (a screen names it in
    ``MAIN_ACTION``: what the clerk most likely came to the screen for), the way out (Esc) last."""
    main = getattr(screen, "MAIN_ACTION", "")
    bindings = [binding for items in screen._bindings.key_to_bindings.values() for binding in items]
    shown = [b for b in bindings if b.show and b.description and screen.check_action(_name(b.action), ()) is True]
    shown.sort(key=lambda b: (_name(b.action) != main, _name(b.action) in LEAVING))
    for binding in shown:
        yield SystemCommand(binding.description, binding.tooltip or binding.description,
                            partial(screen.run_action, binding.action))


def _name(action: str) -> str:
    """The action's name without its arguments: ``decide(True)`` is ``decide``."""
    return action.split("(", 1)[0]


def without_repeats(commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """Each title once (a screen's Esc "Back" and the desk's F4 "Back" do the same), the first kept."""
    seen: set[str] = set()
    for command in commands:
        if command.title not in seen:
            seen.add(command.title)
            yield command
