"""HTML: one self-contained page a manager can read or print: verdict, counts, cards, timeline.

The page has no external assets and no script; a Content-Security-Policy forbids both anyway.
Every value is escaped by Jinja's autoescaping (a subject ``CN=<script>...`` renders as text),
after its invisible characters are made visible (a bidi override shows as ``<U+202E>``).
This module turns the report into plain display values; the template only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache

import jinja2
import markupsafe

from certready import __version__
from certready.adapters.reporting.common import (
    RenderContext,
    private_key_text,
    resolve_context,
    severity_counts,
    sorted_findings,
    timeline_label,
    verdict,
    verdict_of,
)
from certready.adapters.reporting.spool import Spool
from certready.adapters.reporting.summary import (
    Problem,
    Summary,
    Tally,
    TargetState,
    cause_lines,
    findings_about,
    summarize,
)
from certready.adapters.reporting.timeline import Timeline, TimelineEntry, layout
from certready.adapters.reporting.timeline_spool import TimelineSpool
from certready.adapters.reporting.visible import visible
from certready.core.days import days_left
from certready.core.facts import describe_key, eku_name, key_usage_text
from certready.core.location import Location
from certready.core.model import (
    CertFacts,
    ChainElement,
    Finding,
    Report,
    Rule,
    Severity,
    TargetResult,
)
from certready.core.policy import Policy


@dataclass(frozen=True, slots=True)
class FindingView:
    severity: str
    rule_id: str
    title: str
    message: str
    location: str | None
    fix: int | None
    """The number of its problem in "What to fix first", where its fix is said once."""


@dataclass(frozen=True, slots=True)
class ProblemView:
    number: int
    severity: str
    rule_id: str
    title: str
    message: str | None
    remediation: str
    targets: str
    """``production/app, test/app`` (and ``+ N more``), or the deployment."""
    causes: tuple[str, ...]
    """Its targets by root cause (:func:`~certready.adapters.reporting.summary.cause_lines`)."""


@dataclass(frozen=True, slots=True)
class CertificateView:
    name: str
    origin: str
    key: str
    expires: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class TargetView:
    number: int
    """Its place in the report, from 1 (the card's anchor)."""
    name: str
    location: str
    status: str
    state: str
    """The badge's class: ``ready``, ``not-ready``, ``unreachable``, ``attention``, ``skipped``."""
    badge: str
    """``READY``, ``NOT READY``, ``UNREACHABLE``, ``ATTENTION``, ``SKIPPED``."""
    reason: str | None
    brief: str
    """One line: the leaf's name, key, expiry, issuer; the connection; the private key."""
    facts: tuple[tuple[str, str], ...]
    leaf: CertificateView | None
    others: tuple[CertificateView, ...]
    findings: tuple[FindingView, ...]
    """Only what differs from other targets; what several targets share is a problem above."""
    shared: tuple[tuple[int, str], ...]
    """The problems told above that apply here as well: (number, rule id)."""
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
        rows.append(("Key usage", key_usage_text(cert.key_usage)))
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
    f: Finding, context: RenderContext, target_location: Location | None, summary: Summary | None
) -> FindingView:
    """``summary``: where its fix number comes from (``None``: left open, filled in later)."""
    return FindingView(
        severity=f.severity.label,
        rule_id=f.rule_id,
        title=context.title(f.rule_id),
        message=f.message,
        location=str(f.location) if f.location != target_location else None,
        fix=summary.number(f) if summary is not None else None,
    )


def applies_to(problem: Problem) -> str:
    """``production/app, test/app``; ``300 targets: a, b, ..., + 250 more`` past the names kept;
    the deployment."""
    names = list(problem.targets)
    if problem.target_count > len(names):
        names[0] = f"{problem.target_count} targets: {names[0]}"
        names.append(f"+ {problem.target_count - len(problem.targets)} more")
    if problem.deployment and not names:
        return "the deployment"
    if problem.deployment:
        names.insert(0, "the deployment")
    return ", ".join(names)


def _problem_view(number: int, p: Problem, context: RenderContext) -> ProblemView:
    return ProblemView(
        number=number,
        severity=p.severity.label,
        rule_id=p.rule_id,
        title=context.title(p.rule_id),
        message=p.message if p.said_once or not p.targets else None,
        remediation=p.remediation,
        targets=applies_to(p),
        causes=cause_lines(p),
    )


def _brief(t: TargetResult, now: dt.datetime) -> str:
    parts: list[str] = []
    if t.certificates:
        leaf = t.certificates[0].certificate
        parts += [
            leaf.display_name,
            describe_key(leaf.public_key),
            f"expires {_expires(leaf, now)}",
            f"issuer {leaf.issuer}",
        ]
    if t.tls is not None:
        parts.append(f"{t.tls.protocol} {t.tls.address}")
    key = private_key_text(t)
    if key:
        parts.append(key)
    return " · ".join(parts)


_OwnFinding = tuple[int, FindingView]
"""A target's own finding before the summary is known: (its problem's handle, its view)."""
_Shares = tuple[int, str, bool]
"""A finding of a target (its own or the deployment's about it): (problem handle, rule id,
whether it is a deployment finding about the target)."""


def _open_target_view(
    t: TargetResult,
    context: RenderContext,
    now: dt.datetime,
    state: TargetState,
    number: int,
    about: tuple[Finding, ...],
    handle: Callable[[Finding], int],
) -> tuple[TargetView, tuple[_OwnFinding, ...], tuple[_Shares, ...]]:
    """The card of ``t`` with what depends on the whole report left open: which findings the
    summary says once and their fix numbers, known by the ``handle`` of their problem."""
    facts: list[tuple[str, str]] = [("Role", t.role.value)]
    if t.hosts:
        facts.append(("Hosts", ", ".join(t.hosts)))
    if t.tls is not None:
        facts.append(("Connected to", t.tls.address + (f" (SNI {t.tls.sni})" if t.tls.sni else "")))
        facts.append(("TLS", f"{t.tls.protocol} · {t.tls.cipher}"))
    elements = list(t.certificates)
    for element in t.path:
        if all(
            e.certificate.fingerprint_sha256 != element.certificate.fingerprint_sha256
            for e in elements
        ):
            elements.append(element)
    everything = (*t.findings, *about)
    view = TargetView(
        number=number,
        name=t.target,
        location=str(t.location),
        status=t.status.value,
        state=state.css,
        badge=state.badge,
        reason=t.reason,
        brief=_brief(t, now),
        facts=tuple(facts),
        leaf=_certificate_view(elements[0], now) if elements else None,
        others=tuple(_certificate_view(e, now) for e in elements[1:]),
        findings=(),
        shared=(),
        counts=tuple((s.label, n) for s, n in severity_counts(everything).items()),
        expires=_expires(elements[0].certificate, now) if elements else "",
    )
    own = tuple(
        (handle(f), _finding_view(f, context, t.location, None))
        for f in sorted_findings(t.findings)
    )
    shares = tuple((handle(f), f.rule_id, f in about) for f in everything)
    return view, own, shares


def _close_target_view(
    view: TargetView,
    own: tuple[_OwnFinding, ...],
    shares: tuple[_Shares, ...],
    summary: Summary,
    rank: Callable[[int], int | None],
) -> TargetView:
    """The card once the summary is known: ``rank`` numbers a problem by its handle. A finding
    whose problem says it once is not repeated, only named with the other shared problems."""

    def said_once(number: int | None) -> bool:
        return number is not None and summary.problems[number - 1].said_once

    findings = []
    for handle, finding in own:
        number = rank(handle)
        if not said_once(number):
            findings.append(replace(finding, fix=number))
    shared: dict[int, str] = {}
    for handle, rule_id, about in shares:
        number = rank(handle)
        if number is not None and (about or said_once(number)):
            shared[number] = rule_id
    return replace(view, findings=tuple(findings), shared=tuple(sorted(shared.items())))


def _target_view(
    t: TargetResult,
    context: RenderContext,
    now: dt.datetime,
    summary: Summary,
    index: int,
    about: tuple[Finding, ...],
) -> TargetView:
    view, own, shares = _open_target_view(
        t, context, now, summary.states[index], index + 1, about, _Numbered(summary)
    )
    return _close_target_view(view, own, shares, summary, lambda number: number or None)


class _Numbered:
    """A finding's handle is its fix number when the summary is known first (0: none)."""

    def __init__(self, summary: Summary) -> None:
        self._summary = summary

    def __call__(self, f: Finding) -> int:
        return self._summary.number(f) or 0


def timeline_entries(report: Report) -> list[TimelineEntry]:
    """Every distinct certificate of the report (by SHA-256), with the targets that use it; two
    certificates of the same name are told apart by where they came from (environment, file or
    live)."""
    seen: dict[str, tuple[ChainElement, list[str]]] = {}
    for t in report.targets:
        for element in (*t.certificates, *t.path):
            fp = element.certificate.fingerprint_sha256
            entry = seen.setdefault(fp, (element, []))
            if t.target not in entry[1]:
                entry[1].append(t.target)
    names: dict[str, int] = {}
    for element, _ in seen.values():
        name = element.certificate.display_name
        names[name] = names.get(name, 0) + 1
    entries: list[TimelineEntry] = []
    for element, targets in seen.values():
        cert = element.certificate
        label = cert.display_name
        if names[label] > 1:
            label = timeline_label(label, element, targets[0])
        entries.append(
            TimelineEntry(
                label=label,
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
    summary = summarize(report)
    about = findings_about(report)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            **_page(report, context, summary, counts, len(report.targets), verdict(report)),
            timeline=timeline,
            targets=[
                _target_view(t, context, now, summary, i, about.get(t.target, ()))
                for i, t in enumerate(report.targets)
            ],
        )
    )


def _page(
    header: Report,
    context: RenderContext,
    summary: Summary,
    counts: dict[Severity, int],
    target_count: int,
    the_verdict: str,
) -> dict[str, object]:
    """What the page says apart from its targets and timeline."""
    return {
        "title": header.title or f"certready {header.command}",
        "command": header.command,
        "profile": header.profile,
        "generated": _date(header.generated_at),
        "version": __version__,
        "verdict": the_verdict,
        "ready": the_verdict == "READY",
        "counts": [(s.label, n) for s, n in counts.items()],
        "states": [(s.css, s.badge, n) for s, n in summary.counts.items() if n],
        "target_count": target_count,
        "unreadable": summary.unreadable,
        "problems": [_problem_view(i, p, context) for i, p in enumerate(summary.problems, 1)],
        "report_findings": [
            _finding_view(f, context, None, summary) for f in sorted_findings(header.findings)
        ],
    }


_CHUNK = 1 << 16


class HtmlStreamWriter:
    """The HTML report from targets as they come, in memory bounded by the distinct problems:
    :meth:`add` each target (its summary row and its card are spooled to temporary files with
    their fix numbers left open, its certificates to the timeline's database), then
    :meth:`chunks` once. The page is the one :func:`render` writes for the same report."""

    def __init__(
        self, header: Report, policy: Policy | None = None, *, rules: Sequence[Rule] | None = None
    ) -> None:
        self._header = header
        self._context = resolve_context(header, policy, rules)
        self._tally = Tally(header.findings)
        self._about = findings_about(header)
        self._counts = severity_counts(header.findings)
        self._targets = 0
        self._rows = Spool()
        self._cards = Spool()
        self._timeline = TimelineSpool()

    def add(self, target: TargetResult) -> None:
        state = self._tally.add(target)
        self._targets += 1
        for f in target.findings:
            self._counts[f.severity] += 1
        card = _open_target_view(
            target,
            self._context,
            self._header.generated_at,
            state,
            self._targets,
            self._about.get(target.target, ()),
            self._tally.opened,
        )
        self._rows.write(_environment().get_template("summary_row.html.j2").render(t=card[0]))
        self._cards.write(card)
        self._timeline.add(target)

    def chunks(self) -> Iterator[bytes]:
        """The whole page; the spools are deleted after it."""
        try:
            yield from _batched(self._pieces())
        finally:
            self._rows.close()
            self._cards.close()
            self._timeline.close()

    def _pieces(self) -> Iterator[str]:
        env = _environment()
        summary = self._tally.summary()
        worst = max((s for s, n in self._counts.items() if n), default=None)
        unreachable = summary.counts[TargetState.UNREACHABLE]
        page = _page(
            self._header,
            self._context,
            summary,
            self._counts,
            self._targets,
            verdict_of(unreachable, summary.unreadable, worst),
        )
        page["timeline"] = self._timeline.timeline(
            self._header.generated_at, self._context.expiry_days
        )
        yield env.get_template("page_top.html.j2").render(page)
        yield from self._rows.records()
        yield from env.get_template("page_middle.html.j2").generate(page)
        card = env.get_template("card.html.j2")
        for view, own, shares in self._cards.records():
            yield card.render(t=_close_target_view(view, own, shares, summary, summary.rank_of))
        yield env.get_template("page_bottom.html.j2").render(page)


def _batched(pieces: Iterator[str]) -> Iterator[bytes]:
    """``pieces`` joined into chunks of about :data:`_CHUNK` characters, UTF-8."""
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= _CHUNK:
            yield "".join(batch).encode("utf-8")
            batch, size = [], 0
    if batch:
        yield "".join(batch).encode("utf-8")
