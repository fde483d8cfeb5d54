"""The CLI over real files: password options, notes, batches where one bad input spares the rest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    pkcs7,
    pkcs12,
)

from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import Issued, TestCA

SECRET = "Tr0ub4dor&3-pfx"


@pytest.fixture(scope="module")
def leaf(ca: TestCA) -> Issued:
    return ca.issue("hcappserver.example.test")


@pytest.fixture
def pfx(tmp_path: Path, ca: TestCA, leaf: Issued) -> Path:
    path = tmp_path / "app.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"hcappserver",
            leaf.key,
            leaf.cert,
            [ca.intermediate.cert],
            BestAvailableEncryption(SECRET.encode()),
        )
    )
    return path


def no_secret(*texts: str) -> bool:
    return all(SECRET not in t for t in texts)


def test_lint_pfx_with_password_env(
    pfx: Path, ca: TestCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_PFX_PASSWORD", SECRET)
    status, out, err = run(
        "lint",
        str(pfx),
        "--host",
        "hcappserver.example.test",
        "--password-env",
        "APP_PFX_PASSWORD",
        "--trust",
        str(ca.root_file(tmp_path)),
    )
    assert status == ExitStatus.OK, out + err
    assert "READY" in out
    assert no_secret(out, err)


def test_lint_pfx_with_password_file_json(pfx: Path, ca: TestCA, tmp_path: Path) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text(SECRET + "\n")
    status, out, err = run(
        "lint",
        str(pfx),
        "-H",
        "hcappserver.example.test",
        "--password-file",
        str(pw),
        "-f",
        "json",
        "--trust",
        str(ca.root_file(tmp_path)),
    )
    assert status == ExitStatus.OK, err
    report = json.loads(out)
    (target,) = report["targets"]
    assert target["private_key"] == "matches"
    assert no_secret(out, err)


def test_wrong_password_is_one_line_and_the_batch_goes_on(
    pfx: Path, tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tmp_path / "good.pem"
    good.write_bytes(ca.chain_pem(ca.issue("hcappserver.example.test")))
    junk = tmp_path / "notes.txt"
    junk.write_text("remember to renew\n")
    monkeypatch.setenv("PW", "not-" + SECRET)
    status, out, err = run(
        "lint", str(pfx), str(junk), str(good), "-H", "hcappserver.example.test",
        "--password-env", "PW", "-f", "json",
    )  # fmt: skip
    assert status == ExitStatus.USAGE
    lines = [line for line in err.splitlines() if line]
    assert any(f"{pfx}: wrong password for the PKCS#12 file" in line for line in lines)
    assert any(str(junk) in line and "neither PEM nor DER" in line for line in lines)
    assert "Traceback" not in err
    report = json.loads(out)
    statuses = {Path(t["target"]).name: t["status"] for t in report["targets"]}
    assert statuses["good.pem"] == "ok"
    assert no_secret(out, err) and "not-" not in err


def test_missing_password_without_terminal_says_how(pfx: Path) -> None:
    status, _, err = run("lint", str(pfx))
    assert status == ExitStatus.USAGE
    assert "needs a password" in err and "--password-env" in err


def test_unset_password_variable_names_it(pfx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNSET_PFX_PW", raising=False)
    status, _, err = run("lint", str(pfx), "--password-env", "UNSET_PFX_PW")
    assert status == ExitStatus.USAGE
    assert err.count("\n") == 1 and "UNSET_PFX_PW" in err


def test_both_password_options_is_a_usage_error(pfx: Path, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("x")
    status, _, err = run("show", str(pfx), "--password-env", "X", "--password-file", str(pw))
    assert status == ExitStatus.USAGE and "not both" in err


def test_password_is_never_an_argv_option(pfx: Path) -> None:
    status, _, err = run("lint", str(pfx), "--password", SECRET)
    assert status == ExitStatus.USAGE and "No such option" in err


def test_legacy_pfx_note_on_stderr(tmp_path: Path, leaf: Issued) -> None:
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())  # noqa: S303 - the legacy format under test
        .build(SECRET.encode())
    )
    path = tmp_path / "old.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(b"x", leaf.key, leaf.cert, None, encryption)
    )
    pw = tmp_path / "pw"
    pw.write_text(SECRET)
    for command in ("lint", "show"):
        _, out, err = run(command, str(path), "--password-file", str(pw))
        assert f"certready: note: {path}: PKCS#12 uses legacy 3DES encryption" in err
        assert no_secret(out, err)


def test_lint_stdin(ca: TestCA, leaf: Issued) -> None:
    status, out, err = run(
        "lint", "-", "-H", "hcappserver.example.test", "-f", "json", stdin=ca.chain_pem(leaf)
    )
    assert json.loads(out)["targets"][0]["location"] == "stdin:#0"
    # the leaf came without its key: the homecare profile may report that, but nothing else broke
    assert status in (ExitStatus.OK, ExitStatus.FINDINGS), err


def test_folder_with_cert_key_and_p7b(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue("hcappserver.example.test")
    leaf.write(tmp_path, "app")
    (tmp_path / "chain.p7b").write_bytes(
        pkcs7.serialize_certificates([ca.root.cert, ca.intermediate.cert], Encoding.DER)
    )
    status, out, err = run("lint", str(tmp_path), "-H", "hcappserver.example.test", "-f", "json")
    assert "Traceback" not in err
    targets = {Path(t["target"]).name: t for t in json.loads(out)["targets"]}
    assert targets["app.pem"]["private_key"] == "matches"
    assert "app.key" not in targets  # the loose key was paired, not reported alone
    assert status in (ExitStatus.OK, ExitStatus.FINDINGS)
    body = b"".join(leaf.key_pem().splitlines()[1:-1]).decode()
    for fmt in ("json", "text", "sarif", "junit", "html", "markdown"):
        _, report, err = run("lint", str(tmp_path), "-H", "hcappserver.example.test", "-f", fmt)
        assert "PRIVATE KEY" not in report
        assert not any(body[i : i + 24] in report + err for i in range(0, len(body) - 24, 24))


def test_help_teaches(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("lint", "show"):
        status, _, _ = run(command, "--help")  # click prints help on sys.stdout
        out = capsys.readouterr().out
        assert status == ExitStatus.OK
        assert "Examples:" in out and "--password-env VAR" in out and "--password-file FILE" in out
        assert f"certready {command} app.pfx" in out
        assert "<str>" not in out


def test_prompt_on_a_terminal(
    pfx: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import getpass

    asked: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return SECRET

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    monkeypatch.setattr(sys, "stdin", Terminal())
    status, out, err = run("show", str(pfx))
    assert status == ExitStatus.OK, err
    assert asked == [f"Password for {pfx}: "]
    assert "matches the leaf certificate" in out
    assert no_secret(out, err, capsys.readouterr().out)


def test_debug_shows_the_traceback_of_an_input_error_and_no_secret(
    pfx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truncated = tmp_path / "cut.cer"
    truncated.write_bytes(b"\x30\x82\x05\x00" + bytes(100))
    monkeypatch.setenv("PW", "wrong-" + SECRET)
    for command in ("lint", "show"):
        status, out, err = run(command, str(truncated), str(pfx), "--password-env", "PW")
        assert status == ExitStatus.USAGE and "Traceback" not in err
        status, out, err = run(command, str(truncated), str(pfx), "--password-env", "PW", "--debug")
        assert status == ExitStatus.USAGE
        assert err.count("Traceback") >= 2  # one per unreadable input, with what it replaced
        assert "PasswordError" in err and "truncated" in err
        assert no_secret(out, err)
