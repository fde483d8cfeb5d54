"""Every input format certready reads, detected from the content (never the extension)."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs7,
    pkcs12,
)
from cryptography.x509.oid import NameOID

from certready.adapters.inputs import (
    Bundle,
    chain_order,
    load_bytes,
    load_certificates_file,
    load_file,
    location,
)
from certready.core.errors import InputError
from tests.pki import Issued, TestCA, new_key
from tests.rules.openssl_pki import needs_openssl


def certs(bundle: Bundle) -> list[x509.Certificate]:
    return [c.certificate for c in bundle.certificates]


def test_pem_single_certificate(leaf: Issued) -> None:
    bundle = load_bytes(leaf.cert_pem(), "app.pem")
    assert bundle.format == "pem"
    assert certs(bundle) == [leaf.cert]
    assert str(bundle.certificates[0].location) == "file:app.pem#0"
    assert bundle.keys == () and bundle.notes == ()


def test_pem_chain_keeps_file_order(ca: TestCA, leaf: Issued) -> None:
    bundle = load_bytes(ca.chain_pem(leaf, with_root=True), "chain.pem")
    assert certs(bundle) == [leaf.cert, ca.intermediate.cert, ca.root.cert]
    assert [str(c.location) for c in bundle.certificates] == [
        "file:chain.pem#0",
        "file:chain.pem#1",
        "file:chain.pem#2",
    ]
    # negative control: the reversed file is read reversed (PEM order is the user's order)
    reversed_pem = ca.root.cert_pem() + ca.intermediate.cert_pem() + leaf.cert_pem()
    assert certs(load_bytes(reversed_pem, "r.pem"))[0] == ca.root.cert


def test_pem_certificates_mixed_with_key_and_text(ca: TestCA, leaf: Issued) -> None:
    data = (
        b"Subject: app.example.test\nsome openssl -text output\n"
        + leaf.key_pem()
        + b"\r\n\r\nbag attributes\n"
        + leaf.cert_pem().replace(b"\n", b"\r\n")
        + ca.intermediate.cert_pem()
    )
    bundle = load_bytes(data, "mixed.pem")
    assert bundle.format == "pem"
    assert certs(bundle) == [leaf.cert, ca.intermediate.cert]
    assert len(bundle.keys) == 1 and str(bundle.keys[0].location) == "file:mixed.pem#key0"
    assert bundle.keys[0].key.public_key() == leaf.key.public_key()


@pytest.mark.parametrize("fmt", [PrivateFormat.PKCS8, PrivateFormat.TraditionalOpenSSL])
@pytest.mark.parametrize("kind", ["rsa2048", "p256"])
@pytest.mark.parametrize("encoding", [Encoding.PEM, Encoding.DER])
def test_private_keys_pkcs1_pkcs8_sec1(fmt: PrivateFormat, kind: str, encoding: Encoding) -> None:
    """PKCS#1 (RSA) and SEC1 (EC) are cryptography's TraditionalOpenSSL; PKCS#8 for both."""
    key = new_key(kind)
    data = key.private_bytes(encoding, fmt, NoEncryption())
    bundle = load_bytes(data, "app.key")
    assert bundle.format == "key" and bundle.certificates == ()
    assert bundle.keys[0].key.public_key() == key.public_key()


@pytest.mark.parametrize("encoding", [Encoding.PEM, Encoding.DER])
def test_encrypted_pkcs8_key_with_password(encoding: Encoding) -> None:
    key = new_key("p256")
    data = key.private_bytes(encoding, PrivateFormat.PKCS8, BestAvailableEncryption(b"s3cret"))
    asked: list[str] = []

    def password(source: str) -> bytes:
        asked.append(source)
        return b"s3cret"

    bundle = load_bytes(data, "enc.key", password)
    assert bundle.keys[0].key.public_key() == key.public_key()
    assert asked == ["enc.key"]


def test_unencrypted_key_never_asks_for_a_password() -> None:
    key = new_key("p256")
    data = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())

    def password(source: str) -> bytes:
        raise AssertionError("asked for a password for an unencrypted key")

    assert load_bytes(data, "plain.key", password).keys


def test_traditional_openssl_encrypted_pem_key() -> None:
    """``Proc-Type: 4,ENCRYPTED`` headers inside an ``RSA PRIVATE KEY`` block."""
    key = new_key("rsa2048")
    data = key.private_bytes(
        Encoding.PEM, PrivateFormat.TraditionalOpenSSL, BestAvailableEncryption(b"pw")
    )
    assert b"Proc-Type: 4,ENCRYPTED" in data
    bundle = load_bytes(data, "trad.key", lambda _s: b"pw")
    assert bundle.keys[0].key.public_key() == key.public_key()


def test_der_certificate(leaf: Issued) -> None:
    bundle = load_bytes(leaf.cert.public_bytes(Encoding.DER), "app.cer")
    assert bundle.format == "der" and certs(bundle) == [leaf.cert]


@pytest.mark.parametrize("encoding", [Encoding.DER, Encoding.PEM])
def test_pkcs7_is_put_in_chain_order(ca: TestCA, leaf: Issued, encoding: Encoding) -> None:
    """A .p7b is a SET: certready lists it leaf first, each certificate followed by its issuer."""
    data = pkcs7.serialize_certificates([ca.root.cert, leaf.cert, ca.intermediate.cert], encoding)
    bundle = load_bytes(data, "chain.p7b")
    assert bundle.format == "pkcs7"
    assert certs(bundle) == [leaf.cert, ca.intermediate.cert, ca.root.cert]
    assert str(bundle.certificates[2].location) == "file:chain.p7b#2"
    assert any("PKCS#7 keeps no order" in n for n in bundle.notes)


def test_pkcs7_single_certificate_has_no_order_note(leaf: Issued) -> None:
    data = pkcs7.serialize_certificates([leaf.cert], Encoding.DER)
    bundle = load_bytes(data, "one.p7b")
    assert certs(bundle) == [leaf.cert]
    assert bundle.notes == ()


def test_chain_order_keeps_unrelated_certificates_after(ca: TestCA, other_ca: TestCA) -> None:
    leaf = ca.issue("a.example.test")
    stray = other_ca.issue("b.example.test").cert
    ordered = chain_order([ca.intermediate.cert, stray, leaf.cert])
    assert ordered[:2] == [leaf.cert, ca.intermediate.cert]
    assert set(ordered) == {leaf.cert, ca.intermediate.cert, stray}


def test_pkcs12_with_password_key_chain_and_friendly_name(ca: TestCA, leaf: Issued) -> None:
    data = pkcs12.serialize_key_and_certificates(
        b"hcappserver", leaf.key, leaf.cert, [ca.intermediate.cert], BestAvailableEncryption(b"pw")
    )
    bundle = load_bytes(data, "certs/app.pfx", lambda _s: b"pw")
    assert bundle.format == "pkcs12"
    assert certs(bundle) == [leaf.cert, ca.intermediate.cert]
    assert str(bundle.certificates[0].location) == "file:certs/app.pfx#0"
    assert bundle.certificates[0].friendly_name == "hcappserver"
    assert bundle.certificates[1].friendly_name is None
    assert bundle.keys[0].key.public_key() == leaf.key.public_key()
    assert str(bundle.keys[0].location) == "file:certs/app.pfx#key0"
    # AES-256 and an encrypted key: only which Windows can import it (issue 12)
    (note,) = bundle.notes
    assert note.startswith("PKCS#12 uses AES-256 encryption: Windows Server 2016 and older cannot")


def test_pkcs12_empty_password_is_tried_first(leaf: Issued) -> None:
    data = pkcs12.serialize_key_and_certificates(None, leaf.key, leaf.cert, None, NoEncryption())

    def password(source: str) -> bytes:
        raise AssertionError("asked although the empty password works")

    bundle = load_bytes(data, "open.pfx", password)
    assert certs(bundle) == [leaf.cert]
    assert "the private key in this PKCS#12 file is not encrypted" in bundle.notes


def test_pkcs12_legacy_3des_is_noted(leaf: Issued) -> None:
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())  # noqa: S303 - the legacy format under test
        .build(b"pw")
    )
    data = pkcs12.serialize_key_and_certificates(b"x", leaf.key, leaf.cert, None, encryption)
    bundle = load_bytes(data, "old.pfx", lambda _s: b"pw")
    assert certs(bundle) == [leaf.cert]
    (note,) = bundle.notes
    assert "legacy 3DES encryption" in note and "Windows Server 2016" in note
    assert "-legacy" not in note  # OpenSSL 3 reads 3DES without its legacy provider


def test_pkcs12_without_key(ca: TestCA) -> None:
    data = pkcs12.serialize_key_and_certificates(
        None, None, None, [ca.intermediate.cert, ca.root.cert], BestAvailableEncryption(b"pw")
    )
    bundle = load_bytes(data, "cas.p12", lambda _s: b"pw")
    assert certs(bundle) == [ca.intermediate.cert, ca.root.cert] and bundle.keys == ()


def test_format_comes_from_content_not_extension(tmp_path: Path, leaf: Issued) -> None:
    misnamed = tmp_path / "app.pfx"  # PEM content under a PKCS#12 name
    misnamed.write_bytes(leaf.cert_pem())
    assert load_file(misnamed).format == "pem"
    der_as_pem = tmp_path / "app.pem"
    der_as_pem.write_bytes(leaf.cert.public_bytes(Encoding.DER))
    assert load_file(der_as_pem).format == "der"


def test_utf16_pem_from_powershell(ca: TestCA, leaf: Issued) -> None:
    data = ca.chain_pem(leaf).decode("ascii").encode("utf-16")
    bundle = load_bytes(data, "ps.pem")
    assert certs(bundle) == [leaf.cert, ca.intermediate.cert]
    assert any("UTF-16" in n for n in bundle.notes)


def test_bare_base64_der(leaf: Issued) -> None:
    data = base64.encodebytes(leaf.cert.public_bytes(Encoding.DER))
    bundle = load_bytes(data, "app.b64")
    assert certs(bundle) == [leaf.cert]
    # negative control: base64 of something that is not DER is still rejected
    with pytest.raises(InputError, match="neither PEM nor DER"):
        load_bytes(base64.encodebytes(b"hello world, not a certificate"), "junk.b64")


def test_trusted_certificate_block_drops_openssl_trust_settings(leaf: Issued) -> None:
    der = leaf.cert.public_bytes(Encoding.DER) + bytes.fromhex("300a06082b06010505070301")
    body = base64.encodebytes(der)
    data = b"-----BEGIN TRUSTED CERTIFICATE-----\n" + body + b"-----END TRUSTED CERTIFICATE-----\n"
    assert certs(load_bytes(data, "trusted.pem")) == [leaf.cert]


def test_csr_blocks_are_read_as_requests(leaf: Issued) -> None:
    """A request is read (lint judges it before it goes to the CA: issue 12), not skipped."""
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app")]))
        .sign(leaf.key, hashes.SHA256())  # type: ignore[arg-type]
    )
    bundle = load_bytes(csr.public_bytes(Encoding.PEM) + leaf.cert_pem(), "with-csr.pem")
    assert certs(bundle) == [leaf.cert]
    assert [r.request for r in bundle.requests] == [csr] and bundle.notes == ()
    assert str(bundle.requests[0].location) == "file:with-csr.pem#req0"
    alone = load_bytes(csr.public_bytes(Encoding.PEM), "app.csr")
    assert alone.format == "csr" and alone.certificates == () and len(alone.requests) == 1
    der = load_bytes(csr.public_bytes(Encoding.DER), "app.csr.der")
    assert der.format == "csr" and [r.request for r in der.requests] == [csr]
    # control: a CRL is still not a certificate, nor a request
    with pytest.raises(InputError, match=r"only: X509 CRL"):
        load_bytes(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", "x.crl")


def test_location_for_stdin() -> None:
    assert str(location("-", 0)) == "stdin:#0"
    assert str(location("certs/app.pfx", 1)) == "file:certs/app.pfx#1"


def test_load_certificates_file(tmp_path: Path, ca: TestCA) -> None:
    path = tmp_path / "chain.p7b"
    path.write_bytes(
        pkcs7.serialize_certificates([ca.root.cert, ca.intermediate.cert], Encoding.PEM)
    )
    assert load_certificates_file(path) == (ca.intermediate.cert, ca.root.cert)
    key_only = tmp_path / "k.pem"
    key_only.write_bytes(
        new_key("p256").private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    with pytest.raises(InputError, match="holds no certificate") as info:
        load_certificates_file(key_only)
    assert info.value.location == str(key_only)


def test_base64_of_pem_as_kubernetes_secrets_hold_it(ca: TestCA, leaf: Issued) -> None:
    data = base64.b64encode(ca.chain_pem(leaf) + leaf.key_pem())
    bundle = load_bytes(data, "tls.crt.b64")
    assert certs(bundle) == [leaf.cert, ca.intermediate.cert] and len(bundle.keys) == 1
    assert any("Kubernetes" in n for n in bundle.notes)


def test_pem_whose_newlines_became_spaces(leaf: Issued) -> None:
    """A PEM pasted into a one-line field (an environment variable, a web form)."""
    pem = leaf.cert_pem().decode()
    header, *body, footer = pem.strip().splitlines()
    flattened = f"{header} {' '.join(body)} {footer}".encode()
    assert certs(load_bytes(flattened, "oneline.pem")) == [leaf.cert]


@needs_openssl
def test_pkcs12_legacy_rc2_from_openssl(tmp_path: Path, ca: TestCA, leaf: Issued) -> None:
    """What ``openssl pkcs12 -export -legacy`` (and Windows Server 2016) writes: RC2-40 + 3DES."""
    pem = tmp_path / "in.pem"
    pem.write_bytes(ca.chain_pem(leaf) + leaf.key_pem())
    out = tmp_path / "rc2.pfx"
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-legacy", "-in", str(pem), "-passout", "pass:pw",
         "-name", "app", "-out", str(out)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    bundle = load_file(out, lambda _s: b"pw")
    assert certs(bundle)[0] == leaf.cert and bundle.certificates[0].friendly_name == "app"
    (note,) = bundle.notes
    assert "legacy 3DES/RC2-40 encryption" in note and "-legacy" in note


@needs_openssl
def test_openssl_crl2pkcs7_ber_reads_without_warning(
    tmp_path: Path, ca: TestCA, leaf: Issued
) -> None:
    """``openssl crl2pkcs7`` writes an unsorted SET (BER, not DER): read silently, leaf first."""
    import warnings

    pem = tmp_path / "chain.pem"
    pem.write_bytes(ca.intermediate.cert_pem() + leaf.cert_pem())
    out = tmp_path / "chain.p7b"
    subprocess.run(
        ["openssl", "crl2pkcs7", "-nocrl", "-certfile", str(pem), "-outform", "DER",
         "-out", str(out)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bundle = load_file(out)
    assert caught == []
    assert certs(bundle) == [leaf.cert, ca.intermediate.cert]
    assert bundle.format == "pkcs7"
