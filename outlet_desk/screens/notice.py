"""A notice the clerk reads and closes: a box in the middle of the screen over whatever is open, closed by
Enter or Esc (the subclass names the key in its ``BINDINGS`` and draws the box's border)."""

from __future__ import annotations

from textual.screen import ModalScreen

from outlet_desk.widgets.keys import localise_bindings


class NoticeScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    NoticeScreen { align: center middle; }
    NoticeScreen > Vertical { width: 70; max-width: 100%; height: auto; max-height: 100%; padding: 0 2;
                              background: $surface; }
    """

    def __init__(self) -> None:
        super().__init__()
        localise_bindings(self)

    def action_close(self) -> None:
        self.dismiss(None)
