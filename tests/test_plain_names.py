"""What facts read from a plain subject's DER themselves is what cryptography's ``Name`` says:
the subject's text and common names, and self-issued; names that are not plain (the
negative controls) are cryptography's own."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from certready.core import facts

KEY = ec.generate_private_key(ec.SECP256R1())
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _cert(subject: x509.Name, issuer: x509.Name | None = None) -> x509.Certificate:
    built = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(KEY.public_key())
        .serial_number(7)
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(KEY, hashes.SHA256())
    )
    return x509.load_der_x509_certificate(built.public_bytes(serialization.Encoding.DER))


def _name(*pairs: tuple[x509.ObjectIdentifier, str], kind: _ASN1Type | None = None) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(oid, value, kind) if kind else x509.NameAttribute(oid, value)
            for oid, value in pairs
        ]
    )


CN, ORG, C = NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.COUNTRY_NAME


def _agrees(cert: x509.Certificate) -> bool:
    """Read as plain, and exactly what cryptography's Name says."""
    facts._RECENT_NAMES.clear()
    names = facts._Names(cert)
    assert (names.subject_text(), names.common_names(), names.self_issued()) == (
        cert.subject.rfc4514_string(),
        tuple(a.value for a in cert.subject.get_attributes_for_oid(CN)),
        cert.subject == cert.issuer,
    )
    assert names.subject == cert.subject
    return names._plain is not None


def test_plain_subjects_read_from_the_der() -> None:
    leaf = _name((ORG, "certready tests"), (CN, "host0.bench.example"))
    issuer = _name((C, "DE"), (ORG, "Example CA"), (CN, "Issuing CA"))
    assert _agrees(_cert(leaf, issuer))
    assert _agrees(_cert(leaf))  # self-issued
    # the same values as PrintableStrings: equal names for cryptography, and here
    printable = _name(
        (ORG, "certready tests"), (CN, "host0.bench.example"), kind=_ASN1Type.PrintableString
    )
    assert _agrees(_cert(leaf, printable))
    assert _agrees(_cert(_name((CN, "*.example.test"))))


def test_other_subjects_take_cryptographys_name() -> None:
    for subject in (
        _name((CN, "a,b")),  # escaped in RFC 4514 text
        _name((CN, " lead")),
        _name((CN, "#hash")),
        _name((CN, "Bücher")),
        _name((NameOID.EMAIL_ADDRESS, "a@example.test")),
        _name((ORG, "a+b")),
        x509.Name(
            [
                x509.RelativeDistinguishedName(
                    [x509.NameAttribute(CN, "a"), x509.NameAttribute(ORG, "b")]
                )
            ]
        ),
    ):
        assert not _agrees(_cert(subject))
