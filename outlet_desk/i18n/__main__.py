"""``python -m outlet_desk.i18n extract|compile|check``: keep the catalogues in step with the code.

* ``extract`` finds every ``_()``, ``N_()`` and ``ngettext()`` msgid in ``outlet_desk/**/*.py`` and the
  command line's help texts (:mod:`outlet_desk.i18n.cli_help`), writes
  the template ``locale/outlet_desk.pot`` and merges it into each language's ``.po`` (new msgids
  arrive untranslated, msgids no longer in the code become obsolete);
* ``compile`` turns each ``.po`` into the ``.mo`` the app reads;
* ``check`` lists msgids without a translation and says whether each ``.mo`` is current (exit 1 if not):
  current means it holds the same messages, translations and plural rule as the ``.po``; the headers
  that tools write (generator, dates) do not count.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from outlet_desk.i18n import DOMAIN, LOCALE_DIR
from outlet_desk.i18n.cli_help import package_help_texts

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
CATALOGUE_LANGUAGES = ("zh_CN",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# A fixed date keeps the files stable when nothing changed (the template is regenerated every time).
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def extract_template() -> Catalog:
    """Every msgid in the package's code, with where it is used."""
    template = Catalog(project="outlet-desk", domain=DOMAIN, creation_date=FIXED_DATE, revision_date=FIXED_DATE,
                       charset="utf-8", fuzzy=False)
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(PACKAGE_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("Translators:",),
        strip_comment_tags=True,
    ):
        template.add(message, None, [(f"outlet_desk/{filename}", lineno)], context=context)
    for filename, lineno, text in package_help_texts(PACKAGE_DIR):
        template.add(text, None, [(f"outlet_desk/{filename}", lineno)])
    return template


def read_catalogue(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN, project="outlet-desk", creation_date=FIXED_DATE,
                       revision_date=FIXED_DATE, fuzzy=False)
    with path.open("rb") as fh:
        return read_po(fh, locale=language, domain=DOMAIN)


def write_catalogue(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.revision_date = FIXED_DATE
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, omit_header=False, include_previous=False)
    path.write_bytes(buffer.getvalue())


def compiled(language: str) -> bytes:
    """The ``.mo`` the ``.po`` compiles to now."""
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(language), use_fuzzy=False)
    return buffer.getvalue()


def what_a_clerk_reads(mo: bytes) -> dict[tuple[str, object], object]:
    """What a compiled catalogue makes the desk show: each (context, msgid) with its translation (a tuple for
    plural forms) and the plural rule. The headers that tools write (generator, dates) are left out, so a
    newer Babel compiling the same ``.po`` reads the same."""
    catalog = read_mo(io.BytesIO(mo))
    found: dict[tuple[str, object], object] = {(m.context or "", _hashable(m.id)): _hashable(m.string)
                                               for m in catalog if m.id}
    found[("(header)", "Plural-Forms")] = catalog.plural_forms
    return found


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def catalogue_differences(committed: bytes, fresh: bytes) -> list[str]:
    """How the committed ``.mo`` differs, message by message, from the one the ``.po`` compiles to now:
    empty when a clerk would read the same."""
    old, new = what_a_clerk_reads(committed), what_a_clerk_reads(fresh)
    differences = []
    for key in sorted(old.keys() | new.keys(), key=repr):
        if old.get(key) != new.get(key):
            msgid = key[1] if isinstance(key[1], str) else key[1][0]  # type: ignore[index]
            differences.append(f"{msgid!r}: compiled {old.get(key)!r}, in the .po {new.get(key)!r}")
    return differences


def stale(language: str) -> list[str]:
    """What the committed ``.mo`` of ``language`` says differently from its ``.po`` (all of it if missing)."""
    if not mo_path(language).exists():
        return [f"{mo_path(language)} is missing"]
    return catalogue_differences(mo_path(language).read_bytes(), compiled(language))


def untranslated(language: str, template: Catalog | None = None) -> list[str]:
    """msgids used in the code that have no (or an empty, or a fuzzy) translation in ``language``."""
    template = template or extract_template()
    catalog = read_catalogue(language)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found is not None else None
        ok = all(strings) if isinstance(strings, tuple | list) else bool(strings)
        if found is None or not ok or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def extract() -> None:
    template = extract_template()
    write_catalogue(template, TEMPLATE)
    for language in CATALOGUE_LANGUAGES:
        catalog = read_catalogue(language)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        write_catalogue(catalog, po_path(language))
        print(f"{po_path(language)}: {len(catalog)} messages, {len(untranslated(language, template))} untranslated")


def compile_all() -> None:
    for language in CATALOGUE_LANGUAGES:
        mo_path(language).write_bytes(compiled(language))
        print(f"{mo_path(language)} written")


def check() -> int:
    problems = 0
    template = extract_template()
    for language in CATALOGUE_LANGUAGES:
        missing = untranslated(language, template)
        for msgid in missing:
            print(f"{language}: untranslated: {msgid!r}")
        differences = stale(language)
        for difference in differences:
            print(f"{language}: not compiled: {difference}")
        if differences:
            print(f"{language}: {mo_path(language)} is out of date; run: python -m outlet_desk.i18n compile")
        problems += len(missing) + int(bool(differences))
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outlet_desk.i18n", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("extract", "compile", "check"))
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract()
    elif args.command == "compile":
        compile_all()
    else:
        return check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
