"""No block of six or more lines of production code stands twice, by text or by shape (issue 12).

The same check as the ``duplicates`` tool, small enough to run everywhere (the tool is not in CI): every
module below ``outlet_desk/`` is read as tokens, each line becomes its *shape* (names become ``N``,
strings ``S``, numbers ``0``; keywords and punctuation stay), and any run of six shapes that stands in
two places (in one file or two, at most eight places: a run more common than that is an idiom, as the tool
counts it too) fails the test with both places.

What is not logic is passed over, as the tool does with imports and comments: import statements,
docstrings, lines that continue a bracket opened on an earlier line (the items of a list, a dict or a
long call's arguments: data and argument layout), and declarations: a class header with its decorators
(``@dataclass``; a function's decorators stay: ``@on(...)`` and ``@work(...)`` are what it does), an
annotated name (a dataclass's or a settings section's field, a table's column), an attribute set to a
name (a constructor storing its arguments) or a name bound to a literal or to a call of literals (an enum
member, an error's ``code``, ``TITLE_MSGID = N_("...")``). Left out as well: ``db/migrations/`` (history,
it stays as written).

``ALLOWED`` lists the pairs of files whose likeness is not one piece of logic written twice, each with the
reason; a pair that no longer repeats must leave the list (the second test says so). ``DECLARED_ALIKE``
lists the pairs the ``duplicates`` tool names (by shape, not marked boilerplate) that this test passes over
as declarations, each with the reason they stay as they are; the third test checks that they are still
declarations only here and that their files exist.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from collections import defaultdict
from functools import cache
from itertools import pairwise
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "outlet_desk"
LEFT_OUT = ("db/migrations/",)
RUN = 6
"""Lines of the same shape, one after another, that make a repeat."""
TOO_COMMON = 8
"""A run that stands in more places than this is an idiom of the code base, not a repeat."""

ALLOWED: dict[tuple[str, str], str] = {
    ("screens/card_tasks/collect.py", "screens/flow_support.py"):
        "Enter moves on to the next input: two one-line @on handlers each; a shared focus chain would "
        "replace six obvious lines with indirection",
    ("screens/flow_support.py", "screens/login.py"):
        "user name then password inputs: Enter moves on, then the password is submitted; the co-signing "
        "dialog and the sign-in screen check and answer differently",
    ("screens/identity_check.py", "screens/login.py"):
        "a worker posting its Answer (value or problem) and the handler showing the problem: the message "
        "shape is shared (screens.answer); the calls and what is shown differ",
    ("screens/supervisor_home.py", "screens/supervisor_home.py"):
        "two workers with different refusal handling: the overview says why it failed, the background poll "
        "stays quiet until the next manual refresh",
}

DECLARED_ALIKE: dict[tuple[str, str], str] = {
    ("reader/errors.py", "reader/errors.py"):
        "one exception class per reader failure, each declaring only its MESSAGE (the logic is once, in "
        "ClerkMessageError); one class each so that callers catch them apart",
    ("reader/events.py", "reader/events.py"):
        "one frozen dataclass per reader event (a reader's name, and what happened to it): the supervisor, the "
        "app and the CLI match on their types",
    ("screens/card_tasks/reissue.py", "screens/card_tasks/withdraw_loss.py"):
        "two RequestTaskScreens declaring their keys, service and words (the watching is once, in request_watch)",
    ("domain/approvals.py", "domain/request_status.py"):
        "two Worded enums (codes with their words), each with its refusal and its table of moves",
    ("domain/card_lifecycle.py", "domain/roles.py"):
        "Worded enum bodies (a card's statuses and events, the roles and actions): one member a line",
    ("domain/fees.py", "domain/roles.py"):
        "Worded enum bodies (reissue reasons, payment methods, roles): one member a line",
    ("services/cashup.py", "services/loss.py"):
        "refusal classes, each declaring its code: callers and screens catch them apart",
    ("services/approvals/kinds.py", "services/cashup.py"):
        "refusal classes, each declaring its code",
    ("services/approvals/kinds.py", "services/loss.py"):
        "refusal classes, each declaring its code",
    ("services/approvals/decisions.py", "services/cashup.py"):
        "refusal classes, each declaring its code",
    ("services/approvals/decisions.py", "services/loss.py"):
        "refusal classes, each declaring its code",
    ("services/persons.py", "services/report.py"):
        "frozen views handed to the screens and the report: fields only",
    ("services/identity.py", "services/persons.py"):
        "frozen views (a document, a proxy; a card, a loss, a request line): fields only",
    ("domain/citizen_id.py", "services/identity.py"):
        "an enum of the rules, then a refusal naming the rule that refused (a citizen number's, an identity "
        "check's): a DomainError and a ServiceError, declared each where its rules are",
    ("screens/lock.py", "screens/search.py"):
        "a message class carrying a worker's result, then a screen's title, footer and CSS declarations",
    ("config/settings.py", "config/settings.py"):
        "the sections of outlet.toml, each a field with its default and its description (the reference)",
    ("domain/loss.py", "domain/stock.py"):
        "Worded enum bodies (loss channels and kinds; stock and batch statuses): one member a line",
    ("domain/cancellation.py", "domain/holder_contact.py"):
        "a Worded enum, then a refusal class declaring its code",
    ("domain/text.py", "services/city_report.py"):
        "module constants (the store's text sizes) and a frozen view's fields (the city's figures)",
    ("domain/manifest.py", "services/operators.py"):
        "module constants (limits, a pattern) followed by a frozen view's fields",
    ("config/schema.py", "services/receipt_seal.py"):
        "fields with defaults and their descriptions (a settings section; a sealed receipt's record)",
    ("domain/fees.py", "services/receipt_seal.py"):
        "frozen views: fields only",
    ("db/tables.py", "db/tables.py"):
        "table columns, one a line (a foreign key to the operator and a time close one table, id and outlet "
        "open the next): the store's declaration",
    ("audit_cli.py", "report_cli.py"):
        "the names each command module imports from cli_support, one a line (the import's layout, not logic)",
    ("audit_cli.py", "feed_cli.py"):
        "the names each command module imports from cli_support, one a line",
    ("cli.py", "receipt_cli.py"):
        "the names each command module imports from cli_support, one a line",
    ("feed_cli.py", "receipt_cli.py"):
        "the names each command module imports from cli_support, one a line",
    ("feed_cli.py", "report_cli.py"):
        "imports from cli_support, then the command group's Typer declaration",
    ("cli.py", "feed_cli.py"):
        "Typer command signatures (the context, the command's own arguments, the shared AsJson and AsUser "
        "options declared once in cli_support)",
    ("screens/audit_trail.py", "screens/supervisor_home.py"):
        "a screen's key bindings, one Binding a line",
    ("services/approvals/kinds.py", "services/approvals/kinds.py"):
        "a refusal class, then the signer rule that raises it (the spoiled card's and the return's witness)",
    ("services/backup/jobs.py", "services/backup/jobs.py"):
        "two results (a backup, a restore), each a frozen view with its own sentence for the operator",
    ("services/bootstrap.py", "services/receipt_check.py"):
        "frozen views: fields with their descriptions",
    ("services/feed/export.py", "services/receipts.py"):
        "frozen views: fields only (a feed record; a receipt)",
    ("services/feed/export.py", "services/report_model.py"):
        "frozen views: fields only",
    ("services/feed/export.py", "services/request_lookup.py"):
        "frozen views: fields only",
    ("services/receipt_seal.py", "services/standby.py"):
        "frozen views: fields only, then a method of each saying different things",
    ("services/report_model.py", "services/request_lookup.py"):
        "frozen views: fields only",
    ("services/request_stages.py", "services/uncollected.py"):
        "frozen views with a property or a summary in words each (a request's stage; a contact entry)",
}


def _word(token: tokenize.TokenInfo) -> str:
    if token.type == tokenize.NAME:
        return token.string if keyword.iskeyword(token.string) or keyword.issoftkeyword(token.string) else "N"
    if token.type == tokenize.STRING:
        return "S"
    if token.type == tokenize.NUMBER:
        return "0"
    return token.string


_PASSED_OVER = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
                tokenize.ENCODING}


def _declaration(words: list[str]) -> bool:
    """An import, a docstring, a class header, an annotated name, an attribute set to a name (a constructor
    storing its arguments), or a name bound to a literal or a call of literals."""
    if words[0] in ("import", "from", "class") or words == ["S"] or words[:2] == ["N", ":"]:
        return True
    if words == ["N", ".", "N", "=", "N"]:
        return True
    value = words[2:]
    only_literals = all(w != "N" or nxt == "(" for w, nxt in pairwise([*value, ""]))
    return words[:2] == ["N", "="] and only_literals


def _statements(path: Path) -> list[tuple[list[tokenize.TokenInfo], list[str]]]:
    """The file's logical lines (a statement or a decorator), each as its tokens and their shapes."""
    statements: list[tuple[list[tokenize.TokenInfo], list[str]]] = []
    statement: list[tokenize.TokenInfo] = []
    for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if token.type in _PASSED_OVER:
            continue
        if token.type != tokenize.NEWLINE:
            statement.append(token)
            continue
        if statement:
            statements.append((statement, [_word(t) for t in statement]))
        statement = []
    return statements


def shapes(path: Path) -> list[tuple[int, str]]:
    """The file's lines of logic as (line number, shape). A class's decorators go with its header (a
    declaration); a function's stay (``@on(...)``, ``@work(...)`` say what the function does)."""
    lines: list[tuple[int, str]] = []
    statements = _statements(path)
    for i, (statement, words) in enumerate(statements):
        decorated = next((w for _, w in statements[i:] if w[0] != "@"), ["@"])
        if _declaration(words) or (words[0] == "@" and decorated[0] == "class"):
            continue
        depth = 0
        starts_at: dict[int, int] = {}
        by_line: dict[int, list[str]] = defaultdict(list)
        for token_, word in zip(statement, words, strict=True):
            starts_at.setdefault(token_.start[0], depth)
            by_line[token_.start[0]].append(word)
            depth += (word in ("(", "[", "{")) - (word in (")", "]", "}"))
        lines += [(number, " ".join(ws)) for number, ws in sorted(by_line.items())
                  if starts_at[number] == 0 and any(w[0].isalnum() or w[0] == "_" for w in ws)]
    return lines


@cache
def repeats() -> dict[tuple[str, str], tuple[int, int]]:
    """Each pair of files (or a file with itself) sharing a run, with where the first shared run starts."""
    runs: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    starts: dict[str, list[tuple[int, str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name.startswith(LEFT_OUT):
            continue
        starts[name] = lines = shapes(path)
        for i in range(len(lines) - RUN + 1):
            runs[tuple(shape for _, shape in lines[i:i + RUN])].append((name, i))
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for places in runs.values():
        if not 2 <= len(places) <= TOO_COMMON:
            continue
        for k, (a, i) in enumerate(places):
            for b, j in places[k + 1:]:
                if a == b and j - i < RUN:
                    continue  # one run overlapping itself
                at = (starts[a][i][0], starts[b][j][0])
                found[(a, b)] = min(found.get((a, b), at), at)
    return found


def test_no_block_of_six_lines_repeats() -> None:
    new = {pair: at for pair, at in repeats().items() if pair not in ALLOWED}
    assert not new, "the same lines (or lines of the same shape) stand in two places; give them one home:\n" + \
        "\n".join(f"  {a}:{i} ~ {b}:{j}" for (a, b), (i, j) in sorted(new.items()))


def test_every_allowed_pair_still_repeats() -> None:
    stale = sorted(set(ALLOWED) - set(repeats()))
    assert not stale, f"no longer alike: take them out of ALLOWED: {stale}"


def test_pairs_declared_alike_are_declarations_only() -> None:
    logic = sorted(set(DECLARED_ALIKE) & set(repeats()))
    assert not logic, f"these share logic, not only declarations: give it one home: {logic}"
    gone = sorted({name for pair in DECLARED_ALIKE for name in pair if not (PACKAGE / name).is_file()})
    assert not gone, f"files no longer there: take their pairs out of DECLARED_ALIKE: {gone}"
