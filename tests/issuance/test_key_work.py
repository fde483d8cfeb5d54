"""Key files read by the issuance commands (``lab``'s CA keys, ``pfx``'s KEY) pass the same
bounded-KDF check as lint's inputs (issue 14): an encrypted PEM key asking for 10^9 PBKDF2
iterations is refused at once, in lint's one line, and never decrypted for minutes."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
)

from certready.adapters.issuance.keys import load_private_key
from certready.core.errors import InputError
from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import TestCA
from tests.sources import asn1tree

BILLION = 10**9
QUICK = 5.0
"""Seconds a refusal may take; 10^9 PBKDF2-SHA256 iterations take minutes."""
HOST = "hcappserver.sunrise.example"


def _asking(pem: bytes, count: int) -> bytes:
    """``pem`` (an ENCRYPTED PRIVATE KEY at cryptography's 2,048 iterations) asking ``count``."""
    body = b"".join(pem.split(b"\n")[1:-2])
    der = asn1tree.replace_integer(base64.b64decode(body), 2048, count, which=0)
    return (
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        + base64.encodebytes(der)
        + b"-----END ENCRYPTED PRIVATE KEY-----\n"
    )


def _lint_message(tmp_path: Path, data: bytes) -> str:
    """What ``certready lint`` says of the same key (after its file and PEM block)."""
    key = tmp_path / "lint-copy.key"
    key.write_bytes(data)
    (tmp_path / "pw").write_text("secret\n")
    _, _, err = run("lint", str(key), "--password-file", str(tmp_path / "pw"))
    [line] = [x for x in err.splitlines() if "PBKDF2 iteration count" in x]
    message = line[line.index("the encrypted private key") :]
    assert "1,000,000,000" in message and "refuses more than 1,000,000" in message
    return message


def test_load_private_key_refuses_a_billion_iterations_before_deriving(
    tmp_path: Path, ca: TestCA
) -> None:
    leaf = ca.issue(HOST)
    evil = tmp_path / "evil.key"
    evil.write_bytes(_asking(leaf.key_pem(b"secret"), BILLION))
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_private_key(evil, b"secret")
    assert time.perf_counter() - started < QUICK
    assert caught.value.location == str(evil)
    assert "PBKDF2 iteration count of 1,000,000,000" in caught.value.message
    assert "\n" not in caught.value.message
    # the count is refused before the passphrase matters: none given, the same refusal
    with pytest.raises(InputError) as without:
        load_private_key(evil)
    assert without.value.message == caught.value.message
    # negative control: the same key at cryptography's own count opens with its passphrase
    good = tmp_path / "good.key"
    good.write_bytes(leaf.key_pem(b"secret"))
    assert load_private_key(good, b"secret").public_key() == leaf.key.public_key()


def test_pfx_refuses_the_key_with_lints_line(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaf = ca.issue(HOST)
    cert, key = tmp_path / "app.pem", tmp_path / "app.key"
    cert.write_bytes(leaf.cert_pem())
    key.write_bytes(_asking(leaf.key_pem(b"secret"), BILLION))
    monkeypatch.setenv("PFX_PASS", "pfx-Secret-1")
    monkeypatch.setenv("KEY_PASS", "secret")
    out = tmp_path / "app.pfx"
    args = ["pfx", str(cert), str(key), "--out", str(out), "--password-env", "PFX_PASS"]
    started = time.perf_counter()
    status, stdout, err = run(*args, "--key-password-env", "KEY_PASS")
    assert time.perf_counter() - started < QUICK
    assert status == ExitStatus.USAGE and not out.exists()
    assert "Traceback" not in err and "secret" not in stdout + err
    [line] = [x for x in err.splitlines() if str(key) in x]
    assert line.endswith(_lint_message(tmp_path, key.read_bytes()))
    # negative control: the key at its own count makes the PFX
    key.write_bytes(leaf.key_pem(b"secret"))
    status, _, err = run(*args, "--key-password-env", "KEY_PASS")
    assert status == ExitStatus.OK, err
    assert out.exists()


def test_lab_refuses_a_ca_key_asking_too_much(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    assert run("lab", "init", str(lab), "--key-type", "p256")[0] == ExitStatus.OK
    out = str(tmp_path / "out")
    issue = ["lab", "issue", "--lab", str(lab), "--host", HOST, "--out", out, "--no-pfx"]
    # negative control: the lab as made issues
    status, _, err = run(*issue)
    assert status == ExitStatus.OK, err
    issuing = lab / "issuing-ca.key"
    plain = load_private_key(issuing)
    pem = plain.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"secret"))
    issuing.write_bytes(_asking(pem, BILLION))
    started = time.perf_counter()
    status, _, err = run(*issue, "--force")
    assert time.perf_counter() - started < QUICK
    assert status == ExitStatus.USAGE and "Traceback" not in err
    [line] = [x for x in err.splitlines() if str(issuing) in x]
    assert line.endswith(_lint_message(tmp_path, issuing.read_bytes()))
