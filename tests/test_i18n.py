"""The message catalogue: complete for zh_CN, compiled, placeholders intact, and Chinese labels that fit."""

from __future__ import annotations

import io
import re
import string
from collections.abc import Iterator
from datetime import UTC, datetime

import babel.messages.catalog
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from rich.cells import cell_len

from outlet_desk.i18n import _, set_language
from outlet_desk.i18n.__main__ import (
    catalogue_differences,
    extract_template,
    mo_path,
    read_catalogue,
    stale,
    untranslated,
)
from outlet_desk.widgets.tasks import IDENTITY_TASK, TASKS


@pytest.fixture(scope="module")
def template() -> Catalog:
    return extract_template()


@pytest.fixture
def zh() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_every_msgid_in_the_code_has_a_chinese_translation(template: Catalog) -> None:
    assert len(template) > 300  # the extractor really found the package's strings
    assert untranslated("zh_CN", template) == []


def test_compiled_catalogue_is_up_to_date_with_the_po() -> None:
    assert stale("zh_CN") == [], "run: python -m outlet_desk.i18n compile"


def _compile(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def test_a_translation_changed_in_the_po_and_not_compiled_is_caught() -> None:
    committed = mo_path("zh_CN").read_bytes()
    catalog = read_catalogue("zh_CN")
    catalog["Search"].string = "搜索"  # the desk says 查询
    assert catalogue_differences(committed, _compile(catalog)) == ["'Search': compiled '查询', in the .po '搜索'"]


def test_a_message_added_or_a_plural_form_changed_in_the_po_is_caught() -> None:
    committed = mo_path("zh_CN").read_bytes()
    catalog = read_catalogue("zh_CN")
    catalog.add("A message only in the .po", "只在 .po 里的消息")
    assert len(catalogue_differences(committed, _compile(catalog))) == 1
    plural = next(m for m in read_catalogue("zh_CN") if isinstance(m.id, tuple) and m.string)
    catalog = read_catalogue("zh_CN")
    catalog[plural.id].string = ("改了 {n}",)
    assert len(catalogue_differences(committed, _compile(catalog))) == 1


def test_a_newer_babel_compiling_the_same_po_is_not_a_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """What tools write in the header (the generator, dates) is not what a clerk reads."""
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "99.1.0")
    catalog = read_catalogue("zh_CN")
    catalog.revision_date = datetime(2031, 5, 6, tzinfo=UTC)
    catalog.creation_date = datetime(2030, 1, 2, tzinfo=UTC)
    catalog.last_translator = "someone else <x@example.org>"
    recompiled = _compile(catalog)
    assert b"Generated-By: Babel 99.1.0" in recompiled
    assert recompiled != mo_path("zh_CN").read_bytes()
    assert catalogue_differences(mo_path("zh_CN").read_bytes(), recompiled) == []


def test_translations_keep_every_placeholder() -> None:
    bad = []
    for message in read_catalogue("zh_CN"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        wanted = _fields(ids[-1])
        bad += [(ids[0], s) for s in strings if _fields(s) != wanted]
    assert bad == []


def test_chinese_is_what_the_desk_speaks(zh: None) -> None:
    assert _("Wrong user name or password.") == "用户名或密码错误。"
    assert _("Search") == "查询"


def test_footer_keys_and_form_labels_fit_their_cells_in_chinese(zh: None) -> None:
    """Chinese characters take two cells: the F-key titles and the identity form's labels must still fit."""
    for task in (*TASKS, IDENTITY_TASK):
        assert cell_len(_(task.title)) <= 10, task.title
    form_labels = ("For", "At the counter", "Document", "Number", "Name on it", "Valid until", "Relationship",
                   "Authorisation")
    for label in form_labels:
        assert cell_len(_(label)) <= 15, label  # the label column is 16 cells wide


def test_no_translation_mixes_in_untranslated_english_words() -> None:
    allowed = re.compile(r"SQLite|PostgreSQL|Debian|postgresql-client|/usr/lib/postgresql|outlet-desk backup|"
                         r"\{[^}]*\}|[A-Z]{2,}|[a-z]+://|YYYY-MM-DD|Ctrl[-+][A-Z]|Enter|Esc|F\d+|PC/SC|IANA|UTF-8|ATR|"
                         r"outlet\.toml|true|false|chmod|--[a-z][a-z-]*|scripts/setup\.sh|fonts-wqy-microhei|"
                         r"sqlite:///path/to/file\.db|postgresql\+psycopg://user:password@host/dbname|'[^']*'|"
                         r"[A-Z]\d+|"
                         # the command line's help: its options, settings keys and the code words options take
                         r"--[a-z-]+|\[[a-z_]+\]|\b[a-z]+_[a-z_]+\b|outlet-desk\.log|shell|vpcd|pcscd|Windows|Excel|"
                         r"\b(clerk|supervisor|admin|hotline|auditor|table|csv|json|jsonl|pdf)\b|"
                         # file paths of the docs, the stock commands a message names, a setting in ``quotes``
                         r"docs/[\w./-]*|\.csv|\.json|``[^`]*``|request (status|reorder)|"
                         r"(outlet-desk )?stock (import|batch|resolve|transfer (send|receive|list))")
    leftovers = []
    for message in read_catalogue("zh_CN"):
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for text in strings:
            if text and re.search(r"[a-z]{3,}", allowed.sub("", text)):
                leftovers.append(text)
    assert leftovers == []


def test_no_message_is_hidden_inside_an_f_string() -> None:
    """The extractor does not look inside f-strings: a _() there is never translated (receipts printed
    'Fee' and 'Operator' in English at a Chinese outlet until this test)."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "outlet_desk"
    hidden = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                hidden += [f"{path.relative_to(package)}:{call.lineno}" for call in ast.walk(node)
                           if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                           and call.func.id in ("_", "N_", "ngettext")]
    assert hidden == []


def test_a_receipt_at_a_chinese_outlet_is_in_chinese(zh: None) -> None:
    from datetime import UTC, datetime

    from outlet_desk.services.receipts import ReceiptData, render_text

    text = render_text(ReceiptData("ABCD-EFGH", 7, "reissue_applied", "TRN001", "培训网点", "柜员 王芳",
                                   datetime(2026, 11, 25, 9, 0, tzinfo=UTC), "C1", "110105************", 2000,
                                   "张小燕 (女儿)"))
    assert "费用: 20.00 元" in text and "经办人: 柜员 王芳" in text and "代领人: 张小燕 (女儿)" in text
    assert not re.search(r"\b(Fee|Operator|Outlet|Card|Time)\b", text)
