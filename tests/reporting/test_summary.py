"""reporting/summary.py: states and ranked problems, one pass, bounded memory."""

from __future__ import annotations

from certready.adapters.reporting import summary as summary_module
from certready.adapters.reporting.summary import NAMED_TARGETS, Tally, TargetState, summarize
from certready.core.location import FileLocation, ManifestLocation
from certready.core.model import Finding, Report, Severity, TargetResult, TargetStatus
from tests.reporting.sample import NOW


def _f(
    rule: str, severity: Severity, message: str = "m", fix: str = "fix", **kw: object
) -> Finding:
    return Finding(rule, severity, message, FileLocation("x.pem", 0), fix, **kw)  # type: ignore[arg-type]


def _t(name: str, *findings: Finding, status: TargetStatus = TargetStatus.OK) -> TargetResult:
    return TargetResult(target=name, location=FileLocation(name), status=status, findings=findings)


def test_ranked_by_severity_then_targets_affected() -> None:
    report = Report(
        "lint",
        "p",
        NOW,
        (
            _t("a", _f("w.one", Severity.WARNING), _f("e.one", Severity.ERROR)),
            _t("b", _f("w.two", Severity.WARNING), _f("w.one", Severity.WARNING)),
            _t("c", _f("w.two", Severity.WARNING)),
            _t("d", _f("w.two", Severity.WARNING)),
        ),
    )
    problems = summarize(report).problems
    assert [p.rule_id for p in problems] == ["e.one", "w.two", "w.one"]
    assert problems[1].targets == ("b", "c", "d") and problems[1].said_once
    assert not problems[0].said_once  # control: one target only


def test_different_messages_are_one_problem_but_not_said_once() -> None:
    report = Report(
        "lint",
        "p",
        NOW,
        (
            _t("a", _f("v", Severity.WARNING, "12 days")),
            _t("b", _f("v", Severity.WARNING, "3 days")),
        ),
    )
    (problem,) = summarize(report).problems
    assert problem.target_count == 2 and problem.message is None and not problem.said_once


def test_states_count_deployment_findings_about_a_target() -> None:
    about = Finding(
        "deployment.x", Severity.ERROR, "m", ManifestLocation("d.yaml", 3), "fix", about=("a",)
    )
    report = Report(
        "audit",
        "p",
        NOW,
        (
            _t("a", _f("i", Severity.INFO)),
            _t("b", _f("i", Severity.INFO)),
            _t("c", status=TargetStatus.UNREACHABLE),
            _t("d", status=TargetStatus.INPUT_ERROR),
            _t("e", _f("w", Severity.WARNING)),
        ),
        findings=(about,),
    )
    s = summarize(report)
    assert s.states == (
        TargetState.NOT_READY,  # the deployment finding about it
        TargetState.READY,  # control: the same info finding alone
        TargetState.UNREACHABLE,
        TargetState.NOT_READY,
        TargetState.ATTENTION,
    )
    assert s.unreadable == 1 and s.counts[TargetState.UNREACHABLE] == 1
    assert [p.targets for p in s.problems if p.rule_id == "deployment.x"] == [("a",)]


def test_memory_bounded_by_distinct_problems() -> None:
    tally = Tally()
    for i in range(NAMED_TARGETS * 3):  # one target at a time, as a stream would
        tally.add(_t(f"t{i}", _f("chain.private-ca", Severity.INFO)))
    (problem,) = tally.problems()
    assert problem.target_count == NAMED_TARGETS * 3
    assert len(problem.targets) == NAMED_TARGETS  # names kept are capped
    assert summary_module.NAMED_TARGETS == NAMED_TARGETS
