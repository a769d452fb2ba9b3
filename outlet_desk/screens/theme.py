"""The desk's theme: high contrast on a plain dark terminal, calm colours, warnings that stand out."""

from __future__ import annotations

from textual.theme import Theme

DESK_THEME = Theme(
    name="outlet-desk",
    primary="#3B82C4",
    secondary="#5FA8D3",
    accent="#F2B134",
    warning="#F2B134",
    error="#F05454",
    success="#4CC38A",
    foreground="#E8E8E8",
    background="#121519",
    surface="#1B2027",
    panel="#26303B",
    dark=True,
)
