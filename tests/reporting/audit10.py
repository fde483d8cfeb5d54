"""The issue's case as a fixed value: a 10-target ``audit --live`` of a private-CA deployment.

Five manifest servers read from files (production app with its STS certificate, mobile, Portal, a
test app) and their live endpoints. Every chain ends in the lab's private root, so
``chain.private-ca`` is said about nine targets in the same words; the Portal's live endpoint
presents an older certificate (``deployment.served-certificate-differs``), the test app's endpoint
does not answer. Fixed time, fixed facts, the real rule catalogue: golden files change only when a
renderer does.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from certready.core.location import (
    EndpointLocation,
    FileLocation,
    Location,
    ManifestLocation,
    TrustKind,
    TrustLocation,
)
from certready.core.model import (
    CertFacts,
    ChainElement,
    FailureReason,
    FetchStep,
    Finding,
    KeyPairing,
    Report,
    Role,
    ScanFailure,
    Severity,
    TargetResult,
    TargetStatus,
    TlsFacts,
)
from certready.core.rules import get_rule
from tests.reporting.sample import NOW
from tests.reporting.sample import facts as _facts


def facts(cn: str, **kwargs: Any) -> CertFacts:
    """The sample's facts with fingerprints of their own (the sample's repeat a long CN's bytes)."""
    made = _facts(cn, **kwargs)
    seed = f"{cn}/{kwargs.get('serial', '')}".encode()
    return replace(
        made,
        fingerprint_sha256=hashlib.sha256(seed).hexdigest().upper(),
        thumbprint_sha1=hashlib.sha1(seed).hexdigest().upper(),  # noqa: S324 - a fixture's tag
    )


MANIFEST = "certready.yaml"
ROOT = facts(
    "Sunrise Lab Root CA",
    issuer="CN=Sunrise Lab Root CA,O=Sunrise",
    days_before=100,
    days_left=3550,
    ca=True,
    serial="A0",
)
ISSUING = facts(
    "Sunrise Lab Issuing CA",
    issuer="CN=Sunrise Lab Root CA,O=Sunrise",
    days_before=100,
    days_left=1700,
    ca=True,
    serial="A1",
)
_ISSUER = "CN=Sunrise Lab Issuing CA,O=Sunrise"
APP = facts("hcappserver.sunrise.example", issuer=_ISSUER, serial="B1")
STS = facts("sts.sunrise.example", sans=(), issuer=_ISSUER, serial="B2")
MOBILE = facts("hctabletserver.sunrise.example", issuer=_ISSUER, serial="B3")
PORTAL = facts("portal.sunrise.example", issuer=_ISSUER, days_left=380, serial="B4")
PORTAL_OLD = facts("portal.sunrise.example", issuer=_ISSUER, days_left=12, serial="B5")
TEST_APP = facts("hctest.sunrise.example", issuer=_ISSUER, serial="B6")

PRIVATE_CA = (
    "the chain ends in the private root Sunrise Lab Root CA (from trust:manifest:certready.yaml): "
    "install it as a trusted root on every server and client"
)


def manifest(line: int) -> ManifestLocation:
    return ManifestLocation(MANIFEST, line)


def file(path: str, index: int) -> FileLocation:
    return FileLocation(path, index)


def endpoint(port: int, index: int | None = None) -> EndpointLocation:
    return EndpointLocation("127.0.0.2", port, index)


def finding(
    rule_id: str,
    message: str,
    location: Location,
    cert: CertFacts | None = None,
    severity: Severity | None = None,
    about: tuple[str, ...] = (),
) -> Finding:
    rule = get_rule(rule_id)
    return Finding(
        rule_id=rule_id,
        severity=severity or rule.severity,
        message=message,
        location=location,
        remediation=rule.remediation,
        subject=cert.subject if cert else None,
        fingerprint_sha256=cert.fingerprint_sha256 if cert else None,
        about=about,
    )


def _path(leaf: ChainElement) -> tuple[ChainElement, ...]:
    return (
        leaf,
        ChainElement(ISSUING, FileLocation("certs/issuing.pem", 0)),
        ChainElement(ROOT, TrustLocation(TrustKind.MANIFEST, MANIFEST)),
    )


def _file_target(
    name: str,
    path: str,
    leaf: CertFacts,
    hosts: tuple[str, ...],
    *extra: Finding,
    role: Role = Role.SSL,
) -> TargetResult:
    where = file(path, 0)
    own = ChainElement(leaf, where)
    return TargetResult(
        target=name,
        location=where,
        role=role,
        hosts=hosts,
        certificates=(own, ChainElement(ISSUING, file(path, 1))),
        path=_path(own),
        findings=(*extra, finding("chain.private-ca", PRIVATE_CA, where, ROOT)),
        private_key=KeyPairing.MATCHES,
    )


def _live_target(
    name: str, port: int, leaf: CertFacts, host: str, *extra: Finding, sends_issuer: bool = True
) -> TargetResult:
    where = endpoint(port, 0)
    own = ChainElement(leaf, where)
    sent = (own, ChainElement(ISSUING, endpoint(port, 1))) if sends_issuer else (own,)
    return TargetResult(
        target=name,
        location=endpoint(port),
        hosts=(host,),
        certificates=sent,
        path=_path(own),
        findings=(*extra, finding("chain.private-ca", PRIVATE_CA, where, ROOT)),
        tls=TlsFacts(f"127.0.0.2:{port}", host, "TLSv1.3", "TLS_AES_256_GCM_SHA384", 3.1),
    )


def audit10() -> Report:
    """Ten targets, nine of them saying ``chain.private-ca`` alike; the Portal serves another
    certificate; the test app's endpoint is unreachable."""
    test_weak = finding(
        "signature.weak-hash",
        "signed with SHA-1: clients reject it",
        file("certs/test-app.pfx", 0),
        TEST_APP,
    )
    mobile_key = finding(
        "usage.key-usage-rsa",
        "Key Usage is Digital Signature (80): an RSA key also needs Key Encipherment (a0)",
        file("certs/mobile.pfx", 0),
        MOBILE,
    )
    portal_soon = finding(
        "validity.expiring-soon",
        "expires in 12 days (2026-06-13)",
        endpoint(8445, 0),
        PORTAL_OLD,
    )
    portal_not_sent = finding(
        "tls.intermediate-not-sent",
        "the server sends only its own certificate; clients that do not hold Sunrise Lab Issuing "
        "CA cannot build a path",
        endpoint(8445, 0),
        PORTAL_OLD,
    )
    targets = (
        _file_target(
            "production/app",
            "certs/app.pfx",
            APP,
            ("hcappserver.sunrise.example",),
        ),
        _file_target("production/app (sts)", "certs/sts.pfx", STS, (), role=Role.STS),
        _file_target(
            "production/mobile",
            "certs/mobile.pfx",
            MOBILE,
            ("hctabletserver.sunrise.example",),
            mobile_key,
        ),
        _file_target(
            "production/portal",
            "certs/portal.pfx",
            PORTAL,
            ("portal.sunrise.example",),
        ),
        _file_target(
            "test/app",
            "certs/test-app.pfx",
            TEST_APP,
            ("hctest.sunrise.example",),
            test_weak,
        ),
        _live_target(
            "production/app (live 127.0.0.2:8443)", 8443, APP, "hcappserver.sunrise.example"
        ),
        _live_target(
            "production/mobile (live 127.0.0.2:8444)",
            8444,
            MOBILE,
            "hctabletserver.sunrise.example",
            finding(
                "usage.key-usage-rsa",
                "Key Usage is Digital Signature (80): an RSA key also needs Key Encipherment (a0)",
                endpoint(8444, 0),
                MOBILE,
            ),
        ),
        _live_target(
            "production/portal (live 127.0.0.2:8445)",
            8445,
            PORTAL_OLD,
            "portal.sunrise.example",
            portal_not_sent,
            portal_soon,
            sends_issuer=False,
        ),
        _live_target(
            "test/portal (live 127.0.0.2:8447)",
            8447,
            PORTAL,
            "portal.sunrise.example",
        ),
        TargetResult(
            target="test/app (live 127.0.0.2:8446)",
            location=endpoint(8446),
            status=TargetStatus.UNREACHABLE,
            failure=ScanFailure(FailureReason.TIMEOUT, FetchStep.HANDSHAKE),
            reason="127.0.0.2:8446: timed out after 10 s waiting for the TLS handshake",
            hosts=("hctest.sunrise.example",),
        ),
    )
    served_differs = finding(
        "deployment.served-certificate-differs",
        f"server production/portal: 127.0.0.2:8445 presents portal.sunrise.example "
        f"(SHA-1 {PORTAL_OLD.thumbprint_sha1}), not the manifest's certificate "
        f"(SHA-1 {PORTAL.thumbprint_sha1})",
        endpoint(8445, 0),
        PORTAL_OLD,
        about=("production/portal (live 127.0.0.2:8445)",),
    )
    external = finding(
        "deployment.mobile-external-name",
        "mobile server production/mobile: certificate does not cover the external name "
        "mobile.sunrise-health.example that devices connect to (used by 'tablets')",
        manifest(14),
        MOBILE,
        about=("production/mobile", "production/mobile (live 127.0.0.2:8444)"),
    )
    ios = finding(
        "deployment.client-ios-trust-switch",
        "client group 'tablets' (ios): the private root Sunrise Lab Root CA needs the Certificate "
        "Trust Settings switch on every device",
        manifest(31),
    )
    return Report(
        command="audit",
        profile="homecare",
        generated_at=NOW,
        targets=targets,
        findings=(ios, external, served_differs),
        title="Sunrise Home Health",
    )
