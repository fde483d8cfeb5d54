"""`lint` judges a certificate signing request before it goes to the CA (issue 12): its key, its
signature and the subjectAltName, Key Usage and EKU it asks for, against the profile; the IIS
"Create Certificate Request" wizard's request (no SAN) is told that the CA must add the SAN."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certready.adapters.inputs import load_bytes
from certready.core.errors import InputError
from certready.core.facts import request_facts
from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import key_usage, new_key

APP = "hcappserver.example.test"


def make_request(
    *names: str,
    cn: str | None = APP,
    key_kind: str = "rsa2048",
    ku: x509.KeyUsage | None = None,
    eku: list[x509.ObjectIdentifier] | None = None,
    ca: bool = False,
) -> tuple[x509.CertificateSigningRequest, object]:
    key = new_key(key_kind)
    subject = [x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(subject))
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    is_ec = isinstance(key, ec.EllipticCurvePrivateKey)
    builder = builder.add_extension(
        ku or key_usage(digital_signature=True, key_encipherment=not is_ec), critical=True
    )
    builder = builder.add_extension(
        x509.ExtendedKeyUsage(
            eku or [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        ),
        critical=False,
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    return builder.sign(key, hashes.SHA256()), key  # type: ignore[arg-type]


def iis_request(path: Path) -> Path:
    """What IIS Manager's 'Create Certificate Request' writes: a NEW CERTIFICATE REQUEST block,
    CRLF lines, the FQDN in the CN only, KU a0 and serverAuth, no subjectAltName."""
    csr, _ = make_request(cn=APP, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    body = csr.public_bytes(Encoding.PEM).decode().splitlines()[1:-1]
    text = "\r\n".join(
        ["-----BEGIN NEW CERTIFICATE REQUEST-----", *body, "-----END NEW CERTIFICATE REQUEST-----"]
    )
    path.write_bytes((text + "\r\n").encode("ascii"))
    return path


def _findings(out: str) -> dict[str, dict[str, str]]:
    (target,) = json.loads(out)["targets"]
    return {f["rule_id"]: f for f in target["findings"]}


def test_request_facts_are_what_the_request_asks_for() -> None:
    csr, _ = make_request(APP, "portal.example.test", eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    facts = request_facts(csr)
    assert facts.subject_alt_name is not None
    assert facts.subject_alt_name.dns_names == (APP, "portal.example.test")
    assert facts.key_usage == frozenset({"digital_signature", "key_encipherment"})
    assert facts.extended_key_usage == ("1.3.6.1.5.5.7.3.1",)
    assert facts.public_key.key_type == "rsa" and facts.public_key.size_bits == 2048
    assert facts.signature_hash == "sha256" and facts.common_names == (APP,)
    assert facts.issuer == "" and not facts.self_signed  # a request has no issuer yet


def test_a_good_request_passes_and_its_key_is_paired(tmp_path: Path) -> None:
    csr, key = make_request(APP)
    path = tmp_path / "app.csr"
    path.write_bytes(csr.public_bytes(Encoding.PEM))
    status, out, err = run("lint", str(path), "--host", APP, "--format", "json")
    assert status == ExitStatus.OK, err
    assert _findings(out) == {}
    (target,) = json.loads(out)["targets"]
    assert target["target"] == f"{path} (certificate request)"
    assert target["location"] == f"file:{path}#req0"
    # its key beside it belongs to it: not "a private key alone"
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    key_file = tmp_path / "app.key"
    key_file.write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())  # type: ignore[attr-defined]
    )
    status, out, err = run("lint", str(path), str(key_file), "--host", APP, "--format", "json")
    assert status == ExitStatus.OK, err
    assert len(json.loads(out)["targets"]) == 1
    # DER is read too (`certreq` writes base64, OpenSSL -outform DER binary)
    der = tmp_path / "app.req"
    der.write_bytes(csr.public_bytes(Encoding.DER))
    status, out, _ = run("lint", str(der), "--host", APP, "--format", "json")
    assert status == ExitStatus.OK and _findings(out) == {}


def test_the_iis_wizard_request_is_told_the_ca_must_add_the_san(tmp_path: Path) -> None:
    path = iis_request(tmp_path / "certreq.txt")
    status, out, err = run("lint", str(path), "--host", APP, "--format", "json")
    assert status == ExitStatus.FINDINGS, err
    found = _findings(out)
    san = found["names.san-missing"]
    assert san["severity"] == "error"
    assert "the request asks for no subjectAltName (only the CN hcappserver" in san["message"]
    assert "The CA must add the subjectAltName" in san["remediation"]
    assert "IIS's 'Create Certificate Request' wizard" in san["remediation"]
    assert f"`certready csr --host {APP}`" in san["remediation"]
    # its clientAuth is missing too (homecare), and that fix speaks of the request
    assert "usage.eku-client-auth" in found
    assert "certificate template" in found["usage.eku-client-auth"]["remediation"]
    # control: the same request with the SAN has no names finding
    csr, _ = make_request(APP, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    good = tmp_path / "with-san.csr"
    good.write_bytes(csr.public_bytes(Encoding.PEM))
    status, out, _ = run("lint", str(good), "--host", APP, "--format", "json")
    assert not [r for r in _findings(out) if r.startswith("names.")]


def test_key_usage_and_names_are_checked_against_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "bad.csr"
    csr, _ = make_request(
        "other.example.test",
        key_kind="rsa1024",
        ku=key_usage(key_encipherment=False),  # not a0
        eku=[ExtendedKeyUsageOID.CLIENT_AUTH],  # no serverAuth
    )
    path.write_bytes(csr.public_bytes(Encoding.PEM))
    status, out, _ = run("lint", str(path), "--host", APP, "--format", "json")
    found = _findings(out)
    assert status == ExitStatus.FINDINGS
    for rule_id in (
        "key.rsa-size",
        "names.host-not-covered",
        "usage.key-usage-rsa",
        "usage.eku-server-auth",
    ):
        assert rule_id in found, rule_id
    ca_request = tmp_path / "ca.csr"
    ca_request.write_bytes(make_request(APP, ca=True)[0].public_bytes(Encoding.PEM))
    _, out, _ = run("lint", str(ca_request), "--host", APP, "--format", "json")
    assert "usage.leaf-is-ca" in _findings(out)  # a request for a CA certificate
    # rules that need dates, an issuer, a chain or the key never run on a request
    assert not [r for r in found if r.split(".")[0] in ("validity", "chain", "tls")]
    assert "key.private-key-missing" not in found
    # control: webpki drops clientAuth and keeps the rest
    status, out, _ = run("lint", str(path), "--host", APP, "--profile", "webpki", "-f", "json")
    assert "key.rsa-size" in _findings(out) and "usage.eku-client-auth" not in _findings(out)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
def test_a_sha1_signed_request_is_a_weak_signature(tmp_path: Path) -> None:
    key, weak, good = tmp_path / "k.pem", tmp_path / "sha1.csr", tmp_path / "sha256.csr"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    san = f"subjectAltName=DNS:{APP}"
    for digest, out in (("-sha1", weak), ("-sha256", good)):
        subprocess.run(
            ["openssl", "req", "-new", digest, "-key", str(key), "-subj", f"/CN={APP}",
             "-addext", san, "-out", str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
    _, out, _ = run("lint", str(weak), "--host", APP, "--format", "json")
    assert "signature.weak-hash" in _findings(out)
    _, out, _ = run("lint", str(good), "--host", APP, "--format", "json")
    assert "signature.weak-hash" not in _findings(out)  # control


def test_a_request_whose_signature_does_not_verify_is_an_input_error(tmp_path: Path) -> None:
    csr, _ = make_request(APP)
    der = bytearray(csr.public_bytes(Encoding.DER))
    der[-5] ^= 0xFF  # inside the signature
    with pytest.raises(InputError, match="signature does not verify"):
        load_bytes(bytes(der), "edited.csr")
    path = tmp_path / "edited.csr"
    path.write_bytes(bytes(der))
    status, _, err = run("lint", str(path))
    assert status == ExitStatus.USAGE and "signature does not verify" in err
    assert "Traceback" not in err


def test_show_prints_what_a_request_asks_for_and_what_the_profile_says(tmp_path: Path) -> None:
    path = iis_request(tmp_path / "certreq.txt")
    status, out, err = run("show", str(path))
    assert status == ExitStatus.OK, err
    assert "certificate request (PKCS#10), 1 request" in out
    assert "none — the CA must add it, or make the request with `certready csr`" in out
    assert "Digital Signature, Key Encipherment (a0)" in out
    assert "Validity" not in out and "Issuer" not in out  # the CA sets those
    assert "error names.san-missing" in out
    status, out, _ = run("show", str(path), "--format", "json")
    (item,) = json.loads(out)
    (request,) = item["requests"]
    assert item["format"] == "csr" and request["names"] == []
    assert [f["rule_id"] for f in request["findings"]] == [
        "names.san-missing",
        "usage.eku-client-auth",
    ]  # (and not "the CN is not in the SAN": there is no SAN at all)
    # control: a request with its SAN and both EKUs meets the profile
    csr, _ = make_request(APP)
    good = tmp_path / "good.csr"
    good.write_bytes(csr.public_bytes(Encoding.PEM))
    status, out, _ = run("show", str(good))
    assert status == ExitStatus.OK and f"DNS:{APP}" in out
    assert "what it asks for meets the profile" in out


def test_a_manifest_naming_a_request_instead_of_its_certificate(tmp_path: Path) -> None:
    from tests.audit.lab import make_lab
    from tests.pki import TestCA

    lab = make_lab(tmp_path, TestCA())
    csr, _ = make_request(APP)
    (tmp_path / "certs" / "app.csr").write_bytes(csr.public_bytes(Encoding.PEM))
    text = lab.manifest.read_text()
    lab.manifest.write_text(text.replace("certs/app.pem", "certs/app.csr"))
    status, _, err = run("audit", str(lab.manifest))
    assert status == ExitStatus.USAGE
    assert "holds a certificate request, not the certificate: submit it to the CA" in err
    # control: the key file alone still says what it holds
    lab.manifest.write_text(text.replace("certs/app.pem", "certs/app.key"))
    (tmp_path / "certs" / "app.key").write_bytes(new_key_pem())
    _, _, err = run("audit", str(lab.manifest))
    assert "holds a private key but no certificate" in err


def new_key_pem() -> bytes:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    key = new_key("rsa2048")
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())  # type: ignore[union-attr]
