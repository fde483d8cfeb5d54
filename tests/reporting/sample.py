"""A fixed multi-target report for golden tests: fixed time, fixed certificate facts, fixed rules.

Nothing here depends on the clock, random serials or the live rule catalogue, so the golden files
only change when a renderer does. The rules are built here (not registered): the ids mirror the
catalogue's, the texts are the test's own.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from certready import __version__
from certready.core.location import EndpointLocation, FileLocation, Location, ManifestLocation
from certready.core.model import (
    BasicConstraints,
    CertFacts,
    ChainElement,
    Finding,
    KeyPairing,
    NoParameters,
    ParamValue,
    PublicKeyFacts,
    Report,
    Role,
    Rule,
    RuleContext,
    Scope,
    Severity,
    SubjectAltName,
    TargetResult,
    TargetStatus,
    TlsFacts,
    Violation,
)
from certready.core.policy import Policy, RuleSetting, default_settings
from certready.core.rules.registry import SSL, SSL_AND_STS
from certready.core.rules.validity import ExpiringSoonParams

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SCRIPT_CN = "<script>document.title='pwned'</script>"
GOLDEN = Path(__file__).parent / "golden"


def _never(ctx: RuleContext, params: Mapping[str, ParamValue]) -> Iterable[Violation]:
    return ()


def _rule(
    rule_id: str,
    severity: Severity,
    *,
    scope: Scope = Scope.CERTIFICATE,
    parameters: type[Any] = NoParameters,
    roles: frozenset[Role] = SSL,
) -> Rule:
    return Rule(
        id=rule_id,
        title=f"Title of {rule_id}",
        severity=severity,
        rationale=f"Why {rule_id} matters.",
        remediation=f"How to fix {rule_id}.",
        references=(f"ref:{rule_id}",),
        check=_never,
        scope=scope,
        params=parameters,
        roles=roles,
    )


RULES = (
    _rule("chain.validation-type", Severity.INFO, scope=Scope.CHAIN),
    _rule("deployment.certificate-shared", Severity.ERROR, scope=Scope.DEPLOYMENT),
    _rule("key.rsa-size", Severity.ERROR, roles=SSL_AND_STS),
    _rule("names.cn-not-in-san", Severity.WARNING),
    _rule("names.host-not-covered", Severity.ERROR),
    _rule("tls.intermediate-not-sent", Severity.ERROR, scope=Scope.HANDSHAKE),
    _rule("validity.expired", Severity.ERROR, roles=SSL_AND_STS),
    _rule(
        "validity.expiring-soon", Severity.WARNING, parameters=ExpiringSoonParams, roles=SSL_AND_STS
    ),
)


def policy(*disabled: str) -> Policy:
    """The test policy: every rule of :data:`RULES` as declared, except those ``disabled``."""
    settings = default_settings(RULES)
    for rule_id in disabled:
        s = settings[rule_id]
        settings[rule_id] = RuleSetting(False, s.severity, s.parameters)
    return Policy(name="golden", description="golden test policy", source="test", settings=settings)


def facts(
    cn: str,
    *,
    sans: tuple[str, ...] | None = None,
    issuer: str = "CN=Example Issuing CA,O=Example",
    days_before: int = 30,
    days_left: int = 300,
    ca: bool = False,
    serial: str = "01",
) -> CertFacts:
    tag = (cn + serial).encode().hex().upper()
    return CertFacts(
        subject=f"CN={cn},O=Example",
        issuer=issuer,
        serial_number=serial,
        version=3,
        not_valid_before=NOW - dt.timedelta(days=days_before),
        not_valid_after=NOW + dt.timedelta(days=days_left),
        public_key=PublicKeyFacts("rsa", 2048, rsa_exponent=65537, spki_sha256="00"),
        signature_algorithm="1.2.840.113549.1.1.11",
        signature_hash="sha256",
        common_names=(cn,),
        subject_alt_name=None if ca else SubjectAltName(sans if sans is not None else (cn,), ()),
        key_usage=frozenset({"key_cert_sign", "crl_sign"})
        if ca
        else frozenset({"digital_signature", "key_encipherment"}),
        extended_key_usage=None if ca else ("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"),
        basic_constraints=BasicConstraints(ca, 0 if ca else None, True),
        subject_key_identifier=None,
        authority_key_identifier=None,
        certificate_policies=(),
        validation_type=None,
        ca_issuers=(),
        ocsp_responders=(),
        crl_distribution_points=(),
        fingerprint_sha256=(tag * 64)[:64],
        thumbprint_sha1=(tag * 40)[:40],
        self_issued=False,
        self_signed=False,
    )


INTERMEDIATE = facts(
    "Example Issuing CA",
    issuer="CN=Example Root CA,O=Example",
    days_before=400,
    days_left=1500,
    ca=True,
    serial="10",
)


def _finding(
    rule_id: str,
    severity: Severity,
    message: str,
    location: Location,
    cert: CertFacts | None = None,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message=message,
        location=location,
        remediation=f"How to fix {rule_id}.",
        subject=cert.subject if cert else None,
        fingerprint_sha256=cert.fingerprint_sha256 if cert else None,
    )


def sample_report(command: str = "audit") -> Report:
    """Five targets: expiring soon, expired behind TLS, a <script> subject, unreadable, CA-only."""
    app = facts("app.example.test", days_left=20, serial="02")
    mobile = facts("mobile.example.test", days_before=400, days_left=-3, serial="03")
    evil = facts(SCRIPT_CN, sans=("evil.example.test",), days_left=200, serial="04")
    app_loc, mobile_loc, evil_loc = (
        FileLocation("certs/app.pfx", 0),
        EndpointLocation("mobile.example.test", 443, 0),
        FileLocation("certs/evil.pem", 0),
    )
    targets = (
        TargetResult(
            target="app",
            location=app_loc,
            hosts=("app.example.test", "app-test.example.test"),
            certificates=(
                ChainElement(app, app_loc),
                ChainElement(INTERMEDIATE, FileLocation("certs/app.pfx", 1)),
            ),
            findings=(
                _finding(
                    "validity.expiring-soon",
                    Severity.WARNING,
                    "expires in 20 days (2026-06-21)",
                    app_loc,
                    app,
                ),
                _finding(
                    "names.host-not-covered",
                    Severity.ERROR,
                    "app-test.example.test is not in the SAN",
                    ManifestLocation("deploy.yaml", 9, "servers[0].fqdn"),
                    app,
                ),
            ),
            private_key=KeyPairing.MATCHES,
        ),
        TargetResult(
            target="mobile.example.test:443",
            location=mobile_loc,
            hosts=("mobile.example.test",),
            certificates=(ChainElement(mobile, mobile_loc),),
            tls=TlsFacts(
                "127.0.0.1:443", "mobile.example.test", "TLSv1.3", "TLS_AES_256_GCM_SHA384", 4.2
            ),
            findings=(
                _finding(
                    "validity.expired", Severity.ERROR, "expired 3 days ago", mobile_loc, mobile
                ),
                _finding(
                    "tls.intermediate-not-sent",
                    Severity.ERROR,
                    "the server sends no intermediate | clients cannot build a path",
                    mobile_loc,
                    mobile,
                ),
            ),
        ),
        TargetResult(
            target="evil",
            location=evil_loc,
            hosts=("evil.example.test",),
            certificates=(ChainElement(evil, evil_loc),),
            findings=(
                _finding(
                    "names.cn-not-in-san",
                    Severity.WARNING,
                    f"CN {SCRIPT_CN} is not among the SAN names",
                    evil_loc,
                    evil,
                ),
                _finding(
                    "chain.validation-type", Severity.INFO, "domain validated (DV)", evil_loc, evil
                ),
            ),
        ),
        TargetResult(
            target="certs/broken.pem",
            location=FileLocation("certs/broken.pem"),
            status=TargetStatus.INPUT_ERROR,
            reason="not PEM, DER, PKCS#7 or PKCS#12",
        ),
        TargetResult(
            target="certs/roots.pem",
            location=FileLocation("certs/roots.pem", 0),
            status=TargetStatus.SKIPPED,
            certificates=(ChainElement(INTERMEDIATE, FileLocation("certs/roots.pem", 0)),),
            reason="only CA certificates: not linted as a server certificate",
        ),
    )
    return Report(
        command=command,
        profile="golden",
        generated_at=NOW,
        targets=targets,
        findings=(
            _finding(
                "deployment.certificate-shared",
                Severity.ERROR,
                "app and mobile share one certificate",
                ManifestLocation("deploy.yaml", 12),
            ),
        ),
        title="Example Home Health go-live",
    )


def clean_report() -> Report:
    """One target, nothing wrong: the negative control of every "NOT READY"."""
    leaf = facts("ok.example.test", serial="05")
    return Report(
        command="lint",
        profile="golden",
        generated_at=NOW,
        targets=(
            TargetResult(
                target="certs/ok.pem",
                location=FileLocation("certs/ok.pem", 0),
                certificates=(ChainElement(leaf, FileLocation("certs/ok.pem", 0)),),
            ),
        ),
    )


def check_golden(name: str, text: str) -> None:
    """Compare with ``golden/<name>``; ``CERTREADY_UPDATE_GOLDEN=1`` rewrites it instead."""
    text = text.replace(__version__, "VERSION")
    path = GOLDEN / name
    if os.environ.get("CERTREADY_UPDATE_GOLDEN") == "1":
        path.write_text(text, "utf-8")
    expected = path.read_text("utf-8")
    assert text == expected, (
        f"{name} differs; if intended: CERTREADY_UPDATE_GOLDEN=1 pytest {__file__}"
    )
