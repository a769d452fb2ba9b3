"""Message catalogue: every string a person reads goes through ``_``.

Source strings (msgids) are English. The process speaks one language at a time, the outlet's
(``[outlet] language`` in outlet.toml), set once at start with :func:`set_language`. ``_`` looks the
string up at call time, so never call it at import time (module constants stay untranslated).

Catalogues live in ``i18n/locale/<lang>/LC_MESSAGES/outlet_desk.po``; the compiled ``.mo`` beside
it is what runs (``python -m outlet_desk.i18n compile`` rebuilds it; a test checks it is current).
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

Language = Literal["zh_CN", "en"]
LANGUAGES: tuple[Language, ...] = ("zh_CN", "en")
DOMAIN = "outlet_desk"
LOCALE_DIR = Path(__file__).parent / "locale"

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language: Language = "en"


def set_language(language: Language) -> None:
    """Switch the process to ``language``; English is the source language and needs no catalogue."""
    global _translations, _language
    _language = language
    if language == "en":
        _translations = gettext.NullTranslations()
    else:
        _translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def current_language() -> Language:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def label_of(labels: Mapping[str, str], key: str) -> str:
    """``key``'s label from a table of marked messages (``N_``), translated; ``key`` itself when it has none."""
    return _(labels[key]) if key in labels else key


def colon() -> str:
    """The colon after a label, in the current language: ": " in English, a full-width "：" in Chinese (an ASCII
    colon after Chinese text reads as a typo)."""
    return _(": ")


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (translate later with ``_``)."""
    return message
