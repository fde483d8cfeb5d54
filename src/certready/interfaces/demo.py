"""``make demo``: build example certificates in a temporary folder and show certready's report.

The certificates are generated at demo time (never committed, so they never expire): a private lab
root and issuing CA, and servers of the install guide's deployment, some with realistic mistakes.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certready.core.hostnames import normalise_host
from certready.core.model import Report, TargetResult
from certready.core.policy import load_policy
from certready.interfaces.cli.common import Streams
from certready.interfaces.cli.text import print_report
from certready.services.lint import LintOptions, lint

NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "certready lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ku(*, ds: bool, ke: bool, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(ds, False, ke, False, False, ca, ca, False, False)


def _cert(
    subject: str,
    key: CertificateIssuerPrivateKeyTypes,
    issuer: tuple[x509.Name, CertificateIssuerPrivateKeyTypes] | None,
    *,
    ca: bool = False,
    sans: list[str] = (),  # type: ignore[assignment]
    days: int = 397,
    start: dt.datetime = NOW - dt.timedelta(days=1),
    ke: bool = True,
) -> x509.Certificate:
    issuer_name, issuer_key = issuer or (_name(subject), key)
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca and issuer else None), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            False,
        )
        .add_extension(_ku(ds=True, ke=ke and not ca, ca=ca), True)
    )
    if not ca:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), False)
        b = b.add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            False,
        )
    return b.sign(issuer_key, hashes.SHA256())


def build_examples(folder: Path) -> dict[str, tuple[str, ...]]:
    """Write example PEM chains into ``folder``; return {file name: names clients use}."""
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = _cert("certready lab Root CA", root_key, None, ca=True, days=3650)
    inter_key = ec.generate_private_key(ec.SECP384R1())
    inter = _cert(
        "certready lab Issuing CA", inter_key, (root.subject, root_key), ca=True, days=1825
    )
    issuer = (inter.subject, inter_key)

    def write(name: str, leaf: x509.Certificate) -> None:
        pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, inter))
        (folder / name).write_bytes(pem)

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write(
        "app.pem",
        _cert("hcappserver.sunrise.example", rsa_key, issuer, sans=["hcappserver.sunrise.example"]),
    )
    write(
        "mobile.pem",
        _cert(
            "hctabletserver.sunrise.example",
            rsa_key,
            issuer,
            sans=["hctabletserver.sunrise.example"],
        ),
    )
    ec_key = ec.generate_private_key(ec.SECP256R1())
    write(
        "portal.pem",
        _cert("portal.sunrise.example", ec_key, issuer, sans=["portal.sunrise.example"]),
    )
    write(
        "test.pem",
        _cert(
            "hctest.sunrise.example",
            rsa_key,
            issuer,
            sans=["hctest.sunrise.example"],
            start=NOW - dt.timedelta(days=400),
            days=395,
        ),
    )
    (folder / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return {
        "app.pem": ("hcappserver.sunrise.example",),
        "mobile.pem": ("hctabletserver.sunrise.example", "mobile.sunrise-health.example"),
        "portal.pem": ("portal.sunrise.example",),
        "test.pem": ("hctest.sunrise.example",),
    }


def main() -> int:
    streams = Streams(sys.stdout, sys.stderr)
    policy = load_policy("homecare")
    with tempfile.TemporaryDirectory(prefix="certready-demo-") as tmp:
        folder = Path(tmp)
        examples = build_examples(folder)
        os.chdir(folder)  # so the report names files as an administrator would see them
        targets: list[TargetResult] = []
        for name, hosts in examples.items():
            options = LintOptions(policy=policy, hosts=tuple(normalise_host(h) for h in hosts))
            report = lint([name], options)
            targets.extend(report.targets)
        combined = Report(
            command="lint",
            profile=policy.name,
            generated_at=NOW,
            targets=tuple(targets),
            title="Example deployment (generated now)",
        )
        print_report(combined, streams.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
