"""Comparing a name as typed with a name on record or read from the chip."""

from __future__ import annotations

import unicodedata

MIDDLE_DOT = "\u00b7"
_MAX_PASSES = 4
# After NFKC: middle dot, Greek ano teleia (already · after NFKC), bullet, katakana middle dot (and its
# half-width form), hyphenation point, dot and bullet operators: all typed for the dot in names such as
# 买买提·艾力.
_DOTS = str.maketrans({dot: MIDDLE_DOT for dot in "\u0387\u2022\u30fb\uff65\u2027\u22c5\u2219"})


def _one_pass(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if not char.isspace())
    return text.translate(_DOTS).casefold()


def normalise_name(name: str) -> str:
    """NFKC (full-width to half-width), no whitespace at all, one middle dot, latin case-folded.

    The pass runs again until nothing changes: removing a space or case-folding can leave a
    combining mark that NFKC then composes with the letter before it (``U ¨`` -> ``ü``).
    """
    text = _one_pass(name)
    for _attempt in range(_MAX_PASSES):
        again = _one_pass(text)
        if again == text:
            break
        text = again
    return text


def names_match(a: str, b: str) -> bool:
    """Same name once normalised; two empty names never match."""
    left, right = normalise_name(a), normalise_name(b)
    return bool(left) and left == right
