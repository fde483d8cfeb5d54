"""``certready show``: every fact, in the administrator's words, and nothing secret."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)

from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import NOW, TestCA, _name, build, key_usage, new_key
from tests.rules.openssl_pki import needs_openssl

SECRET = "correct horse battery staple"


def show(path: Path, *args: str) -> str:
    status, out, err = run("show", str(path), *args)
    assert status == ExitStatus.OK, err
    return out


def test_pfx_friendly_name_key_and_counts(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaf = ca.issue("hcappserver.example.test")
    path = tmp_path / "app.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"HC App Server 2026", leaf.key, leaf.cert, [ca.intermediate.cert],
            BestAvailableEncryption(SECRET.encode()),
        )
    )  # fmt: skip
    monkeypatch.setenv("PFX_PW", SECRET)
    status, out, err = run("show", str(path), "--password-env", "PFX_PW")
    assert status == ExitStatus.OK
    assert f"{path} — PKCS#12, 2 certificates, 1 private key" in out
    assert "private key: RSA 2048 — matches the leaf certificate (#0)" in out
    assert "Friendly name      HC App Server 2026" in out
    assert SECRET not in out + err


def test_every_fact_in_windows_words(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue("hcappserver.example.test", "10.0.0.5")
    path = tmp_path / "app.pem"
    path.write_bytes(leaf.cert_pem())
    out = show(path)
    f = leaf.cert
    assert "Names (SAN)        DNS:hcappserver.example.test, IP:10.0.0.5" in out
    assert "Key Usage          Digital Signature, Key Encipherment (a0)" in out
    assert (
        "Server Authentication (1.3.6.1.5.5.7.3.1), Client Authentication (1.3.6.1.5.5.7.3.2)"
        in out
    )
    assert "Basic Constraints  end entity  (critical)" in out
    assert "Key                RSA 2048 (e=65537)" in out
    assert "Signature          sha256WithRSAEncryption (sha256)" in out
    assert f.fingerprint(__import__("cryptography").hazmat.primitives.hashes.SHA1()).hex() in out
    assert "Public key SHA-256 " in out and "Version            X.509 v3" in out
    assert "Subject Key ID" in out and "Authority Key ID" in out
    assert "Self-signed" not in out  # negative control for the self-signed row below


def test_ec_key_and_ku_80(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue("mobile.example.test", key_kind="p256")
    path = tmp_path / "ec.pem"
    path.write_bytes(leaf.cert_pem())
    out = show(path)
    assert "Key                EC P-256 (secp256r1)" in out
    assert "Key Usage          Digital Signature (80)" in out


def test_fingerprint_hex_is_never_turned_into_emoji(tmp_path: Path, ca: TestCA) -> None:
    """rich reads ``:cd:`` as an emoji code: a serial ``AF:CD:C2`` must print as hex."""
    key = new_key("rsa2048")
    cert = build(
        subject=_name("emoji.example.test"),
        issuer=ca.intermediate.cert.subject,
        public_key=key.public_key(),
        signing_key=ca.intermediate.key,
        ca=False,
        key_usage=key_usage(),
        serial=0xAFCDC21DAB,
    )
    path = tmp_path / "emoji.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    out = show(path)
    assert "Serial             AF:CD:C2:1D:AB" in out
    assert "\N{OPTICAL DISC}" not in out and "\N{NEGATIVE SQUARED AB}" not in out


def test_self_signed_and_ca_without_san(tmp_path: Path, ca: TestCA) -> None:
    path = tmp_path / "root.pem"
    path.write_bytes(ca.root.cert_pem())
    out = show(path)
    assert "Self-signed        yes" in out
    assert "Names (SAN)        (none; a CA certificate needs none)" in out
    leaf_no_san = ca.issue("nosan.example.test", sans=[])
    path.write_bytes(leaf_no_san.cert_pem())
    out = show(path)
    assert "clients that ignore the CN will reject it" in out


@pytest.mark.parametrize(
    ("not_before", "not_after", "expected"),
    [
        (NOW - dt.timedelta(days=100), NOW + dt.timedelta(days=5, hours=1), "5 days left"),
        (NOW - dt.timedelta(days=100), NOW - dt.timedelta(days=3, hours=1), "expired 3 days ago"),
        (NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=90), "not yet valid"),
        (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=200, hours=1), "200 days left"),
    ],
)
def test_validity_states(
    tmp_path: Path, ca: TestCA, not_before: dt.datetime, not_after: dt.datetime, expected: str
) -> None:
    leaf = ca.issue("v.example.test", not_before=not_before, not_after=not_after)
    path = tmp_path / "v.pem"
    path.write_bytes(leaf.cert_pem())
    assert expected in show(path)


def test_key_alone_is_described_never_printed(tmp_path: Path) -> None:
    key = new_key("p384")
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path = tmp_path / "lonely.key"
    path.write_bytes(pem)
    status, out, err = run("show", str(path))
    assert status == ExitStatus.OK, err
    assert f"{path} — key, 0 certificates, 1 private key" in out
    assert "private key: EC P-384 — belongs to none of the certificates given" in out
    body = b"".join(pem.splitlines()[1:-1]).decode()
    for chunk in (body[i : i + 16] for i in range(0, len(body) - 16, 16)):
        assert chunk not in out + err
    _, json_out, _ = run("show", str(path), "-f", "json")
    assert json.loads(json_out)[0]["private_keys"] == ["EC P-384"]
    assert "PRIVATE" not in json_out


def test_mismatched_key_is_flagged(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue("a.example.test")
    other = new_key("rsa2048", fresh=True)
    path = tmp_path / "mixed.pem"
    path.write_bytes(
        leaf.cert_pem() + other.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    assert "does NOT belong to any certificate in this file" in show(path)


def test_json_carries_notes_and_friendly_names(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue("a.example.test")
    path = tmp_path / "open.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(b"app", leaf.key, leaf.cert, None, NoEncryption())
    )
    status, out, err = run("show", str(path), "--format", "json")
    assert status == ExitStatus.OK
    (item,) = json.loads(out)
    assert item["format"] == "pkcs12" and item["friendly_names"] == ["app"]
    assert item["notes"] == ["the private key in this PKCS#12 file is not encrypted"]
    assert f"certready: note: {path}: the private key in this PKCS#12 file is not encrypted" in err


def test_stdin_is_named_standard_input(ca: TestCA) -> None:
    status, out, _ = run("show", "-", stdin=ca.intermediate.cert.public_bytes(Encoding.DER))
    assert status == ExitStatus.OK
    assert "standard input — DER, 1 certificate" in out and "stdin:#0" in out


def test_bad_input_among_good_ones(tmp_path: Path, ca: TestCA) -> None:
    good = tmp_path / "good.pem"
    good.write_bytes(ca.issue("a.example.test").cert_pem())
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIB\n")
    status, out, err = run("show", str(bad), str(good))
    assert status == ExitStatus.USAGE
    assert f"{bad}: line 1: truncated PEM" in err and err.count("\n") == 1
    assert "a.example.test" in out


@needs_openssl
def test_cryptography_deprecation_warnings_stay_off_the_terminal(tmp_path: Path) -> None:
    """A serial number <= 0 (RFC 5280 §4.1.2.2 forbids it) makes cryptography warn on stderr."""
    cert = tmp_path / "neg.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
         str(tmp_path / "neg.key"), "-subj", "/CN=neg.example.test", "-set_serial", "-5",
         "-days", "30", "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    import warnings

    for command in ("show", "lint"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, out, err = run(command, str(cert))
        assert [str(w.message) for w in caught] == []
        assert "Warning" not in err and "neg.example.test" in out
    # negative control: --debug shows the warning, on the command's stderr, to whoever investigates
    _, _, err = run("show", str(cert), "--debug")
    assert "CryptographyDeprecationWarning" in err and "serial number" in err


def test_key_file_names_the_certificate_it_belongs_to(tmp_path: Path, ca: TestCA) -> None:
    cert, key = ca.issue("app.example.test", key_kind="p256").write(tmp_path, "app")
    status, out, _ = run("show", str(cert), str(key))
    assert status == ExitStatus.OK
    assert f"private key: EC P-256 — belongs to file:{cert}#0" in out
    _, json_out, _ = run("show", str(key), str(cert), "-f", "json")
    assert json.loads(json_out)[0]["private_key_owners"] == [f"file:{cert}#0"]


def test_policies_named(tmp_path: Path, ca: TestCA) -> None:
    path = tmp_path / "dv.pem"
    path.write_bytes(ca.issue("dv.example.test", policies=["2.23.140.1.2.1"]).cert_pem())
    assert "Policies           2.23.140.1.2.1 (CA/B Domain Validated)" in show(path)
    path.write_bytes(ca.issue("p.example.test", policies=["1.3.6.1.4.1.99999.1"]).cert_pem())
    assert "Policies           1.3.6.1.4.1.99999.1\n" in show(path)
