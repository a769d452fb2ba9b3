"""``reader watch --timeout`` and ``reader list`` where no PC/SC service answers (issue 14): both give up with
the same clear words and exit 1, the watch once its timeout has passed. Run as a clerk's terminal runs them,
in a process of their own pointed at a PC/SC socket that does not exist (the machine's shared pcscd is left
alone)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 3.0


def desk(config: Path, *args: str, socket: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "outlet_desk", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PCSCLITE_CSOCK_NAME": str(socket)})
    return done, time.monotonic() - began


@pytest.mark.parametrize(("language", "words"), [("zh_CN", "没有 PC/SC 服务："), ("en", "no PC/SC service: ")])
def test_without_a_pcsc_service_watch_gives_up_at_its_timeout_and_says_why(tmp_path: Path, language: str,
                                                                           words: str) -> None:
    config = tmp_path / "outlet.toml"
    text = (ROOT / "outlet.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('language = "zh_CN"', f'language = "{language}"'), encoding="utf-8")
    socket = tmp_path / "no-pcscd.comm"
    started, start_s = desk(config, "reader", "--help", socket=socket)  # the command line's own start
    assert started.returncode == 0, started.stderr
    listed, _list_s = desk(config, "reader", "list", socket=socket)
    assert listed.returncode == 1 and words in listed.stderr, listed.stderr
    watched, watch_s = desk(config, "reader", "watch", "--timeout", str(TIMEOUT_S), socket=socket)
    assert watched.returncode == 1, (watched.stdout, watched.stderr)  # it was 0: a watch that saw nothing
    assert watched.stderr.strip().splitlines()[-1].startswith(words), watched.stderr
    if language == "zh_CN":  # the reader's state as it changes, in the outlet's language too
        assert "读卡器状态：读卡服务未运行" in watched.stdout and "reader state" not in watched.stdout, watched.stdout
    # The watch itself lasts its timeout: the rest is the command line's start, measured just before (a loaded
    # machine stretches both alike).
    assert watch_s < start_s * 1.5 + TIMEOUT_S + 2.0, (watch_s, start_s)
