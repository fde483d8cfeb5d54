"""The module-level name tables of ``core.facts`` are pure memoisation: whatever was read before,
by whichever run, a certificate's names are what cryptography reads from that certificate (the
docstrings of ``_ISSUERS`` and ``_RECENT_NAMES`` say why they live at module level)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certready.core import facts

KEY = ec.generate_private_key(ec.SECP256R1())
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org is not None:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _der(subject: x509.Name, issuer: x509.Name, serial: int = 7) -> bytes:
    built = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(KEY.public_key())
        .serial_number(serial)
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(KEY, hashes.SHA256())
    )
    return built.public_bytes(serialization.Encoding.DER)


def _read(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def test_names_of_many_objects_are_each_their_own() -> None:
    # more objects than the recent-names table holds, made and dropped one after the other, so
    # that ids are reused: each answer is still its own certificate's
    for i in range(100):
        cert = _read(_der(_name(f"host{i}.example"), _name(f"CA {i % 7}", "Org")))
        subject, issuer = facts.certificate_names(cert)
        assert subject == cert.subject
        assert issuer == cert.issuer
        assert facts.certificate_name_ders(cert) == (
            cert.subject.public_bytes(),
            cert.issuer.public_bytes(),
        )
        del cert


def test_shared_issuer_bytes_give_the_same_name_and_other_bytes_do_not() -> None:
    a = _read(_der(_name("a.example"), _name("CA", "Org"), serial=1))
    b = _read(_der(_name("b.example"), _name("CA", "Org"), serial=2))
    other = _read(_der(_name("c.example"), _name("CA", "Other"), serial=3))
    assert facts.certificate_issuer_der(a) == facts.certificate_issuer_der(b)
    assert facts.certificate_names(a)[1] == facts.certificate_names(b)[1] == a.issuer
    # negative control: a different issuer is not answered from the table
    assert facts.certificate_names(other)[1] == other.issuer != a.issuer
    assert facts.certificate_issuer_der(other) == other.issuer.public_bytes()


def test_equal_der_in_two_objects_reads_the_same() -> None:
    der = _der(_name("twin.example", "Org"), _name("CA"))
    first, second = _read(der), _read(der)
    assert first is not second
    assert facts.certificate_names(first) == facts.certificate_names(second)
    assert facts.certificate_name_ders(second) == (
        second.subject.public_bytes(),
        second.issuer.public_bytes(),
    )
