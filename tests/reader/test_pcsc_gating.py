"""The real-stack tests skip on a developer machine without pcscd/vpcd, but fail under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import fixtures_pcsc


def test_missing_stack_skips_locally(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fixtures_pcsc, "PCSCD", tmp_path / "pcscd")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"PC/SC stack missing: .*pcscd"):
        fixtures_pcsc._gate()


def test_missing_stack_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fixtures_pcsc, "VPCD_CONF", tmp_path / "vpcd")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the reader tests"):
        fixtures_pcsc._gate()
