"""A library's warning about an input is one note line, never Python's raw print (issue 14).

cryptography warns (``UserWarning``) on a CN longer than X.509's 64 characters and on a PKCS#12
that is BER rather than DER; with ``--debug`` the raw warning, with file and line, stays visible.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests import der
from tests.cli import run

PLACEHOLDER = "P" * 64


def _certificate(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed certificate whose CN may exceed 64 characters (built at 64, then patched
    and re-signed: cryptography refuses to build it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PLACEHOLDER)])
    now = dt.datetime.now(dt.UTC)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("app.example.test")]), False)
        .sign(key, hashes.SHA256())
    )
    [(_, parts)] = der.parse(built.public_bytes(serialization.Encoding.DER))
    assert isinstance(parts, list)
    tbs, algorithm, _ = parts
    tbs_der = der.encode(der.replace([tbs], PLACEHOLDER.encode(), common_name.encode()))
    signature = key.sign(tbs_der, ec.ECDSA(hashes.SHA256()))
    certificate = der.encode([(0x30, [*der.parse(tbs_der), algorithm, (0x03, b"\0" + signature)])])
    return x509.load_der_x509_certificate(certificate), key


@pytest.mark.parametrize("command", ["lint", "show"])
def test_a_100_character_cn_is_a_note_not_a_user_warning(tmp_path: Path, command: str) -> None:
    cert, _ = _certificate("a" * 100)
    path = tmp_path / "long-cn.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _, out, err = run(command, str(path))
    assert "UserWarning" not in err and "warnings.warn" not in err
    notes = [line for line in err.splitlines() if "<= 64" in line]
    assert len(notes) == 1 and notes[0].startswith("certready: note: ")
    assert "long-cn.pem" in out or "app.example.test" in out  # the certificate is still judged
    # --debug: the raw warning, with where it came from, for whoever investigates
    _, _, debug_err = run(command, str(path), "--debug")
    assert "UserWarning" in debug_err


def test_control_a_64_character_cn_gives_no_note(tmp_path: Path) -> None:
    cert, _ = _certificate("a" * 64)
    path = tmp_path / "cn64.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _, _, err = run("lint", str(path))
    assert "note:" not in err and "Warning" not in err


def test_a_ber_pkcs12_is_a_note_not_a_user_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _certificate("app.example.test")
    pfx = pkcs12.serialize_key_and_certificates(
        b"app", key, cert, None, serialization.BestAvailableEncryption(b"secret")
    )
    monkeypatch.setenv("CERTREADY_TEST_PFX", "secret")
    ber = tmp_path / "ber.pfx"
    ber.write_bytes(der.indefinite(pfx))
    _, out, err = run("lint", str(ber), "--password-env", "CERTREADY_TEST_PFX")
    assert "UserWarning" not in err
    assert next(line for line in err.splitlines() if "BER" in line).startswith("certready: note:")
    assert "app.example.test" in out or "ber.pfx" in out
    control = tmp_path / "der.pfx"
    control.write_bytes(pfx)
    _, _, err = run("lint", str(control), "--password-env", "CERTREADY_TEST_PFX")
    notes = [line for line in err.splitlines() if "note:" in line]
    assert "BER" not in err
    assert all("AES-256 encryption" in line for line in notes)  # (which Windows imports it)
