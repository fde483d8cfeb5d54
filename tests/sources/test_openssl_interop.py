"""What the ``openssl`` command line actually writes, read back: the files administrators have."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from certready.adapters.inputs import load_file
from certready.core.errors import PasswordError
from tests.pki import Issued, TestCA
from tests.rules.openssl_pki import needs_openssl

pytestmark = needs_openssl


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def test_ecparam_genkey_output_is_a_key_without_remarks(tmp_path: Path) -> None:
    """``openssl ecparam -genkey`` writes an EC PARAMETERS block before the SEC1 key."""
    path = tmp_path / "ec.key"
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", str(path))
    assert path.read_bytes().startswith(b"-----BEGIN EC PARAMETERS-----")
    bundle = load_file(path)
    assert bundle.format == "key" and len(bundle.keys) == 1 and bundle.notes == ()


ENCRYPTED_KEY_COMMANDS = {
    # OpenSSL 3 writes PKCS#8 ENCRYPTED PRIVATE KEY for both
    "genrsa-aes256": ["genrsa", "-aes256", "-passout", "pass:pw", "-out", "{out}", "2048"],
    "genpkey-p384": ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
                     "-aes-128-cbc", "-pass", "pass:pw", "-out", "{out}"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ENCRYPTED_KEY_COMMANDS))
def test_encrypted_keys_from_openssl(tmp_path: Path, name: str) -> None:
    path = tmp_path / "enc.key"
    openssl(*(a.format(out=path) for a in ENCRYPTED_KEY_COMMANDS[name]))
    assert load_file(path, lambda _s: b"pw").keys
    with pytest.raises(PasswordError):
        load_file(path, lambda _s: b"not-pw")


def test_traditional_des3_rsa_key(tmp_path: Path) -> None:
    """``-traditional``: the ``Proc-Type: 4,ENCRYPTED`` / ``DEK-Info: DES-EDE3-CBC`` form."""
    plain, path = tmp_path / "plain.key", tmp_path / "trad.key"
    openssl("genrsa", "-out", str(plain), "2048")
    openssl("rsa", "-in", str(plain), "-des3", "-traditional", "-passout", "pass:pw",
            "-out", str(path))  # fmt: skip
    assert b"DEK-Info: DES-EDE3-CBC" in path.read_bytes()
    assert load_file(path, lambda _s: b"pw").keys


def test_pkcs12_export_with_bag_attributes_text_back_to_pem(
    tmp_path: Path, ca: TestCA, leaf: Issued
) -> None:
    """``openssl pkcs12 -nodes`` output: "Bag Attributes" text around every PEM block."""
    pem = tmp_path / "in.pem"
    pem.write_bytes(ca.chain_pem(leaf) + leaf.key_pem())
    pfx, back = tmp_path / "app.pfx", tmp_path / "back.pem"
    openssl("pkcs12", "-export", "-in", str(pem), "-passout", "pass:pw", "-name", "app",
            "-out", str(pfx))  # fmt: skip
    openssl("pkcs12", "-in", str(pfx), "-passin", "pass:pw", "-nodes", "-out", str(back))
    assert b"Bag Attributes" in back.read_bytes()
    bundle = load_file(back)
    assert bundle.certificates[0].certificate == leaf.cert
    assert len(bundle.keys) == 1 and bundle.notes == ()
    from_pfx = load_file(pfx, lambda _s: b"pw")
    assert from_pfx.certificates[0].friendly_name == "app"
    assert [n.split(":")[0] for n in from_pfx.notes] == ["PKCS#12 uses AES-256 encryption"]


def test_x509_text_output_with_pem_at_the_end(tmp_path: Path, leaf: Issued) -> None:
    src, path = tmp_path / "in.pem", tmp_path / "text.pem"
    src.write_bytes(leaf.cert_pem())
    openssl("x509", "-in", str(src), "-text", "-out", str(path))
    assert path.read_bytes().startswith(b"Certificate:")
    assert load_file(path).certificates[0].certificate == leaf.cert


def test_der_outputs(tmp_path: Path, leaf: Issued) -> None:
    key_pem, cert_pem = tmp_path / "k.pem", tmp_path / "c.pem"
    key_pem.write_bytes(leaf.key_pem())
    cert_pem.write_bytes(leaf.cert_pem())
    key_der, cert_der = tmp_path / "k.der", tmp_path / "c.der"
    openssl("pkey", "-in", str(key_pem), "-outform", "DER", "-out", str(key_der))
    openssl("x509", "-in", str(cert_pem), "-outform", "DER", "-out", str(cert_der))
    assert load_file(key_der).format == "key"
    assert load_file(cert_der).certificates[0].certificate == leaf.cert
