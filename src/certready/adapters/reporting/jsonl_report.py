"""JSON Lines output (``--format jsonl``): one JSON object per line, for machines and big runs.

Every line has ``schema_version`` (the JSON report's) and ``type``: a ``target`` line per target
as it completes, carrying its own certificates (the ``targets[]`` object of the JSON report plus
the ``facts`` of the certificates it references), then
one ``summary`` line last (the report's header, ``summary`` and whole-run ``findings``). A
:class:`JsonlWriter` turns targets into lines one at a time, so a run streams from input to output
without keeping its targets; :func:`render` writes a finished :class:`Report` the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from certready import __version__
from certready.adapters.reporting.json_report import (
    SCHEMA_VERSION,
    certificate_out,
    finding_out,
    target_out,
)
from certready.adapters.reporting.summary import Tally, TargetState
from certready.core.model import CertFacts, Finding, Report, Severity, TargetResult

_DATETIME = TypeAdapter(dt.datetime)

CA_FACTS_MAX = 4096


@dataclass(slots=True)
class JsonlWriter:
    """The lines of one run: :meth:`target` for each target, :meth:`summary` once at the end."""

    command: str
    profile: str
    generated_at: dt.datetime
    title: str | None = None
    findings: tuple[Finding, ...] = ()
    """The run's own findings (audit's deployment findings), known before its targets stream."""
    counts: dict[Severity, int] = field(default_factory=lambda: dict.fromkeys(Severity, 0))
    targets: int = 0
    input_errors: int = 0
    tally: Tally = field(init=False)
    ca_facts: dict[str, str] = field(default_factory=dict, repr=False)
    """CA certificates' facts as JSON text, by fingerprint (at most :data:`CA_FACTS_MAX`)."""

    def __post_init__(self) -> None:
        self.tally = Tally(self.findings)

    def target(self, result: TargetResult) -> str:
        self.targets += 1
        self.input_errors += result.status.failed
        for finding in result.findings:
            self.counts[finding.severity] += 1
        state = self.tally.add(result)
        body = target_out(result, state).model_dump(mode="json")
        head = _line({"schema_version": SCHEMA_VERSION, "type": "target", **body})
        facts: dict[str, str] = {}
        for element in (*result.certificates, *result.path):
            certificate = element.certificate
            if certificate.fingerprint_sha256 not in facts:
                facts[certificate.fingerprint_sha256] = self._facts(certificate)
        listed = ",".join(f"{json.dumps(fp)}:{text}" for fp, text in facts.items())
        return f'{head[:-2]},"facts":{{{listed}}}}}\n'  # as json.dumps writes the whole line

    def _facts(self, certificate: CertFacts) -> str:
        """A certificate's facts as JSON text; a CA certificate's remembered (it recurs in
        every line of its leaves)."""
        text = self.ca_facts.get(certificate.fingerprint_sha256)
        if text is None:
            text = _json(certificate_out(certificate).model_dump(mode="json"))
            if certificate.is_ca or certificate.self_issued:
                if len(self.ca_facts) >= CA_FACTS_MAX:
                    self.ca_facts.clear()
                self.ca_facts[certificate.fingerprint_sha256] = text
        return text

    def summary(self) -> str:
        whole = self.findings
        counts = dict(self.counts)
        for finding in whole:
            counts[finding.severity] += 1
        worst = max((s for s, n in counts.items() if n), default=None)
        return _line(
            {
                "schema_version": SCHEMA_VERSION,
                "type": "summary",
                "tool": "certready",
                "tool_version": __version__,
                "command": self.command,
                "profile": self.profile,
                "title": self.title,
                "generated_at": _DATETIME.dump_python(self.generated_at, mode="json"),
                "summary": {
                    "targets": self.targets,
                    "errors": counts[Severity.ERROR],
                    "warnings": counts[Severity.WARNING],
                    "info": counts[Severity.INFO],
                    "input_errors": self.input_errors,
                    "unreachable": self.tally.states[TargetState.UNREACHABLE],
                    "unreadable": self.tally.unreadable,
                    "worst": worst.label if worst else None,
                },
                "findings": [finding_out(f).model_dump(mode="json") for f in whole],
            }
        )


def _json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _line(obj: dict[str, Any]) -> str:
    return _json(obj) + "\n"


def lines(report: Report) -> Iterator[str]:
    """A finished report as JSON lines: its targets, then the summary."""
    writer = JsonlWriter(
        report.command, report.profile, report.generated_at, report.title, report.findings
    )
    for target in report.targets:
        yield writer.target(target)
    yield writer.summary()


def render(report: Report) -> str:
    return "".join(lines(report))
