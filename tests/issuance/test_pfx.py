"""``certready pfx``: PEM certificate + key + intermediates -> a PFX Windows (and OpenSSL) opens."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs7,
    pkcs12,
)

from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import TestCA

HOST = "hcappserver.sunrise.example"
PASSWORD = "pfx-Secret-1"


@pytest.fixture
def pem_files(tmp_path: Path, ca: TestCA) -> tuple[Path, Path, Path, Path]:
    leaf = ca.issue(HOST)
    cert, key = tmp_path / "app.pem", tmp_path / "app.key"
    cert.write_bytes(leaf.cert_pem())
    key.write_bytes(leaf.key_pem())
    chain = tmp_path / "issuing.pem"
    chain.write_bytes(ca.intermediate.cert_pem() + ca.root.cert_pem())
    root = tmp_path / "root.pem"
    root.write_bytes(ca.root.cert_pem())
    return cert, key, chain, root


def _openssl_info(pfx: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", "pkcs12", "-info", "-in", str(pfx), "-noout", "-passin", f"pass:{PASSWORD}",
         *extra],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("legacy", [False, True])
def test_pfx_opens_with_openssl_and_lints_ready(
    tmp_path: Path,
    pem_files: tuple[Path, Path, Path, Path],
    ca: TestCA,
    legacy: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key, chain, root = pem_files
    monkeypatch.setenv("PFX_PASS", PASSWORD)
    out = tmp_path / "app.pfx"
    args = ["pfx", str(cert), str(key), str(chain), "--out", str(out), "--password-env", "PFX_PASS"]
    status, stdout, err = run(*args, *(["--legacy"] if legacy else []))
    assert status == ExitStatus.OK, err
    assert out.stat().st_mode & 0o777 == 0o600
    assert PASSWORD not in stdout + err and "left out the root" in stdout
    info = _openssl_info(out)
    if legacy and info.returncode != 0:  # OpenSSL 3 needs the legacy provider for 3DES
        info = _openssl_info(out, "-legacy")
    assert info.returncode == 0, info.stderr
    algorithms = info.stderr + info.stdout
    if legacy:
        assert "pbeWithSHA1And3-KeyTripleDES-CBC" in algorithms and "sha1" in algorithms
    else:
        assert "AES-256-CBC" in algorithms and "sha256" in algorithms
    key_obj, leaf, extra = pkcs12.load_key_and_certificates(out.read_bytes(), PASSWORD.encode())
    assert key_obj is not None and leaf is not None
    assert extra == [ca.intermediate.cert]  # the root stays out without --include-root
    status, text, err = run(
        "lint", str(out), "-H", HOST, "--password-env", "PFX_PASS", "--trust", str(root)
    )
    assert status == ExitStatus.OK, text + err
    assert "READY" in text
    # negative control: the same PFX against another CA's root is not ready
    other = TestCA(name="other")
    status, _, _ = run(
        "lint", str(out), "-H", HOST, "--password-env", "PFX_PASS",
        "--trust", str(other.root_file(tmp_path)),
    )  # fmt: skip
    assert status != ExitStatus.OK


def test_include_root_and_key_in_the_certificate_file(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaf = ca.issue(HOST)
    both = tmp_path / "app.pem"
    both.write_bytes(ca.chain_pem(leaf, with_root=True) + leaf.key_pem())
    monkeypatch.setenv("PFX_PASS", PASSWORD)
    out = tmp_path / "app.pfx"
    status, _, err = run("pfx", str(both), str(both), "--out", str(out),
                         "--password-env", "PFX_PASS", "--include-root")  # fmt: skip
    assert status == ExitStatus.OK, err
    _, cert, extra = pkcs12.load_key_and_certificates(out.read_bytes(), PASSWORD.encode())
    assert cert == leaf.cert and extra == [ca.intermediate.cert, ca.root.cert]


def test_mismatched_key_no_password_source_and_existing_file_exit_2(
    tmp_path: Path, pem_files: tuple[Path, Path, Path, Path], ca: TestCA,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    cert, key, chain, _ = pem_files
    other = ca.issue(HOST)
    wrong = tmp_path / "other.key"
    wrong.write_bytes(other.key_pem())
    out = tmp_path / "app.pfx"
    monkeypatch.setenv("PFX_PASS", PASSWORD)
    status, _, err = run(
        "pfx", str(cert), str(wrong), "--out", str(out), "--password-env", "PFX_PASS"
    )
    assert status == ExitStatus.USAGE and "does not belong" in err and not out.exists()
    # no password source and no terminal (pytest's stdin is not one)
    status, _, err = run("pfx", str(cert), str(key), "--out", str(out))
    assert status == ExitStatus.USAGE and "--password-env" in err and not out.exists()
    # written once; a second time only with --force
    ok = ["pfx", str(cert), str(key), str(chain), "--out", str(out), "--password-env", "PFX_PASS"]
    assert run(*ok)[0] == ExitStatus.OK
    before = out.read_bytes()
    status, _, err = run(*ok)
    assert status == ExitStatus.USAGE and "--force" in err and out.read_bytes() == before
    assert run(*ok, "--force")[0] == ExitStatus.OK and out.read_bytes() != before


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symbolic_link_is_replaced_with_force_never_written_through(
    tmp_path: Path, pem_files: tuple[Path, Path, Path, Path], monkeypatch: pytest.MonkeyPatch,
    dangling: bool,
) -> None:  # fmt: skip
    """As every other writer (adapters/writes.py): without --force an existing name, a link
    too, is refused naming it; --force replaces the link itself, never its target."""
    cert, key, chain, _ = pem_files
    monkeypatch.setenv("PFX_PASS", PASSWORD)
    target = tmp_path / "elsewhere"
    if not dangling:
        target.write_text("keep")
    link = tmp_path / "link.pfx"
    link.symlink_to(target)
    ok = ["pfx", str(cert), str(key), str(chain), "--out", str(link), "--password-env", "PFX_PASS"]
    status, _, err = run(*ok)
    assert status == ExitStatus.USAGE and str(link) in err and "--force" in err
    assert link.is_symlink()
    status, _, err = run(*ok, "--force")
    assert status == ExitStatus.OK, err
    assert not link.is_symlink() and link.stat().st_mode & 0o777 == 0o600
    key_obj, leaf, _ = pkcs12.load_key_and_certificates(link.read_bytes(), PASSWORD.encode())
    assert key_obj is not None and leaf is not None
    # the link's target is untouched (or still absent)
    assert target.read_text() == "keep" if not dangling else not target.exists()


def test_encrypted_key_needs_its_password(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaf = ca.issue(HOST)
    cert, key = tmp_path / "app.pem", tmp_path / "app.key"
    cert.write_bytes(leaf.cert_pem())
    key.write_bytes(leaf.key_pem(b"key-pass"))
    monkeypatch.setenv("PFX_PASS", PASSWORD)
    out = tmp_path / "app.pfx"
    base = ["pfx", str(cert), str(key), "--out", str(out), "--password-env", "PFX_PASS"]
    status, _, err = run(*base)
    assert status == ExitStatus.USAGE and "Traceback" not in err
    assert "the private key is encrypted: give it with --key-password-env VAR" in err
    monkeypatch.setenv("KEY_PASS", "key-pass")
    status, _, err = run(*base, "--key-password-env", "KEY_PASS")
    assert status == ExitStatus.OK, err


def test_windows_files_der_cer_der_key_and_p7b_chain(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a Windows CA hands out: the certificate as DER .cer, the CA chain as .p7b; the key
    exported as DER: read like every other input."""
    leaf = ca.issue(HOST)
    cer, key, p7b = tmp_path / "app.cer", tmp_path / "app.key", tmp_path / "chain.p7b"
    cer.write_bytes(leaf.cert.public_bytes(Encoding.DER))
    key.write_bytes(leaf.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    p7b.write_bytes(
        pkcs7.serialize_certificates([ca.root.cert, ca.intermediate.cert], Encoding.DER)
    )
    monkeypatch.setenv("PFX_PASS", PASSWORD)
    out = tmp_path / "app.pfx"
    status, stdout, err = run(
        "pfx", str(cer), str(key), str(p7b), "--out", str(out), "--password-env", "PFX_PASS"
    )
    assert status == ExitStatus.OK, err
    assert "1 intermediate(s)" in stdout and "left out the root" in stdout
    _, got, extra = pkcs12.load_key_and_certificates(out.read_bytes(), PASSWORD.encode())
    assert got == leaf.cert and extra == [ca.intermediate.cert]
    # control: a DER key of another certificate is refused, naming both files
    other = ca.issue("other.example.test")
    key.write_bytes(other.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    status, _, err = run(
        "pfx", str(cer), str(key), str(p7b), "--out", str(tmp_path / "x.pfx"),
        "--password-env", "PFX_PASS",
    )  # fmt: skip
    assert status == ExitStatus.USAGE and f"the key {key} does not belong" in err


def test_an_aes_pfx_is_rebuilt_legacy_for_server_2016(
    tmp_path: Path, pem_files: tuple[Path, Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key, chain, _ = pem_files
    monkeypatch.setenv("OLD_PASS", "old-Secret-1")
    monkeypatch.setenv("PFX_PASS", PASSWORD)
    aes = tmp_path / "aes.pfx"
    status, _, err = run(
        "pfx", str(cert), str(key), str(chain), "--out", str(aes), "--password-env", "OLD_PASS"
    )
    assert status == ExitStatus.OK, err
    legacy = tmp_path / "legacy.pfx"
    rebuild = ["pfx", str(aes), str(aes), "--legacy", "--out", str(legacy)]
    # without the input PFX's password: one line naming the options that give it
    status, _, err = run(*rebuild, "--password-env", "PFX_PASS")
    assert status == ExitStatus.USAGE and not legacy.exists()
    assert "needs a password: give it with --key-password-env VAR" in err and "Traceback" not in err
    status, stdout, err = run(
        *rebuild, "--password-env", "PFX_PASS", "--key-password-env", "OLD_PASS"
    )
    assert status == ExitStatus.OK, err
    assert "3DES, SHA-1 MAC" in stdout and "1 intermediate(s)" in stdout
    key_obj, leaf, extra = pkcs12.load_key_and_certificates(legacy.read_bytes(), PASSWORD.encode())
    assert key_obj is not None and leaf is not None and len(extra) == 1
    assert "old-Secret-1" not in stdout + err and PASSWORD not in stdout + err
    # control: the wrong password for the input PFX is refused
    monkeypatch.setenv("OLD_PASS", "wrong")
    status, _, err = run(
        *rebuild, "--force", "--password-env", "PFX_PASS", "--key-password-env", "OLD_PASS"
    )
    assert status == ExitStatus.USAGE and "wrong password for the PKCS#12 file" in err
