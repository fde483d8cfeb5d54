"""Text and HTML reports written from a stream of targets: byte for byte the in-memory rendering,
in memory that does not grow with the targets, and a summary grouped by rule and root cause."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from certready.adapters.profiles import load_policy
from certready.adapters.reporting import html_report, text_report
from certready.adapters.reporting.html_report import HtmlStreamWriter
from certready.adapters.reporting.summary import Problem, Tally, cause_lines
from certready.adapters.reporting.text_report import TextStreamWriter
from certready.core.location import FileLocation, ManifestLocation
from certready.core.model import (
    ChainElement,
    Finding,
    Report,
    Severity,
    TargetResult,
    TargetStatus,
)
from certready.core.policy import Policy
from certready.interfaces.cli.common import Streams
from certready.interfaces.cli.output import StreamTally, emit_report, emit_stream
from tests.reporting.audit10 import audit10, facts, finding
from tests.reporting.sample import NOW, RULES, clean_report, policy, sample_report

HOMECARE = load_policy("homecare")
ACME = "CN=Acme Issuing CA,O=Acme"
OTHER = "CN=Other Issuing CA,O=Other"


def fleet(n: int = 300, *, every_other_ca: int = 10) -> Report:
    """``n`` leaves whose issuing CA was not sent: one in ``every_other_ca`` under Other, the rest
    under Acme; each message names its own leaf. One leaf expires soon, one input is unreadable,
    one server unreachable; the deployment has a finding about one target and one about none."""
    targets: list[TargetResult] = []
    for i in range(n):
        issuer = OTHER if i % every_other_ca == 0 else ACME
        leaf = replace(
            facts(f"h{i}.example.test", issuer=issuer, serial=f"{i:04X}", days_left=20 + i % 300),
            authority_key_identifier="A0B1" if issuer == ACME else "C2D3",
        )
        where = FileLocation(f"certs/{i:04d}.pem", 0)
        found = [
            finding(
                "chain.missing-intermediate",
                f"the issuer of {leaf.display_name}, {issuer}, is neither supplied nor trusted",
                where,
                leaf,
            )
        ]
        if i == 7:
            found.append(
                finding(
                    "validity.expiring-soon", "expires in 27 days", where, leaf, Severity.WARNING
                )
            )
        targets.append(
            TargetResult(
                target=f"certs/{i:04d}.pem",
                location=where,
                certificates=(ChainElement(leaf, where),),
                path=(ChainElement(leaf, where),),
                findings=tuple(found),
            )
        )
    targets.insert(
        3,
        TargetResult(
            target="certs/broken.pem",
            location=FileLocation("certs/broken.pem"),
            status=TargetStatus.INPUT_ERROR,
            reason="not a certificate: no PEM block and not DER",
        ),
    )
    targets.append(
        TargetResult(
            target="gone.example.test:443",
            location=FileLocation("targets.txt", 2),
            status=TargetStatus.UNREACHABLE,
            reason="connection refused",
        )
    )
    deployment = (
        finding(
            "deployment.served-certificate-differs",
            "the server presents another certificate",
            ManifestLocation("certready.yaml", 4),
            about=("certs/0005.pem",),
        ),
        finding(
            "deployment.client-ios-trust-switch",
            "iOS clients need the trust switch",
            ManifestLocation("certready.yaml", 9),
        ),
    )
    return Report("audit", "homecare", NOW, tuple(targets), deployment, title="Fleet")


Case = tuple[Callable[[], Report], Policy, object]
CASES: dict[str, Case] = {
    "audit10": (audit10, HOMECARE, None),
    "sample": (sample_report, policy(), RULES),
    "clean": (clean_report, policy(), RULES),
    "fleet": (fleet, HOMECARE, None),
    "empty": (lambda: Report("lint", "homecare", NOW, ()), HOMECARE, None),
}


def _streamed(writer: TextStreamWriter | HtmlStreamWriter, report: Report) -> str:
    for target in report.targets:
        writer.add(target)
    return b"".join(writer.chunks()).decode("utf-8")


def _header(report: Report) -> Report:
    return replace(report, targets=())


@pytest.mark.parametrize("case", CASES)
def test_streamed_text_is_the_rendered_text(case: str) -> None:
    make, the_policy, rules = CASES[case]
    report = make()
    writer = TextStreamWriter(_header(report), the_policy, rules=rules)  # type: ignore[arg-type]
    expected = text_report.render(report, the_policy, rules=rules)  # type: ignore[arg-type]
    assert _streamed(writer, report) == expected


@pytest.mark.parametrize("case", CASES)
def test_streamed_html_is_the_rendered_page(case: str) -> None:
    make, the_policy, rules = CASES[case]
    report = make()
    writer = HtmlStreamWriter(_header(report), the_policy, rules=rules)  # type: ignore[arg-type]
    expected = html_report.render(report, the_policy, rules=rules)  # type: ignore[arg-type]
    assert _streamed(writer, report) == expected


def _colour() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=100, emoji=False), buffer


@pytest.mark.parametrize("case", ["audit10", "fleet"])
def test_streamed_text_on_a_terminal_is_the_printed_report(case: str) -> None:
    make, the_policy, _ = CASES[case]
    report = make()
    printed, expected = _colour()
    text_report.print_report(report, printed, the_policy)
    streamed, got = _colour()
    writer = TextStreamWriter(_header(report), the_policy)
    for target in report.targets:
        writer.add(target)
    writer.print_to(streamed)
    assert "\x1b[" in got.getvalue()  # in colour
    assert got.getvalue() == expected.getvalue()


def test_fix_numbers_settle_only_at_the_end() -> None:
    """What makes the spooling necessary: the first target's problem is "fix 1" while it is the
    only one counted and "fix 2" once later targets bring an error; its line says the latter."""
    where = FileLocation("a.pem", 0)
    first = TargetResult(
        "a.pem", where, findings=(Finding("w.one", Severity.WARNING, "w", where, "fix w"),)
    )
    later = tuple(
        TargetResult(
            f"{i}.pem", where, findings=(Finding("e.two", Severity.ERROR, "e", where, "fix e"),)
        )
        for i in range(3)
    )
    report = Report("lint", "homecare", NOW, (first, *later))
    tally = Tally()
    tally.add(first)
    assert tally.summary().number(first.findings[0]) == 1  # control: had it been written now
    text = _streamed(TextStreamWriter(_header(report), HOMECARE), report)
    assert text == text_report.render(report, HOMECARE)
    block = text.split("a.pem  ATTENTION", 1)[1] if "a.pem  ATTENTION" in text else text
    assert "w.one  w (fix 2)" in text.split("✗ 0.pem", 1)[0], block


def test_summary_groups_by_rule_and_root_cause() -> None:
    """300 leaves whose issuing CA was not sent: one problem, two causes, each said once with its
    count, not one line per target."""
    report = fleet(300)
    text = text_report.render(report, HOMECARE)
    head = text.split("\n\n", 2)[1]
    assert "270 targets: issuer CN=Acme Issuing CA,O=Acme (key identifier A0:B1)" in head
    assert "30 targets: issuer CN=Other Issuing CA,O=Other (key identifier C2:D3)" in head
    assert head.count("chain.missing-intermediate") == 1
    assert head.count("certs/") <= 2 * 3 + 10  # a few names per cause, not 300
    page = html_report.render(report, HOMECARE)
    assert "<li>270 targets: issuer CN=Acme Issuing CA,O=Acme (key identifier A0:B1)" in page
    # control: the leaf's own finding (expiring soon) names no cause
    (soon,) = [p for p in _problems(report) if p.rule_id == "validity.expiring-soon"]
    assert soon.causes == () and cause_lines(soon) == ()


def _problems(report: Report) -> tuple[Problem, ...]:
    tally = Tally(report.findings)
    for target in report.targets:
        tally.add(target)
    return tally.problems()


def test_a_finding_about_a_ca_has_that_ca_as_its_cause() -> None:
    """A finding about another certificate of the path (the issuing CA) groups by that CA."""
    ca_a = facts("Acme Issuing CA", issuer="CN=Acme Root", ca=True, serial="A")
    ca_b = facts("Other Issuing CA", issuer="CN=Other Root", ca=True, serial="B")
    targets = []
    for i in range(6):
        ca = ca_a if i < 4 else ca_b
        leaf = facts(f"l{i}.example.test", issuer=ca.subject, serial=f"L{i}")
        where = FileLocation(f"l{i}.pem", 0)
        targets.append(
            TargetResult(
                target=f"l{i}.pem",
                location=where,
                certificates=(ChainElement(leaf, where),),
                path=(ChainElement(leaf, where), ChainElement(ca, FileLocation(f"l{i}.pem", 1))),
                findings=(
                    finding("chain.issuer-not-found", f"the chain ends at {ca.subject}", where, ca),
                ),
            )
        )
    tally = Tally()
    for t in targets:
        tally.add(t)
    (problem,) = tally.problems()
    assert [(c.label, c.target_count) for c in problem.causes] == [
        ("CA CN=Acme Issuing CA,O=Example", 4),
        ("CA CN=Other Issuing CA,O=Example", 2),
    ]


def test_causes_are_bounded() -> None:
    """Past CAUSES distinct causes the rest are counted together; names per cause are capped."""
    from certready.adapters.reporting.summary import CAUSE_NAMES, CAUSES

    report = fleet(200, every_other_ca=1)  # one issuer name: each leaf gets its own key id
    tally = Tally()
    for i, target in enumerate(report.targets):
        if not target.certificates:
            tally.add(target)
            continue
        leaf = replace(target.certificates[0].certificate, authority_key_identifier=f"{i:04X}")
        element = ChainElement(leaf, target.location)
        found = tuple(
            replace(f, fingerprint_sha256=leaf.fingerprint_sha256) for f in target.findings
        )
        tally.add(replace(target, certificates=(element,), path=(element,), findings=found))
    problem = next(p for p in tally.problems() if p.rule_id == "chain.missing-intermediate")
    assert len(problem.causes) == CAUSES
    assert all(len(c.targets) <= CAUSE_NAMES for c in problem.causes)
    assert problem.other_causes == 200 - CAUSES
    assert cause_lines(problem)[-1] == f"{200 - CAUSES} targets: other causes"


def test_target_counted_once_past_the_names_kept() -> None:
    """A target with two findings of one problem is one target, also after the 50 names kept."""
    tally = Tally()
    where = FileLocation("x.pem", 0)
    for i in range(80):
        twice = tuple(
            Finding("chain.weak", Severity.WARNING, f"m{j}", where, "fix") for j in range(2)
        )
        tally.add(TargetResult(target=f"t{i}", location=where, findings=twice))
    (problem,) = tally.problems()
    assert problem.target_count == 80 and problem.findings == 160


def _traced(make_writer: Callable[[], TextStreamWriter | HtmlStreamWriter], n: int) -> int:
    """Python memory held by a writer after ``n`` targets (their spools are on disk)."""
    report = fleet(n)
    targets: Iterator[TargetResult] = iter(report.targets)
    tracemalloc.start()
    try:
        writer = make_writer()
        for target in targets:
            writer.add(target)
        gc.collect()  # a template's render leaves cycles behind until a full collection
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    for _ in writer.chunks():
        pass
    return held


@pytest.mark.parametrize("kind", ["text", "html"])
def test_memory_does_not_grow_with_the_targets(kind: str) -> None:
    header = _header(fleet(1))
    make: Callable[[], TextStreamWriter | HtmlStreamWriter] = (
        (lambda: TextStreamWriter(header, HOMECARE))
        if kind == "text"
        else (lambda: HtmlStreamWriter(header, HOMECARE))
    )
    small, large = _traced(make, 100), _traced(make, 1000)
    assert large - small < 100_000  # 900 more targets: about 0.1 KB each at most
    # control: keeping the targets, as the in-memory renderers must, is seen by this measure
    tracemalloc.start()
    kept = list(fleet(900).targets)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(kept) > 900 and held > 1_000_000


def _streams() -> tuple[Streams, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Streams(stdout=out, stderr=err), out, err


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_cli_streams_what_it_would_render(fmt: str, tmp_path: Path) -> None:
    """``emit_stream`` (what ``lint`` uses) writes the file and stdout ``emit_report`` writes, and
    says each unreadable input once on stderr."""
    report = fleet(60)
    streamed_file, rendered_file = tmp_path / "streamed", tmp_path / "rendered"
    streams, _, err = _streams()
    emit_stream(
        _header(report),
        iter(report.targets),
        fmt,
        str(streamed_file),
        streams,
        StreamTally(),
        policy=HOMECARE,
    )
    emit_report(report, fmt, str(rendered_file), _streams()[0], policy=HOMECARE)
    assert streamed_file.read_bytes() == rendered_file.read_bytes()
    assert err.getvalue().count("certs/broken.pem: not a certificate") == 1
    streams, out, _ = _streams()
    emit_stream(
        _header(report), iter(report.targets), fmt, None, streams, StreamTally(), policy=HOMECARE
    )
    rendered, expected, _ = _streams()
    emit_report(report, fmt, None, rendered, policy=HOMECARE)
    assert out.getvalue() == expected.getvalue() and out.getvalue()


def _warned(n: int) -> Report:
    where = FileLocation("x.pem", 0)
    return Report(
        "lint",
        "homecare",
        NOW,
        tuple(
            TargetResult(
                f"t{i}", where, findings=(Finding("k.w", Severity.WARNING, "w", where, "fix"),)
            )
            for i in range(n)
        ),
    )


def test_a_long_run_says_how_many_targets_first() -> None:
    """Past the names kept, the summary says the count first (N targets have X)."""
    text = text_report.render(_warned(60), HOMECARE)
    assert "on 60 targets: t0, t1," in text and ", t49, + 10 more" in text
    assert "Applies to" not in text  # (HTML's label, below)
    page = html_report.render(_warned(60), HOMECARE)
    assert '<span class="applies">60 targets: t0, t1,' in page
    # control: a short list is the names alone
    assert "on t0, t1, t2\n" in text_report.render(_warned(3), HOMECARE)
