"""What a manager reads first: one state per target, and the distinct problems, worst first.

:func:`summarize` (and :func:`problems`) are pure functions of a :class:`Report` that every
renderer uses, so the text, HTML, Markdown and JSON reports agree on what is said and how often.
Both work in one pass over the targets through :class:`Tally`, whose memory is bounded by the
number of distinct problems (each keeps at most :data:`NAMED_TARGETS` target names and a count),
so a streamed report can feed it one target at a time.

- A target's **state** counts every finding about it: its own, and the report-level (deployment)
  findings whose :attr:`Finding.about` names it.
- A **problem** is one rule with one fix (rule id, severity, remediation): ranked by severity, then
  by the number of targets it affects. When all its findings say the same words, the problem
  carries that message and the per-target cards need not repeat it.
- A problem's targets are grouped by **root cause** where its findings name one (:func:`cause_of`):
  300 leaves under one CA whose intermediate is missing are "300 targets: issuer X", once. At most
  :data:`CAUSES` causes a problem, :data:`CAUSE_NAMES` names a cause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from certready.core.facts import colon_hex
from certready.core.model import (
    CertFacts,
    Finding,
    Report,
    Scope,
    Severity,
    TargetResult,
    TargetStatus,
)
from certready.core.rules import catalogue

NAMED_TARGETS = 50
"""How many target names a problem keeps; beyond that only the count grows."""
CAUSES = 10
"""How many root causes a problem tells apart (the first seen); the targets of any other are
counted together."""
CAUSE_NAMES = 3
"""How many target names a root cause keeps."""


class TargetState(StrEnum):
    """The badge of a target: what a manager needs to know about it, not a severity name."""

    READY = "ready"
    """Examined; nothing at warning level or above (information only)."""
    NOT_READY = "not_ready"
    """An error-level finding, or the input could not be read."""
    UNREACHABLE = "unreachable"
    """A live server that could not be reached or did not complete a handshake."""
    ATTENTION = "attention"
    """Warnings only: works today, fails for some clients or soon."""
    SKIPPED = "skipped"
    """Deliberately not examined (nothing to lint: CA certificates only)."""

    @property
    def badge(self) -> str:
        """``READY``, ``NOT READY``...: the words on the badge."""
        return self.value.replace("_", " ").upper()

    @property
    def css(self) -> str:
        """``not-ready``: the class name of the badge."""
        return self.value.replace("_", "-")


def _examined(target: TargetResult) -> bool:
    if target.status is not TargetStatus.OK:
        return False
    return bool(target.findings) or not target.reason


def target_state(target: TargetResult, about_it: Iterable[Finding] = ()) -> TargetState:
    """The state of ``target`` from its status, its findings and the report-level findings
    ``about_it`` (the deployment findings that name it)."""
    if target.status is TargetStatus.UNREACHABLE:
        return TargetState.UNREACHABLE
    if target.status is TargetStatus.INPUT_ERROR:
        return TargetState.NOT_READY
    extra = tuple(about_it)
    if not _examined(target) and not extra:
        return TargetState.SKIPPED
    worst = max((f.severity for f in (*target.findings, *extra)), default=None)
    if worst is Severity.ERROR:
        return TargetState.NOT_READY
    if worst is Severity.WARNING:
        return TargetState.ATTENTION
    return TargetState.READY


def findings_about(report: Report) -> Mapping[str, tuple[Finding, ...]]:
    """Target name -> the report-level findings that name it in :attr:`Finding.about`."""
    out: dict[str, list[Finding]] = {}
    for f in report.findings:
        for name in f.about:
            out.setdefault(name, []).append(f)
    return {name: tuple(found) for name, found in out.items()}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing to fix: a rule, its fix said once, and the targets it applies to."""

    rule_id: str
    severity: Severity
    remediation: str
    message: str | None
    """The words every finding of the problem says, or ``None`` when they differ per target."""
    targets: tuple[str, ...]
    """The targets it applies to (at most :data:`NAMED_TARGETS`), in report order."""
    target_count: int
    """How many targets it applies to (may exceed ``len(targets)``)."""
    findings: int
    """How many findings it stands for."""
    deployment: bool
    """Some of its findings are about the deployment as a whole (report-level)."""
    causes: tuple[Cause, ...] = ()
    """Its targets by root cause, most targets first (empty when no finding names one)."""
    other_causes: int = 0
    """Targets of the problem none of :attr:`causes` covers (another cause, or none named)."""

    @property
    def key(self) -> tuple[str, Severity, str]:
        return (self.rule_id, self.severity, self.remediation)

    @property
    def said_once(self) -> bool:
        """One message for several targets: the per-target cards leave it to the problem."""
        return self.message is not None and self.target_count > 1


@dataclass(frozen=True, slots=True)
class Cause:
    """What several targets of one problem share: the same missing issuer, the same CA."""

    label: str
    """``issuer CN=Acme Issuing CA,O=Acme (key identifier E0:B5:...)``, ``CA CN=Acme Issuing CA``."""
    target_count: int
    targets: tuple[str, ...]
    """The first :data:`CAUSE_NAMES` of them."""


def cause_of(f: Finding, certificates: Mapping[str, CertFacts], leaf: str | None) -> str | None:
    """The root cause a finding of a target names, from the certificate it is about (by
    fingerprint among the target's ``certificates``; ``leaf``: the fingerprint of its server
    certificate): another certificate of the path is the cause itself (the same CA); a chain
    finding about the leaf has its cause above it, in the leaf's issuer (the same missing
    intermediate). ``None``: the finding is the target's own (its key, its names, its dates)."""
    cert = certificates.get(f.fingerprint_sha256 or "")
    if cert is None:
        return None
    if cert.fingerprint_sha256 != leaf:
        kind = "CA" if cert.is_ca else "certificate"
        return f"{kind} {cert.subject or cert.display_name}"
    if f.rule_id not in _chain_rule_ids():
        return None
    keyid = (
        f" (key identifier {colon_hex(cert.authority_key_identifier)})"
        if cert.authority_key_identifier
        else ""
    )
    return f"issuer {cert.issuer or '(empty name)'}{keyid}"


@cache
def _chain_rule_ids() -> frozenset[str]:
    return frozenset(r.id for r in catalogue() if r.scope is Scope.CHAIN)


@dataclass(slots=True)
class _OpenCause:
    label: str
    first: int
    targets: list[str] = field(default_factory=list)
    target_count: int = 0
    last: str | None = None

    def add(self, target: str) -> None:
        if target == self.last:
            return
        self.last = target
        self.target_count += 1
        if len(self.targets) < CAUSE_NAMES:
            self.targets.append(target)

    def close(self) -> Cause:
        return Cause(self.label, self.target_count, tuple(self.targets))


@dataclass(slots=True)
class _Open:
    rule_id: str
    severity: Severity
    remediation: str
    message: str | None
    first: int
    targets: list[str] = field(default_factory=list)
    target_count: int = 0
    findings: int = 0
    deployment: bool = False
    same_message: bool = True
    last: str | None = None
    causes: dict[str, _OpenCause] = field(default_factory=dict)

    def add(self, f: Finding, target: str | None, cause: str | None = None) -> None:
        self.findings += 1
        if f.message != self.message:
            self.same_message = False
        if target is None:
            self.deployment = True
            return
        if cause is not None:
            known = self.causes.get(cause)
            if known is None and len(self.causes) < CAUSES:
                known = self.causes[cause] = _OpenCause(cause, len(self.causes))
            if known is not None:
                known.add(target)
        if target == self.last or target in self.targets:
            return
        self.last = target
        self.target_count += 1
        if len(self.targets) < NAMED_TARGETS:
            self.targets.append(target)

    def close(self) -> Problem:
        causes = sorted(self.causes.values(), key=lambda c: (-c.target_count, c.first))
        covered = sum(c.target_count for c in causes)
        return Problem(
            rule_id=self.rule_id,
            severity=self.severity,
            remediation=self.remediation,
            message=self.message if self.same_message else None,
            targets=tuple(self.targets),
            target_count=self.target_count,
            findings=self.findings,
            deployment=self.deployment,
            causes=tuple(c.close() for c in causes),
            other_causes=max(self.target_count - covered, 0) if causes else 0,
        )


class Tally:
    """Problems and state counts accumulated one target at a time (streaming-friendly)."""

    def __init__(self, report_findings: Iterable[Finding] = ()) -> None:
        self._open: dict[tuple[str, Severity, str], _Open] = {}
        self._about: dict[str, list[Finding]] = {}
        self.states: dict[TargetState, int] = dict.fromkeys(TargetState, 0)
        self.unreadable = 0
        """Targets whose input could not be read (apart from unreachable servers)."""
        for f in report_findings:
            if f.about:
                for name in f.about:
                    self._about.setdefault(name, []).append(f)
            else:
                self._add(f, None)

    def _add(self, f: Finding, target: str | None, cause: str | None = None) -> None:
        key = (f.rule_id, f.severity, f.remediation)
        problem = self._open.get(key)
        if problem is None:
            problem = _Open(f.rule_id, f.severity, f.remediation, f.message, len(self._open))
            self._open[key] = problem
        problem.add(f, target, cause)

    def add(self, target: TargetResult) -> TargetState:
        """Count ``target`` (its findings and the deployment findings about it); its state."""
        about = self._about.get(target.target, ())
        elements = (*target.certificates, *target.path)
        certificates = {e.certificate.fingerprint_sha256: e.certificate for e in elements}
        leaf = (
            target.certificates[0].certificate.fingerprint_sha256 if target.certificates else None
        )
        for f in target.findings:
            self._add(f, target.target, cause_of(f, certificates, leaf))
        for f in about:
            self._add(f, target.target)
        state = target_state(target, about)
        self.states[state] += 1
        if target.status is TargetStatus.INPUT_ERROR:
            self.unreadable += 1
        return state

    def opened(self, f: Finding) -> int:
        """Which problem ``f`` (already counted) belongs to, by order of first sight: a number
        that stays fixed while the ranks move, for a streamed renderer to spool; the rank is
        :meth:`Summary.rank_of` once every target is counted."""
        return self._open[(f.rule_id, f.severity, f.remediation)].first

    def problems(self) -> tuple[Problem, ...]:
        """Most severe first, then the most targets affected, then first seen."""
        return tuple(p.close() for p in self._ranked())

    def _ranked(self) -> list[_Open]:
        return sorted(
            self._open.values(),
            key=lambda p: (-p.severity, -max(p.target_count, 1), p.first),
        )

    def summary(self, states: tuple[TargetState, ...] = ()) -> Summary:
        """The summary of what was counted; ``states`` is empty on a streamed path (the counts
        say how many targets are in each state, without a list that grows with them)."""
        ranked = self._ranked()
        return Summary(
            tuple(p.close() for p in ranked),
            states,
            dict(self.states),
            self.unreadable,
            opened_ranks={p.first: i for i, p in enumerate(ranked, 1)},
        )


@dataclass(frozen=True, slots=True)
class Summary:
    """What every renderer shows first: problems, each target's state, and the state counts."""

    problems: tuple[Problem, ...]
    states: tuple[TargetState, ...]
    """One per target, in report order (empty when the targets were streamed)."""
    counts: Mapping[TargetState, int]
    unreadable: int
    opened_ranks: Mapping[int, int] = field(default_factory=dict)
    """:meth:`Tally.opened` -> rank."""
    _ranks: dict[tuple[str, Severity, str], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ranks = {p.key: i for i, p in reversed(tuple(enumerate(self.problems, 1)))}
        object.__setattr__(self, "_ranks", ranks)

    def number(self, f: Finding) -> int | None:
        """The 1-based rank of the problem ``f`` belongs to (its "fix #n")."""
        return self._ranks.get((f.rule_id, f.severity, f.remediation))

    def rank_of(self, opened: int) -> int:
        """The rank of the problem :meth:`Tally.opened` numbered ``opened``."""
        return self.opened_ranks[opened]

    def said_once(self, f: Finding) -> bool:
        """Whether ``f`` is told in full by its problem (same words on several targets)."""
        n = self.number(f)
        if n is None:
            return False
        p = self.problems[n - 1]
        return p.said_once and p.message == f.message


def _targets(n: int) -> str:
    return f"{n} target" if n == 1 else f"{n} targets"


def cause_lines(problem: Problem) -> tuple[str, ...]:
    """``300 targets: issuer CN=X (key identifier AB:...) — a.pem, b.pem, c.pem + 297 more``: the
    problem's targets by root cause, then how many others. Empty when no finding names a cause,
    for one target (its card says it), and when the problem's one message already says the one
    cause of all its targets."""
    if problem.target_count < 2:
        return ()
    if problem.said_once and len(problem.causes) == 1 and not problem.other_causes:
        return ()
    lines = []
    for cause in problem.causes:
        names = list(cause.targets)
        if cause.target_count > len(names):
            names.append(f"+ {cause.target_count - len(names)} more")
        lines.append(f"{_targets(cause.target_count)}: {cause.label} — {', '.join(names)}")
    if problem.other_causes:
        lines.append(f"{_targets(problem.other_causes)}: other causes")
    return tuple(lines)


def summarize(report: Report) -> Summary:
    """The report's problems, states and counts, in one pass over its targets."""
    tally = Tally(report.findings)
    states = tuple(tally.add(t) for t in report.targets)
    return tally.summary(states)


def problems(report: Report) -> tuple[Problem, ...]:
    """The distinct problems of ``report``, most urgent first."""
    return summarize(report).problems


__all__ = [
    "CAUSES",
    "CAUSE_NAMES",
    "NAMED_TARGETS",
    "Cause",
    "Problem",
    "Summary",
    "Tally",
    "TargetState",
    "cause_lines",
    "findings_about",
    "problems",
    "summarize",
    "target_state",
]
