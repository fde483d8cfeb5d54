"""Ctrl-C anywhere in a command: exit 130 and "interrupted" on stderr, no traceback."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pytest

from certready.interfaces.cli import lint as lint_cli
from tests.cli import run
from tests.pki import TestCA


def _interrupt(*_: object, **__: object) -> NoReturn:
    raise KeyboardInterrupt


def test_ctrl_c_exits_130_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ca: TestCA
) -> None:
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(ca.issue("app.example.test").cert_pem())
    # negative control first: without the interrupt the command runs
    assert run("lint", str(leaf))[0] in (0, 1)
    monkeypatch.setattr(lint_cli, "lint_parallel", _interrupt)
    status, out, err = run("lint", str(leaf))
    assert status == 130
    assert err.strip() == "interrupted"
    assert "Traceback" not in err and out == ""
