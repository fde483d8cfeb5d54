"""Certificates cryptography parses but refuses to build, as a hostile input or server has them:
an empty RDN in the subject, a 2,000-byte serial number. Each is a real self-signed ECDSA P-256
certificate (valid signature, a SAN for the host) with its key, so a TLS server can present it."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.pki import Issued


def _tlv(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        length = bytes([size])
    else:
        octets = (size.bit_length() + 7) // 8
        length = bytes([0x80 | octets]) + size.to_bytes(octets, "big")
    return bytes([tag]) + length + body


def _sequence(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _name(common_name: str | None) -> bytes:
    """``CN=common_name``, or (``None``) a Name whose one RDN is an empty SET."""
    if common_name is None:
        return _sequence(_tlv(0x31, b""))
    attribute = _sequence(_tlv(0x06, bytes.fromhex("550403")), _tlv(0x0C, common_name.encode()))
    return _sequence(_tlv(0x31, attribute))


def _time(when: dt.datetime) -> bytes:
    return _tlv(0x17, when.strftime("%y%m%d%H%M%SZ").encode())


def certificate(
    host: str, *, subject: str | None = "hostile", serial: bytes = b"\x01\x02"
) -> Issued:
    """A self-signed certificate for ``host`` (dNSName or iPAddress SAN)."""
    key = ec.generate_private_key(ec.SECP256R1())
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    algorithm = _sequence(_tlv(0x06, bytes.fromhex("2a8648ce3d040302")))  # ecdsa-with-SHA256
    parts = host.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        general_name = _tlv(0x87, bytes(int(p) for p in parts))
    else:
        general_name = _tlv(0x82, host.encode())
    san = _sequence(_tlv(0x06, bytes.fromhex("551d11")), _tlv(0x04, _sequence(general_name)))
    now = dt.datetime.now(dt.UTC)
    tbs = _sequence(
        _tlv(0xA0, _tlv(0x02, b"\x02")),
        _tlv(0x02, serial),
        algorithm,
        _name("hostile issuer"),
        _sequence(_time(now - dt.timedelta(days=1)), _time(now + dt.timedelta(days=30))),
        _name(subject),
        spki,
        _tlv(0xA3, _sequence(san)),
    )
    signature = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    der = _sequence(tbs, algorithm, _tlv(0x03, b"\0" + signature))
    return Issued(x509.load_der_x509_certificate(der), key)


def empty_rdn(host: str = "app.example.test") -> Issued:
    return certificate(host, subject=None)


def long_serial(host: str = "app.example.test") -> Issued:
    return certificate(host, serial=b"\x01" * 2000)
