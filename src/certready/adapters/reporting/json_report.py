"""JSON output: a versioned public contract, separate from the internal dataclasses.

The models below are what consumers of ``--format json`` may rely on; ``schema_version`` changes
when a field is removed or changes meaning (adding a field does not). The JSON Schema generated from
them is checked in as ``report.schema.json`` and a test keeps the two equal.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from certready import __version__
from certready.adapters.reporting.summary import TargetState, summarize
from certready.adapters.reporting.visible import visible
from certready.core.facts import describe_key, eku_name, key_usage_hex
from certready.core.model import (
    CertFacts,
    ChainElement,
    Finding,
    Report,
    Severity,
    TargetResult,
)

SCHEMA_VERSION: Literal["4"] = "4"
"""2: ``targets[].status`` may be ``skipped``; ``targets[].failure`` says why a live target failed.
3: ``targets[].state`` (the badge: ready, not_ready, unreachable, attention, skipped) counting the
deployment findings about the target; ``findings[].about`` names those targets;
``summary.unreachable`` and ``summary.unreadable`` counted apart.
4: a certificate's facts are written once per report, in ``facts`` by SHA-256 fingerprint;
``targets[].certificates`` and ``targets[].path`` reference them (fingerprint and origin)."""
SeverityName = Literal["info", "warning", "error"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyOut(_Model):
    type: str = Field(description="rsa, ec, dsa, ed25519, ed448 or unknown")
    size_bits: int
    curve: str | None = None
    description: str = Field(description="RSA 2048, EC P-256...")


class ExtendedKeyUsageOut(_Model):
    oid: str
    name: str


class CertificateRefOut(_Model):
    fingerprint_sha256: str = Field(description="The key of its facts in the report's ``facts``")
    origin: str = Field(
        description="Where it came from: file:app.pfx#0, tls://host:443#1, trust:mozilla"
    )


class CertificateOut(_Model):
    subject: str
    issuer: str
    serial_number: str
    not_valid_before: dt.datetime
    not_valid_after: dt.datetime
    key: KeyOut
    signature_hash: str | None
    common_names: list[str]
    dns_names: list[str] | None = Field(description="subjectAltName dNSName; null when no SAN")
    ip_addresses: list[str] | None
    key_usage: list[str] | None
    key_usage_hex: str | None = Field(description="As Windows shows it: a0 = DS + KE")
    extended_key_usage: list[ExtendedKeyUsageOut] | None
    is_ca: bool
    path_length: int | None
    subject_key_identifier: str | None
    authority_key_identifier: str | None
    certificate_policies: list[str]
    validation_type: Literal["DV", "OV", "IV", "EV"] | None
    fingerprint_sha256: str
    thumbprint_sha1: str
    self_signed: bool


class FindingOut(_Model):
    rule_id: str
    severity: SeverityName
    message: str
    location: str
    remediation: str
    subject: str | None = None
    fingerprint_sha256: str | None = None
    about: list[str] = Field(
        default_factory=list,
        description="For a deployment finding: the targets it concerns (their `target` names)",
    )


class TlsOut(_Model):
    address: str
    sni: str | None
    protocol: str
    cipher: str
    handshake_ms: float


class FailureOut(_Model):
    reason: Literal[
        "dns-failure",
        "refused",
        "timeout",
        "not-tls",
        "reset",
        "closed",
        "certificate-too-large",
        "handshake-failed",
        "network-error",
        "no-certificate",
        "unparseable-certificate",
    ] = Field(description="Why a live target could not be examined; a stable value")
    step: Literal["dns", "connect", "handshake"] = Field(
        description="How far the connection got: resolving the name, connecting, the handshake"
    )


class TargetOut(_Model):
    target: str
    location: str
    status: Literal["ok", "input-error", "unreachable", "skipped"] = Field(
        description="skipped: deliberately not examined (e.g. a file of CA certificates only)"
    )
    state: Literal["ready", "not_ready", "unreachable", "attention", "skipped"] = Field(
        description="The target's one state, from its status, its findings and the deployment "
        "findings about it: not_ready (an error, or unreadable), attention (warnings only), ready"
    )
    reason: str | None
    failure: FailureOut | None = Field(
        description="For an unreachable (or unparseable) live target: the reason as a stable value"
    )
    role: Literal["ssl", "sts"]
    hosts: list[str]
    private_key: Literal["absent", "matches", "mismatch"]
    worst: SeverityName | None
    certificates: list[CertificateRefOut] = Field(
        description="What was supplied or presented, leaf first (facts in the report's facts)"
    )
    path: list[CertificateRefOut] = Field(description="The built path leaf -> anchor")
    tls: TlsOut | None
    findings: list[FindingOut]


class SummaryOut(_Model):
    targets: int
    errors: int
    warnings: int
    info: int
    input_errors: int
    unreachable: int = Field(description="Live targets that could not be reached")
    unreadable: int = Field(description="Inputs that could not be read (not unreachable servers)")
    worst: SeverityName | None


class ReportOut(_Model):
    schema_version: Literal["4"] = SCHEMA_VERSION
    tool: str = "certready"
    tool_version: str
    command: str
    profile: str
    title: str | None
    generated_at: dt.datetime
    summary: SummaryOut
    findings: list[FindingOut] = Field(description="Findings about the whole, e.g. topology")
    targets: list[TargetOut]
    facts: dict[str, CertificateOut] = Field(
        description="Every certificate the targets reference, once, by SHA-256 fingerprint"
    )


def certificate_ref(element: ChainElement) -> CertificateRefOut:
    return CertificateRefOut(
        fingerprint_sha256=element.certificate.fingerprint_sha256, origin=str(element.origin)
    )


def element_out(element: ChainElement) -> dict[str, Any]:
    """One certificate with its origin and its facts in one object (``certready show --json``)."""
    facts = certificate_out(element.certificate).model_dump(mode="json")
    return {"origin": str(element.origin), **facts}


def certificate_out(f: CertFacts) -> CertificateOut:
    san = f.subject_alt_name
    return CertificateOut(
        subject=f.subject,
        issuer=f.issuer,
        serial_number=f.serial_number,
        not_valid_before=f.not_valid_before,
        not_valid_after=f.not_valid_after,
        key=KeyOut(
            type=f.public_key.key_type,
            size_bits=f.public_key.size_bits,
            curve=f.public_key.curve,
            description=describe_key(f.public_key),
        ),
        signature_hash=f.signature_hash,
        common_names=list(f.common_names),
        dns_names=list(san.dns_names) if san else None,
        ip_addresses=list(san.ip_addresses) if san else None,
        key_usage=sorted(f.key_usage) if f.key_usage is not None else None,
        key_usage_hex=key_usage_hex(f.key_usage) if f.key_usage is not None else None,
        extended_key_usage=[
            ExtendedKeyUsageOut(oid=o, name=eku_name(o)) for o in f.extended_key_usage
        ]
        if f.extended_key_usage is not None
        else None,
        is_ca=f.is_ca,
        path_length=f.basic_constraints.path_length if f.basic_constraints else None,
        subject_key_identifier=f.subject_key_identifier,
        authority_key_identifier=f.authority_key_identifier,
        certificate_policies=list(f.certificate_policies),
        validation_type=f.validation_type,
        fingerprint_sha256=f.fingerprint_sha256,
        thumbprint_sha1=f.thumbprint_sha1,
        self_signed=f.self_signed,
    )


def finding_out(f: Finding) -> FindingOut:
    return FindingOut(
        rule_id=f.rule_id,
        severity=f.severity.label,  # type: ignore[arg-type]
        message=visible(f.message),  # read by a person: invisible characters shown
        location=str(f.location),
        remediation=visible(f.remediation),
        subject=f.subject,
        fingerprint_sha256=f.fingerprint_sha256,
        about=list(f.about),
    )


def target_out(t: TargetResult, state: TargetState) -> TargetOut:
    tls = t.tls
    return TargetOut(
        target=t.target,
        location=str(t.location),
        status=t.status.value,
        state=state.value,
        reason=t.reason,
        failure=FailureOut(
            reason=t.failure.reason.value,
            step=t.failure.step.value,
        )
        if t.failure
        else None,
        role=t.role.value,
        hosts=list(t.hosts),
        private_key=t.private_key.value,
        worst=t.worst.label if t.worst else None,  # type: ignore[arg-type]
        certificates=[certificate_ref(c) for c in t.certificates],
        path=[certificate_ref(c) for c in t.path],
        tls=TlsOut(
            address=tls.address,
            sni=tls.sni,
            protocol=tls.protocol,
            cipher=tls.cipher,
            handshake_ms=round(tls.handshake_ms, 3),
        )
        if tls
        else None,
        findings=[finding_out(f) for f in t.findings],
    )


def report_out(report: Report) -> ReportOut:
    worst = report.worst
    summary = summarize(report)
    return ReportOut(
        tool_version=__version__,
        command=report.command,
        profile=report.profile,
        title=report.title,
        generated_at=report.generated_at,
        summary=SummaryOut(
            targets=len(report.targets),
            errors=report.count(Severity.ERROR),
            warnings=report.count(Severity.WARNING),
            info=report.count(Severity.INFO),
            input_errors=len(report.input_errors),
            unreachable=summary.counts[TargetState.UNREACHABLE],
            unreadable=summary.unreadable,
            worst=worst.label if worst else None,  # type: ignore[arg-type]
        ),
        findings=[finding_out(f) for f in report.findings],
        targets=[
            target_out(t, state) for t, state in zip(report.targets, summary.states, strict=True)
        ],
        facts=facts_out(report.targets),
    )


def facts_out(targets: Iterable[TargetResult]) -> dict[str, CertificateOut]:
    """The facts of every certificate of ``targets`` (supplied, presented or in a path), once."""
    out: dict[str, CertificateOut] = {}
    for target in targets:
        for element in (*target.certificates, *target.path):
            fingerprint = element.certificate.fingerprint_sha256
            if fingerprint not in out:
                out[fingerprint] = certificate_out(element.certificate)
    return out


def render(report: Report) -> str:
    return report_out(report).model_dump_json(indent=2) + "\n"


def generated_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`ReportOut`, as checked in beside this module."""
    schema = ReportOut.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://certready.invalid/schema/report-{SCHEMA_VERSION}.json"
    return schema


def shipped_schema() -> dict[str, Any]:
    text = (
        resources.files("certready.adapters.reporting")
        .joinpath("report.schema.json")
        .read_text("utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


if __name__ == "__main__":  # pragma: no cover - regenerates the checked-in schema
    import sys

    sys.stdout.write(json.dumps(generated_schema(), indent=2, sort_keys=True) + "\n")
