from __future__ import annotations

from pathlib import Path

import pytest

from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import TestCA


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


def test_show_displays_usages_in_words_fingerprints_and_order(tmp_path: Path, ca: TestCA) -> None:
    path = tmp_path / "chain.pem"
    path.write_bytes(ca.chain_pem(ca.issue("app.example.test")))
    status, out, _ = run("show", str(path))
    assert status == ExitStatus.OK
    assert "Digital Signature, Key Encipherment (a0)" in out
    assert "Server Authentication (1.3.6.1.5.5.7.3.1)" in out
    assert "SHA-1 thumbprint" in out and "SHA-256" in out
    assert "#0 issued by #1" in out


def test_show_flags_wrong_order(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue("app.example.test")
    path = tmp_path / "reversed.pem"
    path.write_bytes(ca.intermediate.cert_pem() + ca.root.cert_pem() + leaf.cert_pem())
    _, out, _ = run("show", str(path))
    assert "#1 NOT issued by #2" in out


def test_rules_lists_catalogue_in_every_format() -> None:
    import json

    status, out, _ = run("rules", "--format", "json")
    assert status == ExitStatus.OK
    data = json.loads(out)
    assert data["profile"] == "homecare"
    status, out, _ = run("rules", "--format", "markdown")
    assert out.startswith("| rule | severity |")
    status, _, err = run("rules", "--format", "yaml")
    assert status == ExitStatus.USAGE and "yaml" in err


def test_unknown_profile_is_one_line_error() -> None:
    status, _, err = run("rules", "--profile", "nosuch")
    assert status == ExitStatus.USAGE
    assert err.count("\n") == 1 and "nosuch" in err


def test_fail_on_controls_exit_status(tmp_path: Path, ca: TestCA) -> None:
    from certready.core.model import Severity
    from certready.interfaces.cli.options import FailOn

    assert FailOn.WARNING.threshold() is Severity.WARNING
    assert FailOn.NEVER.threshold() is None
    cert, _ = ca.issue("app.example.test").write(tmp_path, "app")
    status, _, err = run("lint", str(cert), "--fail-on", "sometimes")
    assert status == ExitStatus.USAGE and "sometimes" in err


def test_interrupt_exits_130(tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch) -> None:
    import certready.interfaces.cli.lint as lint_cli

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(lint_cli, "lint_parallel", interrupted)
    cert, _ = ca.issue("app.example.test").write(tmp_path, "app")
    status, _, err = run("lint", str(cert))
    assert status == ExitStatus.INTERRUPTED
    assert "Traceback" not in err


def test_unexpected_error_hints_debug_and_debug_shows_traceback(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    import certready.interfaces.cli.lint as lint_cli

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(lint_cli, "lint_parallel", broken)
    cert, _ = ca.issue("app.example.test").write(tmp_path, "app")
    status, _, err = run("lint", str(cert))
    assert status == ExitStatus.USAGE and "--debug" in err and "Traceback" not in err
    status, _, err = run("lint", str(cert), "--debug")
    assert "Traceback" in err and "RuntimeError: boom" in err


def test_piped_output_has_no_escape_codes(tmp_path: Path, ca: TestCA) -> None:
    cert, _ = ca.issue("app.example.test").write(tmp_path, "app")
    _, out, _ = run("lint", str(cert))
    assert "\x1b[" not in out
    assert "READY" in out
