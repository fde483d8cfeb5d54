from __future__ import annotations

import io
from pathlib import Path

from certready.interfaces.cli import ExitStatus, main
from tests.pki import TestCA


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_version() -> None:
    status, out, _ = run("--version")
    assert status == ExitStatus.OK and out.startswith("certready ")


def test_unknown_option_is_usage_error() -> None:
    status, _, err = run("lint", "--no-such-option", "x.pem")
    assert status == ExitStatus.USAGE
    assert "no-such-option" in err


def test_lint_missing_file_is_input_error_and_names_it(tmp_path: Path, ca: TestCA) -> None:
    good, _ = ca.issue("app.example.test").write(tmp_path, "app")
    status, _, err = run("lint", str(tmp_path / "missing.pem"), str(good))
    assert status == ExitStatus.USAGE
    assert "missing.pem" in err
    assert "Traceback" not in err
