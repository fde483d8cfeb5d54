from __future__ import annotations

import datetime as dt
import stat
import subprocess
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certready.adapters.issuance.csr import load_csr
from certready.adapters.issuance.extensions import LAB_POLICY_OID
from certready.adapters.profiles import load_policy
from certready.core.errors import InputError, UsageError
from certready.core.model import KeyPairing, Role
from certready.interfaces.cli import ExitStatus
from certready.services import lab
from certready.services.csr import CsrOptions, create_csr
from certready.services.lint import LintOptions, lint
from tests.cli import run
from tests.issuance.support import (
    assert_no_secret,
    errors,
    lint_files,
    lint_issued,
    load_chain,
    needs_openssl,
    require_rule,
    verify_chain,
)

HOST = "app.example.com"
PASSWORD = "pfx-Passw0rd"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


E = TypeVar("E", bound=x509.ExtensionType)


def _ext(cert: x509.Certificate, kind: type[E]) -> x509.Extension[E]:
    return cert.extensions.get_extension_for_class(kind)


def test_init_makes_a_marked_root_and_issuing_ca(tmp_path: Path) -> None:
    status, out, err = run("lab", "init", str(tmp_path / "lab"), "--key-type", "p256")
    assert status == ExitStatus.OK, err
    files = lab.open_lab(tmp_path / "lab")
    assert _mode(files.root_key) == 0o600 and _mode(files.issuing_key) == 0o600
    assert _mode(files.directory) == 0o700
    root = x509.load_pem_x509_certificate(files.root_certificate.read_bytes())
    issuing = x509.load_pem_x509_certificate(files.issuing_certificate.read_bytes())
    for cert, path_length, years in ((root, 1, 10), (issuing, 0, 5)):
        bc = _ext(cert, x509.BasicConstraints)
        assert bc.critical and bc.value.ca and bc.value.path_length == path_length
        ku = _ext(cert, x509.KeyUsage)
        assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
        assert not ku.value.digital_signature and not ku.value.key_encipherment
        with pytest.raises(x509.ExtensionNotFound):
            _ext(cert, x509.ExtendedKeyUsage)  # no stray EKUs
        org = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        assert org == "certready lab"
        policies = _ext(cert, x509.CertificatePolicies).value
        assert [p.policy_identifier.dotted_string for p in policies] == [LAB_POLICY_OID]
        lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert abs(lifetime.days - 365.25 * years) < 2
    ski = _ext(root, x509.SubjectKeyIdentifier).value.digest
    assert _ext(issuing, x509.AuthorityKeyIdentifier).value.key_identifier == ski
    issuing.verify_directly_issued_by(root)
    assert load_chain(files.ca_chain) == [issuing, root]
    with pytest.raises(x509.ExtensionNotFound):
        _ext(issuing, x509.CRLDistributionPoints)  # only when asked for
    assert files.root_sha256 in out
    assert_no_secret(out + err)


def test_init_refuses_to_replace_a_lab_without_force(tmp_path: Path) -> None:
    lab.init(tmp_path, key_type="p256")
    before = (tmp_path / "root-ca.key").read_bytes()
    status, _, err = run("lab", "init", str(tmp_path))
    assert status == ExitStatus.USAGE and "--force" in err
    assert (tmp_path / "root-ca.key").read_bytes() == before
    lab.init(tmp_path, key_type="p256", force=True)
    assert (tmp_path / "root-ca.key").read_bytes() != before


def test_crl_distribution_points_when_asked(tmp_path: Path) -> None:
    files = lab.init(tmp_path / "lab", key_type="p256", crl_base_url="http://pki.lab.example/crl/")
    issuing = x509.load_pem_x509_certificate(files.issuing_certificate.read_bytes())
    points = _ext(issuing, x509.CRLDistributionPoints).value
    assert points[0].full_name == [
        x509.UniformResourceIdentifier("http://pki.lab.example/crl/root-ca.crl")
    ]
    issued = lab.issue(tmp_path / "lab", tmp_path / "out", lab.IssueOptions(hosts=(HOST,)))
    leaf = load_chain(issued.certificate)[0]
    assert _ext(leaf, x509.CRLDistributionPoints).value[0].full_name == [
        x509.UniformResourceIdentifier("http://pki.lab.example/crl/issuing-ca.crl")
    ]
    with pytest.raises(UsageError, match="crl-url"):
        lab.init(tmp_path / "lab2", crl_base_url="ldap://x")


def test_clean_issue_passes_homecare_and_validates_against_the_lab_root(
    tmp_path: Path, lab_dir: Path, other_lab_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PFX_PASSWORD", PASSWORD)
    status, out, err = run(
        "lab", "issue", "--lab", str(lab_dir), "--host", HOST, "--host", "mobile.example.com",
        "--out", str(tmp_path), "--password-env", "PFX_PASSWORD",
    )  # fmt: skip
    assert status == ExitStatus.OK, err
    chain, key, pfx = (tmp_path / f"{HOST}.{ext}" for ext in ("chain.pem", "key", "pfx"))
    root = lab_dir / "root-ca.pem"
    assert _mode(key) == 0o600 and _mode(pfx) == 0o600
    report = lint_files(chain, key, [HOST, "mobile.example.com"], trust=root)
    assert errors(report) == []
    assert report.targets[0].private_key is KeyPairing.MATCHES
    status, _, err = run(
        "lint", str(pfx), "-H", HOST, "--password-env", "PFX_PASSWORD", "--trust", str(root)
    )
    assert status == ExitStatus.OK, err
    path = verify_chain(chain, root, "mobile.example.com")
    assert len(path) == 3
    # negative controls: another lab's root, and a name the certificate does not carry
    with pytest.raises(verification.VerificationError):
        verify_chain(chain, other_lab_dir / "root-ca.pem", HOST)
    with pytest.raises(verification.VerificationError):
        verify_chain(chain, root, "portal.example.com")
    leaf = path[0]
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= dt.timedelta(days=825)
    assert_no_secret(out + err, PASSWORD, key.read_text().splitlines()[1])
    (hint,) = [line for line in out.splitlines() if line.startswith("check: ")]
    status, _, err = run(*hint.removeprefix("check: certready ").split())
    assert status == ExitStatus.OK, err  # the command lab issue suggests passes
    status, lint_out, _ = run("lint", str(chain), "-H", HOST)
    assert status == ExitStatus.FINDINGS and "error   chain." in lint_out  # without --trust


def test_leaf_content_rsa_and_ec(tmp_path: Path, lab_dir: Path) -> None:
    for key_type, encipherment in (("rsa2048", True), ("p256", False)):
        issued = lab.issue(
            lab_dir,
            tmp_path / key_type,
            lab.IssueOptions(hosts=(HOST, "10.0.0.5"), key_type=key_type),
        )
        leaf = load_chain(issued.certificate)[0]
        ku = _ext(leaf, x509.KeyUsage)
        assert ku.critical and ku.value.digital_signature
        assert ku.value.key_encipherment is encipherment  # RFC 8813 for EC
        assert list(_ext(leaf, x509.ExtendedKeyUsage).value) == [
            ExtendedKeyUsageOID.SERVER_AUTH,
            ExtendedKeyUsageOID.CLIENT_AUTH,
        ]
        san = _ext(leaf, x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.DNSName) == [HOST]
        assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]
        assert _ext(leaf, x509.BasicConstraints).value.ca is False
        policies = _ext(leaf, x509.CertificatePolicies).value
        assert [p.policy_identifier.dotted_string for p in policies] == [LAB_POLICY_OID]
        key_class = rsa.RSAPublicKey if encipherment else ec.EllipticCurvePublicKey
        assert isinstance(leaf.public_key(), key_class)
        assert issued.pfx is None  # no password given: no PFX


def test_pfx_holds_key_and_full_chain_aes256_by_default(tmp_path: Path, lab_dir: Path) -> None:
    issued = lab.issue(
        lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,), pfx_password=PASSWORD.encode())
    )
    assert issued.pfx is not None
    loaded = pkcs12.load_pkcs12(issued.pfx.read_bytes(), PASSWORD.encode())
    assert loaded.key is not None and loaded.cert is not None
    chain = load_chain(issued.chain)
    assert loaded.cert.certificate == chain[0]
    assert [c.certificate for c in loaded.additional_certs] == chain[1:]
    assert loaded.cert.friendly_name == HOST.encode()
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(issued.pfx.read_bytes(), b"wrong")


@needs_openssl
@pytest.mark.openssl
@pytest.mark.parametrize(
    ("legacy", "expected"),
    [(False, "PBES2, PBKDF2, AES-256-CBC"), (True, "pbeWithSHA1And3-KeyTripleDES-CBC")],
)
def test_pfx_cipher(tmp_path: Path, lab_dir: Path, legacy: bool, expected: str) -> None:
    issued = lab.issue(
        lab_dir,
        tmp_path,
        lab.IssueOptions(hosts=(HOST,), pfx_password=PASSWORD.encode(), legacy_pfx=legacy),
    )
    assert issued.pfx is not None
    shown = subprocess.run(
        ["openssl", "pkcs12", "-info", "-noout", "-in", str(issued.pfx), "-passin", "env:PFX"],
        capture_output=True,
        text=True,
        env={"PFX": PASSWORD, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    text = shown.stdout + shown.stderr
    assert expected in text
    assert ("MAC: sha1" in text) is legacy
    status, _, err = run(
        "lint", str(issued.pfx), "-H", HOST, "--password-file", str(_secret(tmp_path)),
        "--trust", str(issued.lab_root),
    )  # fmt: skip
    assert status == ExitStatus.OK, err  # certready reads both forms back


def _secret(directory: Path) -> Path:
    path = directory / "pfx-password"
    path.write_text(PASSWORD + "\n")
    return path


def test_pfx_password_from_file_and_none_without_a_terminal(tmp_path: Path, lab_dir: Path) -> None:
    secret = tmp_path / "pfx-pass"
    secret.write_text(PASSWORD + "\n")
    status, _, err = run(
        "lab", "issue", "--lab", str(lab_dir), "-H", HOST, "-o", str(tmp_path / "a"),
        "--password-file", str(secret),
    )  # fmt: skip
    assert status == ExitStatus.OK, err
    pkcs12.load_pkcs12((tmp_path / "a" / f"{HOST}.pfx").read_bytes(), PASSWORD.encode())
    status, _, err = run(
        "lab", "issue", "--lab", str(lab_dir), "-H", HOST, "-o", str(tmp_path / "b")
    )
    assert status == ExitStatus.USAGE and "--password-env" in err
    assert not (tmp_path / "b").exists()
    status, _, err = run(
        "lab", "issue", "--lab", str(lab_dir), "-H", HOST, "-o", str(tmp_path / "c"), "--no-pfx"
    )
    assert status == ExitStatus.OK, err
    assert not (tmp_path / "c" / f"{HOST}.pfx").exists()


def test_issue_refuses_overwrite_stdout_and_too_many_days(tmp_path: Path, lab_dir: Path) -> None:
    options = lab.IssueOptions(hosts=(HOST,))
    first = lab.issue(lab_dir, tmp_path, options)
    assert first.key is not None
    before = first.key.read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        lab.issue(lab_dir, tmp_path, options)
    assert first.key.read_bytes() == before
    again = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,), force=True))
    assert again.key is not None and again.key.read_bytes() != before
    status, out, err = run(
        "lab", "issue", "--lab", str(lab_dir), "-H", HOST, "--out", "-", "--no-pfx"
    )
    assert status == ExitStatus.USAGE and "standard output" in err
    assert_no_secret(out + err)
    with pytest.raises(UsageError, match="825"):
        lab.issue(lab_dir, tmp_path / "long", lab.IssueOptions(hosts=(HOST,), days=826))
    assert lab.issue(lab_dir, tmp_path / "ok", lab.IssueOptions(hosts=(HOST,), days=825))
    with pytest.raises(UsageError, match="825"):  # a defect does not lift the limit
        lab.issue(lab_dir, tmp_path / "d", lab.IssueOptions(hosts=(HOST,), days=900, defect="sha1"))
    with pytest.raises(UsageError, match="empty PFX password"):
        lab.issue(lab_dir, tmp_path / "e", lab.IssueOptions(hosts=(HOST,), pfx_password=b""))


def test_lab_comes_from_the_environment(
    tmp_path: Path, lab_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CERTREADY_LAB", raising=False)
    status, _, err = run("lab", "issue", "-H", HOST, "-o", str(tmp_path), "--no-pfx")
    assert status == ExitStatus.USAGE and "CERTREADY_LAB" in err
    monkeypatch.setenv("CERTREADY_LAB", str(lab_dir))
    status, _, err = run("lab", "issue", "-H", HOST, "-o", str(tmp_path), "--no-pfx")
    assert status == ExitStatus.OK, err
    status, _, err = run(
        "lab", "issue", "--lab", str(tmp_path / "nope"), "-H", HOST, "-o", str(tmp_path / "x")
    )
    assert status == ExitStatus.USAGE and "lab init" in err and len(err.strip().splitlines()) == 1


def test_sts_certificate_without_a_host(tmp_path: Path, lab_dir: Path) -> None:
    issued = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(), role=Role.STS))
    assert issued.key is not None
    options = LintOptions(policy=load_policy("homecare"), role=Role.STS)
    assert errors(lint([str(issued.chain), str(issued.key)], options)) == []
    # negative control: without its private key the token-signing certificate fails
    without_key = lint([str(issued.chain)], options)
    assert [f.rule_id for f in errors(without_key)] == ["sts.private-key-missing"]
    leaf = load_chain(issued.certificate)[0]
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == lab.STS_COMMON_NAME
    assert _ext(leaf, x509.KeyUsage).value.digital_signature
    fingerprint = leaf.fingerprint(hashes.SHA256()).hex()[:8]
    assert issued.certificate.name == f"token-signing-{fingerprint}.pem"
    # a second STS certificate (another environment) gets its own files, as does one for a host
    again = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(), role=Role.STS))
    assert again.certificate != issued.certificate and issued.certificate.exists()
    named = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,), role=Role.STS))
    assert named.certificate.name == f"token-signing-{HOST}.pem"
    ssl = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,)))
    assert ssl.certificate.name == f"{HOST}.pem"  # negative control: the TLS files keep the host
    with pytest.raises(UsageError, match="--host"):
        lab.issue(lab_dir, tmp_path / "ssl", lab.IssueOptions(hosts=()))


def test_sign_a_csr_from_certready_csr_gives_a_passing_certificate(
    tmp_path: Path, lab_dir: Path
) -> None:
    request = create_csr(tmp_path / "req", CsrOptions(hosts=(HOST, "mobile.example.com")))
    status, out, err = run(
        "lab", "sign", str(request.request), "--lab", str(lab_dir), "-o", str(tmp_path / "signed")
    )
    assert status == ExitStatus.OK, err
    chain = tmp_path / "signed" / f"{HOST}.chain.pem"
    verify_chain(chain, lab_dir / "root-ca.pem", "mobile.example.com")
    assert (
        errors(lint_files(chain, request.key, request.hosts, trust=lab_dir / "root-ca.pem")) == []
    )
    leaf = load_chain(chain)[0]
    assert leaf.public_key() == load_csr(request.request).public_key()
    assert _ext(leaf, x509.KeyUsage).value.key_encipherment  # RSA request: a0
    assert_no_secret(out + err)


def test_sign_copies_the_cn_into_the_san_when_the_request_has_none(
    tmp_path: Path, lab_dir: Path
) -> None:
    from cryptography.hazmat.primitives import hashes, serialization

    from certready.adapters.issuance.keys import generate_key

    key = generate_key("p256")
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "legacy.example.com")]))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "legacy.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.DER))
    issued = lab.sign(lab_dir, path, tmp_path)
    leaf = load_chain(issued.certificate)[0]
    san = _ext(leaf, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["legacy.example.com"]
    assert not _ext(leaf, x509.KeyUsage).value.key_encipherment  # EC request: digitalSignature


def test_sign_refuses_a_weak_request(tmp_path: Path, lab_dir: Path) -> None:
    require_rule("key.rsa-size")
    from cryptography.hazmat.primitives import hashes, serialization

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the weak key is the point
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .sign(weak, hashes.SHA256())
    )
    path = tmp_path / "weak.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    status, _, err = run("lab", "sign", str(path), "--lab", str(lab_dir), "-o", str(tmp_path / "o"))
    assert status == ExitStatus.USAGE and "key.rsa-size" in err
    assert not (tmp_path / "o").exists()


def test_sign_rejects_a_corrupt_request(tmp_path: Path, lab_dir: Path) -> None:
    path = tmp_path / "bad.csr"
    path.write_text(
        "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----\n"
    )
    with pytest.raises(InputError) as caught:
        lab.sign(lab_dir, path, tmp_path)
    assert caught.value.location == str(path)
    status, _, err = run("lab", "sign", str(path), "--lab", str(lab_dir), "-o", str(tmp_path))
    assert status == ExitStatus.USAGE and "bad.csr" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("requested", "client_host", "stem"),
    [
        ("*.example.com", "portal.example.com", "wildcard.example.com"),
        ("bücher.example.com", "xn--bcher-kva.example.com", "xn--bcher-kva.example.com"),
    ],
)
def test_wildcard_and_idn_leaves_pass_for_the_names_clients_use(
    tmp_path: Path, lab_dir: Path, requested: str, client_host: str, stem: str
) -> None:
    issued = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(requested,)))
    assert issued.certificate.name == f"{stem}.pem"
    assert errors(lint_issued(issued, [client_host])) == []
    # negative control: a name the certificate does not cover
    uncovered = lint_issued(issued, ["a.b.example.com"])
    assert [f.rule_id for f in errors(uncovered)] == ["names.host-not-covered"]


@needs_openssl
@pytest.mark.openssl
def test_openssl_verify_accepts_the_chain_with_the_lab_root(
    tmp_path: Path, lab_dir: Path, other_lab_dir: Path
) -> None:
    issued = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,)))
    (tmp_path / "issuing.pem").write_bytes(
        b"".join(c.public_bytes(Encoding.PEM) for c in load_chain(issued.chain)[1:])
    )

    def openssl_verify(root: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                *("openssl", "verify", "-purpose", "sslserver", "-x509_strict"),
                *("-verify_hostname", HOST, "-CAfile", str(root)),
                *("-untrusted", str(tmp_path / "issuing.pem"), str(issued.certificate)),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    good = openssl_verify(lab_dir / "root-ca.pem")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = openssl_verify(other_lab_dir / "root-ca.pem")  # negative control
    assert bad.returncode != 0


def test_revoke_publishes_a_crl_lint_reads(tmp_path: Path) -> None:
    lab_path = tmp_path / "lab"
    lab.init(lab_path, key_type="p256", crl_base_url="http://pki.lab.example/")
    gone = lab.issue(lab_path, tmp_path / "gone", lab.IssueOptions(hosts=(HOST,)))
    kept = lab.issue(lab_path, tmp_path / "kept", lab.IssueOptions(hosts=(HOST,)))
    status, out, err = run("lab", "revoke", str(gone.certificate), "--lab", str(lab_path))
    assert status == ExitStatus.OK, err
    crl_path = lab_path / "issuing-ca.crl"
    crl = x509.load_der_x509_crl(crl_path.read_bytes())
    leaf = load_chain(gone.certificate)[0]
    issuing = x509.load_pem_x509_certificate((lab_path / "issuing-ca.pem").read_bytes())
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    assert crl.get_revoked_certificate_by_serial_number(leaf.serial_number) is not None
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
    assert f"{leaf.serial_number:X}" in out
    root_crl = x509.load_der_x509_crl((lab_path / "root-ca.crl").read_bytes())
    assert len(root_crl) == 0
    root = lab_path / "root-ca.pem"
    for issued, revoked in ((gone, True), (kept, False)):  # kept: the negative control
        status, lint_out, _ = run(
            "lint", str(issued.chain), str(issued.key), "-H", HOST,
            "--trust", str(root), "--crl", str(crl_path),
        )  # fmt: skip
        assert ("chain.revoked" in lint_out) is revoked, lint_out
        assert status == (ExitStatus.FINDINGS if revoked else ExitStatus.OK)
    status, _, err = run("lab", "revoke", str(gone.certificate), "--lab", str(lab_path))
    assert status == ExitStatus.USAGE and "already revoked" in err
    status, out, err = run("lab", "crl", "--lab", str(lab_path))
    assert status == ExitStatus.OK, err
    refreshed = x509.load_der_x509_crl(crl_path.read_bytes())
    assert refreshed.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    assert refreshed.get_revoked_certificate_by_serial_number(leaf.serial_number) is not None


def test_revoke_refuses_a_certificate_of_another_lab(
    tmp_path: Path, lab_dir: Path, other_lab_dir: Path
) -> None:
    foreign = lab.issue(other_lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,)))
    with pytest.raises(UsageError, match="not issued by this lab"):
        lab.revoke(lab_dir, foreign.certificate)
    status, _, err = run("lab", "revoke", str(tmp_path / "missing.pem"), "--lab", str(lab_dir))
    assert status == ExitStatus.USAGE and "missing.pem" in err
