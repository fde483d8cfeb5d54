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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from certready.core.model import Finding, Report, Severity, TargetResult, TargetStatus

NAMED_TARGETS = 50
"""How many target names a problem keeps; beyond that only the count grows."""


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

    @property
    def key(self) -> tuple[str, Severity, str]:
        return (self.rule_id, self.severity, self.remediation)

    @property
    def said_once(self) -> bool:
        """One message for several targets: the per-target cards leave it to the problem."""
        return self.message is not None and self.target_count > 1


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

    def add(self, f: Finding, target: str | None) -> None:
        self.findings += 1
        if f.message != self.message:
            self.same_message = False
        if target is None:
            self.deployment = True
            return
        if self.targets and self.targets[-1] == target:
            return
        if target in self.targets:
            return
        self.target_count += 1
        if len(self.targets) < NAMED_TARGETS:
            self.targets.append(target)

    def close(self) -> Problem:
        return Problem(
            rule_id=self.rule_id,
            severity=self.severity,
            remediation=self.remediation,
            message=self.message if self.same_message else None,
            targets=tuple(self.targets),
            target_count=self.target_count,
            findings=self.findings,
            deployment=self.deployment,
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

    def _add(self, f: Finding, target: str | None) -> None:
        key = (f.rule_id, f.severity, f.remediation)
        problem = self._open.get(key)
        if problem is None:
            problem = _Open(f.rule_id, f.severity, f.remediation, f.message, len(self._open))
            self._open[key] = problem
        problem.add(f, target)

    def add(self, target: TargetResult) -> TargetState:
        """Count ``target`` (its findings and the deployment findings about it); its state."""
        about = self._about.get(target.target, ())
        for f in (*target.findings, *about):
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


def summarize(report: Report) -> Summary:
    """The report's problems, states and counts, in one pass over its targets."""
    tally = Tally(report.findings)
    states = tuple(tally.add(t) for t in report.targets)
    return tally.summary(states)


def problems(report: Report) -> tuple[Problem, ...]:
    """The distinct problems of ``report``, most urgent first."""
    return summarize(report).problems


__all__ = [
    "NAMED_TARGETS",
    "Problem",
    "Summary",
    "Tally",
    "TargetState",
    "findings_about",
    "problems",
    "summarize",
    "target_state",
]
