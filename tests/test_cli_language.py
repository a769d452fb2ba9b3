"""The command line speaks the outlet's language, as the desk does: ``--help`` of every command, Typer's own
words, and the messages of commands that never open the store (``reader list``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer._click.core import Command
from typer.core import TyperGroup
from typer.main import get_command

from outlet_desk.cli_language import first_clause
from tests.cli_outlet import OUTLET, run

CHINESE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


@pytest.fixture
def chinese_outlet(tmp_path: Path) -> Path:
    path = tmp_path / "outlet.toml"
    path.write_text(OUTLET.replace('language = "en"', 'language = "zh_CN"'))
    return path


def command_paths() -> list[list[str]]:
    """Every command and group of the command line, as the words typed to reach it."""
    from outlet_desk.cli import app

    paths: list[list[str]] = []

    def walk(command: Command, path: list[str]) -> None:
        paths.append(path)
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(get_command(app), [])
    return paths


def test_the_main_help_is_in_chinese_on_a_chinese_outlet(chinese_outlet: Path, english: None) -> None:
    shown = run(chinese_outlet, "--help", env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.output
    for words in ("用法：", "网点柜台终端：社会保障卡服务网点的柜台系统。", "显示本帮助并退出。",
                  "读卡器：列出读卡器、监视插卡。", "把 FILE 恢复到本网点的数据库，该数据库必须为空（先停止各终端）…"):
        assert words in shown.stdout, shown.stdout
    assert "Show this message" not in shown.stdout and "Commands" not in shown.stdout


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "outlet-desk")
def test_every_commands_help_is_in_chinese(chinese_outlet: Path, english: None, path: list[str]) -> None:
    shown = run(chinese_outlet, *path, "--help", env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    described = [line for line in shown.stdout.splitlines()[1:] if line.strip() and not line.startswith("用法")]
    english_only = [line for line in described if not CHINESE.search(line) and not line.strip().startswith("-")
                    and ":" not in line]
    assert not english_only, shown.stdout
    assert CHINESE.search(shown.stdout.split("\n\n")[1]), shown.stdout  # the command's own description
    assert not PYTHON_TYPE.search(shown.stdout), shown.stdout  # <数字>, not <float range>
    assert not RANGE_FORMULA.search(shown.stdout), shown.stdout  # [不小于 0], not Typer's [x>=0]


RANGE_FORMULA = re.compile(r"x\s*[<>]=|[<>]=\s*x")
PYTHON_TYPE = re.compile(r"<(str|int|float|path|file|directory|list\[str\])( range)?>")


def test_the_options_help_stands_in_one_column_in_chinese(chinese_outlet: Path, english: None) -> None:
    """Click counted characters, so an option's value named in Chinese (<数字>) pushed its help out of line."""
    shown = run(chinese_outlet, "reader", "watch", "--help", env={"COLUMNS": "120"})
    assert "--timeout <数字>" in shown.stdout and "--reader <文本>" in shown.stdout, shown.stdout
    assert "[不小于 0]" in shown.stdout and "x>=0" not in shown.stdout, shown.stdout  # the bound in words
    starts = {cell_len(line[:found.end()]) for line in shown.stdout.splitlines()
              if line.startswith("  --") and (found := re.search(r"\S {2,}", line))}
    assert len(starts) == 1, shown.stdout


def test_the_help_stays_english_on_an_english_outlet(config: Path, english: None) -> None:
    shown = run(config, "reader", "--help")
    assert "Card readers: list them and watch cards." in shown.stdout and "Usage:" in shown.stdout
    watch = run(config, "reader", "watch", "--help", env={"COLUMNS": "120"}).stdout
    assert "[0 or more]" in watch and "x>=0" not in watch, watch


def test_reader_list_answers_in_chinese(chinese_outlet: Path, english: None) -> None:
    """It never opens the settings' store: the language is peeked from the file, as the desk's launcher does."""
    shown = run(chinese_outlet, "reader", "list")
    assert CHINESE.search(shown.output), shown.output
    assert not re.search(r"\bno (card|reader|PC/SC)\b|\bcard\b", shown.output), shown.output


def test_a_chinese_commands_summary_is_its_first_sentence() -> None:
    assert first_clause("把 FILE 恢复到数据库；须先停止各终端。") == "把 FILE 恢复到数据库…"
    assert first_clause("审计链。其余。") == "审计链。"


ENGLISH_CLICK = re.compile(r"\b(Usage|Error|Try|Missing|Invalid|No such|Possible|Did you mean|Got unexpected|requires|"
                           r"is not|Input should|does not take|Choose from)\b")

BAD_COMMAND_LINES = [
    pytest.param(["person", "find"], id="missing argument"),
    pytest.param(["person", "find", "--nmae", "x"], id="no such option"),
    pytest.param(["persn"], id="no such command"),
    pytest.param(["audit", "list", "--limit", "many"], id="invalid value"),
    pytest.param(["audit", "list", "--limit", "0"], id="value too small"),
    pytest.param(["audit", "list", "--format", "xml"], id="not a choice"),
    pytest.param(["audit", "list", "--limit"], id="option without its value"),
    pytest.param(["where", "extra"], id="extra argument"),
]


@pytest.mark.parametrize("args", BAD_COMMAND_LINES)
def test_a_bad_command_line_is_told_in_chinese(chinese_outlet: Path, english: None, args: list[str]) -> None:
    """Click's usage errors (the usage line, "Try ... for help", the error) were English on a Chinese outlet."""
    shown = run(chinese_outlet, *args)
    assert shown.exit_code == 2, shown.output
    assert "错误：" in shown.output, shown.output
    assert ("用法：" in shown.output) == ("--help" in shown.output), shown.output  # the usage line where Click has one
    assert not ENGLISH_CLICK.search(shown.output), shown.output


def test_a_bad_command_line_stays_english_on_an_english_outlet(config: Path, english: None) -> None:
    shown = run(config, "person", "find")
    assert shown.exit_code == 2
    assert "Usage:" in shown.output and "Error: Missing argument 'query'." in shown.output, shown.output
