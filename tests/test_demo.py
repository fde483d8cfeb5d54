"""``make demo``: the example deployment audited live on loopback, and its install plan written."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from certready.interfaces.demo import run as demo


def _target(text: str, name: str) -> str:
    """The lines of one target in the text report: its line (a mark, then its name) and the
    indented lines under it (the top fixes above name targets too, on other lines)."""
    lines = text.splitlines()
    start = next(
        i for i, line in enumerate(lines) if line[:1] in "✓✗!-" and line[2:].startswith(name)
    )
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    return "\n".join(lines[start:end])


def test_demo_audits_the_example_live_and_writes_the_plan(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.chdir(tmp_path)
    assert demo.main() == 0
    text = out.getvalue()
    assert "$ certready audit certready.yaml --live" in text
    assert "NOT READY" in text
    # the portal is planted without its intermediate: the live target says so, and only there
    portal = _target(text, "production/portal (live")
    assert "tls.intermediate-not-sent" in portal
    app = _target(text, "production/app (live")
    assert "tls.intermediate-not-sent" not in app and "error" not in app
    # the SHA-1 test server and the mobile certificate without the external name
    assert "signature.weak-hash" in _target(text, "test/app  ")
    assert "deployment.mobile-external-name" in text
    # the workspace stays: the printed plan and the manifest of the rerun command exist
    plan_dir = Path(text.rsplit("start with ", 1)[1].strip()).parent
    assert plan_dir == Path("demo/plan") and (plan_dir / "README.md").is_file()
    assert "cd demo && certready audit certready.yaml" in text
    assert (tmp_path / "demo" / "certready.yaml").is_file()
    # a rerun replaces its own folder; a folder the demo did not make is left alone
    assert demo.main() == 0 and (plan_dir / "README.md").is_file()
    mine = tmp_path / "mine"
    (mine / "notes.txt").parent.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert demo.main(mine) == 2 and (mine / "notes.txt").read_text() == "keep"
