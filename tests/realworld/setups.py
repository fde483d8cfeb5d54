"""The setups administrators really bring, built with ``cryptography`` alone (tests/pki.py).

Each builder writes files the way the tool that makes them does (an IIS export, a certbot
``live/`` folder, a Windows .cer + .key + .p7b set, a router's appliance certificate) and returns
their paths; the tests in this folder run certready on them as a new user would.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from tests.pki import CA_KEY_USAGE, NOW, Issued, TestCA, _name, build, general_names, new_key


def server(ca: TestCA, *names: str) -> Issued:
    """A server certificate with a key of its own (the pooled test keys also sign the test CAs:
    a pooled key could pair with a CA certificate given beside the leaf)."""
    return ca.issue(*names, key=new_key("p256", fresh=True))


def appliance_certificate(*names: str) -> Issued:
    """A router's self-signed appliance certificate: CA:TRUE, SAN for its names, serverAuth."""
    key = new_key("p256", fresh=True)
    subject = _name(names[0], org="Router Vendor")
    cert = build(
        subject=subject,
        issuer=subject,
        public_key=key.public_key(),
        signing_key=key,
        ca=True,
        sans=general_names(list(names)),
        key_usage=CA_KEY_USAGE,
        eku=[ExtendedKeyUsageOID.SERVER_AUTH],
        not_after=NOW + dt.timedelta(days=396),
    )
    return Issued(cert, key)


def iis_pfx(
    directory: Path, ca: TestCA, leaf: Issued, *, with_chain: bool, password: bytes = b"pw"
) -> Path:
    """A PFX as IIS/certlm "Export... include all certificates in the path" makes it (or not)."""
    cas = [ca.intermediate.cert] if with_chain else None
    data = pkcs12.serialize_key_and_certificates(
        b"portal",
        leaf.key,  # type: ignore[arg-type]
        leaf.cert,
        cas,
        serialization.BestAvailableEncryption(password),
    )
    path = directory / ("portal-chain.pfx" if with_chain else "portal.pfx")
    path.write_bytes(data)
    return path


def certbot_live(root: Path, ca: TestCA, leaf: Issued, name: str) -> Path:
    """``/etc/letsencrypt``'s layout: live/NAME/{cert,chain,fullchain,privkey}.pem are relative
    symlinks into ../../archive/NAME/*1.pem, with certbot's README beside them."""
    archive = root / "archive" / name
    live = root / "live" / name
    archive.mkdir(parents=True)
    live.mkdir(parents=True)
    (archive / "cert1.pem").write_bytes(leaf.cert_pem())
    (archive / "chain1.pem").write_bytes(ca.intermediate.cert_pem())
    (archive / "fullchain1.pem").write_bytes(leaf.cert_pem() + ca.intermediate.cert_pem())
    (archive / "privkey1.pem").write_bytes(leaf.key_pem())
    (archive / "privkey1.pem").chmod(0o600)
    for stem in ("cert", "chain", "fullchain", "privkey"):
        (live / f"{stem}.pem").symlink_to(Path("..", "..", "archive", name, f"{stem}1.pem"))
    (live / "README").write_text(
        "This directory contains your keys and certificates.\n\n"
        "`privkey.pem`  : the private key for your certificate.\n"
        "`fullchain.pem`: the certificate file used in most server software.\n"
        "`chain.pem`    : used for OCSP stapling in Nginx >=1.3.7.\n"
        "`cert.pem`     : will break many server configurations, and should not be used\n"
        "                 without reading further documentation (see link below).\n\n"
        "WARNING: DO NOT MOVE OR RENAME THESE FILES!\n"
        "         Certbot expects these files to remain in this location in order\n"
        "         to function properly!\n\n"
        "We recommend not moving these files. For more information, see the Certbot\n"
        "User Guide at https://certbot.eff.org/docs/using.html#where-are-my-certificates.\n"
    )
    (root / "renewal").mkdir()
    (root / "renewal" / f"{name}.conf").write_text("# renew_before_expiry = 30 days\n")
    (root / "accounts.json").write_text(json.dumps({"account": "x"}))
    return live


def windows_set(directory: Path, ca: TestCA, leaf: Issued) -> tuple[Path, Path, Path]:
    """app.cer (DER, as the Windows export wizard writes it), app.key (PEM), chain.p7b (the
    issuing CA and the root, "Cryptographic Message Syntax Standard")."""
    cer = directory / "app.cer"
    cer.write_bytes(leaf.cert.public_bytes(serialization.Encoding.DER))
    key = directory / "app.key"
    key.write_bytes(leaf.key_pem())
    key.chmod(0o600)
    p7b = directory / "chain.p7b"
    p7b.write_bytes(
        pkcs7.serialize_certificates(
            [ca.intermediate.cert, ca.root.cert], serialization.Encoding.DER
        )
    )
    return cer, key, p7b


def write_pem(path: Path, *certs: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    return path


def malformed_key_usage(ca: TestCA, *names: str, critical: bool = True) -> Issued:
    """A server certificate whose Key Usage extension value is written by hand as an INTEGER
    (``02 01 05``) instead of a BIT STRING; its SAN and EKU are well formed."""
    return ca.issue(
        *names,
        key=new_key("p256", fresh=True),
        no_ku=True,
        extra=[(x509.UnrecognizedExtension(ExtensionOID.KEY_USAGE, b"\x02\x01\x05"), critical)],
    )
