"""HTML: one self-contained page a manager can read or print: verdict, counts, cards, timeline.

The page has no external assets and no script; a Content-Security-Policy forbids both anyway.
Every value is escaped by Jinja's autoescaping (a subject ``CN=<script>...`` renders as text),
after its invisible characters are made visible (a bidi override shows as ``<U+202E>``).
This module turns the report into plain display values; the template only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import jinja2
import markupsafe

from certready import __version__
from certready.adapters.reporting.common import (
    RenderContext,
    resolve_context,
    severity_counts,
    sorted_findings,
    target_state,
    verdict,
)
from certready.adapters.reporting.timeline import Timeline, TimelineEntry, layout
from certready.adapters.reporting.visible import visible
from certready.core.days import days_left
from certready.core.facts import describe_key, eku_name, key_usage_hex
from certready.core.location import Location
from certready.core.model import CertFacts, ChainElement, Finding, Report, Rule, TargetResult
from certready.core.policy import Policy


@dataclass(frozen=True, slots=True)
class FindingView:
    severity: str
    rule_id: str
    title: str
    message: str
    location: str | None
    remediation: str


@dataclass(frozen=True, slots=True)
class CertificateView:
    name: str
    origin: str
    key: str
    expires: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class TargetView:
    name: str
    location: str
    status: str
    state: str
    """``error``, ``warning``, ``info``, ``ok``, ``input-error``, ``unreachable`` or ``skipped``."""
    reason: str | None
    facts: tuple[tuple[str, str], ...]
    leaf: CertificateView | None
    others: tuple[CertificateView, ...]
    findings: tuple[FindingView, ...]
    counts: tuple[tuple[str, int], ...]
    expires: str
    """The leaf's expiry for the summary table, empty when there is no certificate."""


def _date(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _days(cert: CertFacts, now: dt.datetime) -> str:
    days = days_left(cert.not_valid_after, now)
    return f"expired {-days} days ago" if days < 0 else f"{days} days left"


def certificate_rows(cert: CertFacts, now: dt.datetime) -> tuple[tuple[str, str], ...]:
    """The facts a card shows for one certificate, as (label, text) pairs."""
    san = cert.subject_alt_name
    rows: list[tuple[str, str]] = [
        ("Subject", cert.subject or "(empty)"),
        ("Issuer", cert.issuer or "(empty)"),
        ("DNS names", ", ".join(san.dns_names) if san and san.dns_names else "(none)"),
    ]
    if san and san.ip_addresses:
        rows.append(("IP addresses", ", ".join(san.ip_addresses)))
    rows += [
        ("Key", describe_key(cert.public_key)),
        ("Signature hash", cert.signature_hash or "(none: EdDSA)"),
        ("Valid from", _date(cert.not_valid_before)),
        ("Valid until", f"{_date(cert.not_valid_after)} · {_days(cert, now)}"),
    ]
    if cert.key_usage is not None:
        names = ", ".join(sorted(cert.key_usage)) or "(no bits)"
        rows.append(("Key usage", f"{key_usage_hex(cert.key_usage)} ({names})"))
    else:
        rows.append(("Key usage", "(absent)"))
    if cert.extended_key_usage is not None:
        rows.append(("Extended key usage", ", ".join(eku_name(o) for o in cert.extended_key_usage)))
    else:
        rows.append(("Extended key usage", "(absent)"))
    if cert.is_ca:
        rows.append(("CA", "yes"))
    if cert.validation_type:
        rows.append(("Validation type", cert.validation_type))
    rows += [
        ("Serial number", cert.serial_number),
        ("SHA-256 fingerprint", cert.fingerprint_sha256),
        ("SHA-1 thumbprint", cert.thumbprint_sha1),
    ]
    return tuple(rows)


def _expires(cert: CertFacts, now: dt.datetime) -> str:
    return f"{cert.not_valid_after:%Y-%m-%d} · {_days(cert, now)}"


def _certificate_view(element: ChainElement, now: dt.datetime) -> CertificateView:
    cert = element.certificate
    return CertificateView(
        name=cert.display_name,
        origin=str(element.origin),
        key=describe_key(cert.public_key),
        expires=_expires(cert, now),
        rows=certificate_rows(cert, now),
    )


def _finding_view(
    f: Finding, context: RenderContext, target_location: Location | None
) -> FindingView:
    rule = context.rule(f.rule_id)
    return FindingView(
        severity=f.severity.label,
        rule_id=f.rule_id,
        title=rule.title if rule else "",
        message=f.message,
        location=str(f.location) if f.location != target_location else None,
        remediation=f.remediation,
    )


def _target_view(t: TargetResult, context: RenderContext, now: dt.datetime) -> TargetView:
    facts: list[tuple[str, str]] = [("Role", t.role.value)]
    if t.hosts:
        facts.append(("Hosts", ", ".join(t.hosts)))
    if t.tls is not None:
        facts.append(("Connected to", t.tls.address + (f" (SNI {t.tls.sni})" if t.tls.sni else "")))
        facts.append(("TLS", f"{t.tls.protocol} · {t.tls.cipher}"))
    if t.certificates:
        facts.append(("Private key", t.private_key.value))
    elements = list(t.certificates)
    for element in t.path:
        if all(
            e.certificate.fingerprint_sha256 != element.certificate.fingerprint_sha256
            for e in elements
        ):
            elements.append(element)
    counts = severity_counts(t.findings)
    return TargetView(
        name=t.target,
        location=str(t.location),
        status=t.status.value,
        state=target_state(t),
        reason=t.reason,
        facts=tuple(facts),
        leaf=_certificate_view(elements[0], now) if elements else None,
        others=tuple(_certificate_view(e, now) for e in elements[1:]),
        findings=tuple(_finding_view(f, context, t.location) for f in sorted_findings(t.findings)),
        counts=tuple((s.label, n) for s, n in counts.items()),
        expires=_expires(elements[0].certificate, now) if elements else "",
    )


def timeline_entries(report: Report) -> list[TimelineEntry]:
    """Every distinct certificate of the report (by SHA-256), with the targets that use it."""
    seen: dict[str, tuple[ChainElement, list[str]]] = {}
    for t in report.targets:
        for element in (*t.certificates, *t.path):
            fp = element.certificate.fingerprint_sha256
            entry = seen.setdefault(fp, (element, []))
            if t.target not in entry[1]:
                entry[1].append(t.target)
    entries: list[TimelineEntry] = []
    for element, targets in seen.values():
        cert = element.certificate
        entries.append(
            TimelineEntry(
                label=cert.display_name,
                detail=f"{cert.subject} · {element.origin} · used by {', '.join(targets)}",
                not_valid_before=cert.not_valid_before,
                not_valid_after=cert.not_valid_after,
            )
        )
    return entries


def _finalize(value: object) -> object:
    """Every ``{{ value }}`` of the templates: invisible characters made visible, then escaped."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return visible(value)
    return value


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("certready.adapters.reporting", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(
    report: Report, policy: Policy | None = None, *, rules: Sequence[Rule] | None = None
) -> str:
    context = resolve_context(report, policy, rules)
    now = report.generated_at
    timeline: Timeline = layout(timeline_entries(report), now, context.expiry_days)
    counts = severity_counts(report.all_findings())
    the_verdict = verdict(report)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=report.title or f"certready {report.command}",
            command=report.command,
            profile=report.profile,
            generated=_date(now),
            version=__version__,
            verdict=the_verdict,
            ready=the_verdict == "READY",
            counts=[(s.label, n) for s, n in counts.items()],
            target_count=len(report.targets),
            unreadable=len(report.input_errors),
            report_findings=[
                _finding_view(f, context, None) for f in sorted_findings(report.findings)
            ],
            targets=[_target_view(t, context, now) for t in report.targets],
            timeline=timeline,
        )
    )
