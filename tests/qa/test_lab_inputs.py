"""lab: a bad option is refused before the password prompt; unparseable files said in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import run
from tests.pki import TestCA


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--defect", "bogus"), "unknown defect 'bogus'"),
        (("--days", "5000"), "--days must be between"),
        (("--key-type", "rsa512"), "rsa512"),
    ],
)
def test_a_bad_issue_option_is_refused_before_the_password(
    lab_dir: Path, tmp_path: Path, extra: tuple[str, ...], says: str
) -> None:
    # no --password-env and no terminal: the password step would fail first if it ran first
    status, _, err = run(
        "lab", "issue", "--lab", str(lab_dir), "-o", str(tmp_path), "-H", "a.example.test", *extra
    )
    assert status == 2
    assert says in err and "password" not in err
    assert not any(tmp_path.iterdir())


def test_without_a_bad_option_the_password_is_asked(lab_dir: Path, tmp_path: Path) -> None:
    """Negative control: a good request reaches the password step (no terminal: one error)."""
    status, _, err = run(
        "lab", "issue", "--lab", str(lab_dir), "-o", str(tmp_path), "-H", "a.example.test"
    )
    assert status == 2 and "password" in err


@pytest.mark.parametrize(
    ("content", "command", "says"),
    [
        (b"", "sign", "empty file"),
        (b"\x30\x82garbage" * 10, "sign", "not a certificate request (neither PEM nor DER)"),
        (
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "revoke",
            "holds a private key",
        ),
        (b"hello\n", "revoke", "not a certificate (neither PEM nor DER)"),
    ],
)
def test_an_unparseable_input_is_said_in_words(
    lab_dir: Path, tmp_path: Path, content: bytes, command: str, says: str
) -> None:
    path = tmp_path / "input.pem"
    path.write_bytes(content)
    argv = ["lab", command, str(path), "--lab", str(lab_dir)]
    if command == "sign":
        argv += ["-o", str(tmp_path / "out")]
    status, _, err = run(*argv)
    assert status == 2
    assert f"{path}: {says}" in err
    assert "ParseError" not in err and "asn1" not in err and "cryptography.io" not in err


def test_a_certificate_given_as_a_request_is_named(
    lab_dir: Path, tmp_path: Path, ca: TestCA
) -> None:
    path = tmp_path / "leaf.pem"
    path.write_bytes(ca.issue("a.example.test").cert_pem())
    status, _, err = run("lab", "sign", str(path), "--lab", str(lab_dir), "-o", str(tmp_path))
    assert status == 2 and "holds a PEM CERTIFICATE block, not a certificate request" in err
