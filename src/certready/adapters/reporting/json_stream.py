"""The JSON report (``--format json``) written in constant memory from a stream of targets.

The report's ``summary`` comes before its ``targets`` and ``facts``, so a streamed run cannot
write it front to back: each target's JSON goes to a temporary file as it completes (and each
certificate's facts, the first time its fingerprint is seen, to another), the counts are tallied
on the way, and the document is assembled at the end by copying the two files into place. What
stays in memory is the tally (bounded by the distinct problems); the fingerprints seen are in a
temporary SQLite table (:class:`_Seen`). The document is the one :func:`json_report.render`
writes for the same report.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from pydantic import TypeAdapter

from certready import __version__
from certready.adapters.reporting.json_report import (
    SCHEMA_VERSION,
    certificate_out,
    finding_out,
    target_out,
)
from certready.adapters.reporting.summary import Tally, TargetState
from certready.core.model import Report, Severity, TargetResult

_COPY = 1 << 16
_GENERATED = TypeAdapter(Any)


class JsonStreamWriter:
    """``add`` each target as it completes, then ``chunks()`` once: the report's bytes."""

    def __init__(self, header: Report) -> None:
        self._header = header
        self._tally = Tally(header.findings)
        self._counts = dict.fromkeys(Severity, 0)
        for finding in header.findings:
            self._counts[finding.severity] += 1
        self._targets_count = 0
        self._input_errors = 0
        self._seen = _Seen()
        self._targets: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by chunks()
        self._facts: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by chunks()

    def add(self, target: TargetResult) -> None:
        state = self._tally.add(target)
        self._targets_count += 1
        self._input_errors += target.status.failed
        for finding in target.findings:
            self._counts[finding.severity] += 1
        body = target_out(target, state).model_dump(mode="json")
        _item(self._targets, self._targets_count == 1, _dumps(body, 4))
        for element in (*target.certificates, *target.path):
            fingerprint = element.certificate.fingerprint_sha256
            first = not self._seen.count
            if not self._seen.add(fingerprint):
                continue
            facts = certificate_out(element.certificate).model_dump(mode="json")
            _item(self._facts, first, f"{json.dumps(fingerprint)}: {_dumps(facts, 4)}")

    def chunks(self) -> Iterator[bytes]:
        """The whole document; the temporary files are closed after it."""
        try:
            head, rest = _dumps(self._document(), 0).split('"\\u0000targets"', 1)
            middle, tail = rest.split('"\\u0000facts"', 1)
            yield head.encode("utf-8")
            yield from _copied(self._targets, "[", "]")
            yield middle.encode("utf-8")
            yield from _copied(self._facts, "{", "}")
            yield (tail + "\n").encode("utf-8")
        finally:
            self._targets.close()
            self._facts.close()
            self._seen.close()

    def _document(self) -> dict[str, Any]:
        header = self._header
        worst = max((s for s, n in self._counts.items() if n), default=None)
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": "certready",
            "tool_version": __version__,
            "command": header.command,
            "profile": header.profile,
            "title": header.title,
            "generated_at": _GENERATED.dump_python(header.generated_at, mode="json"),
            "summary": {
                "targets": self._targets_count,
                "errors": self._counts[Severity.ERROR],
                "warnings": self._counts[Severity.WARNING],
                "info": self._counts[Severity.INFO],
                "input_errors": self._input_errors,
                "unreachable": self._tally.states[TargetState.UNREACHABLE],
                "unreadable": self._tally.unreadable,
                "worst": worst.label if worst else None,
            },
            "findings": [finding_out(f).model_dump(mode="json") for f in header.findings],
            "targets": "\0targets",
            "facts": "\0facts",
        }


class _Seen:
    """The fingerprints whose facts are written: a temporary SQLite table (a page cache of memory
    however many certificates), the last few hundred also in memory (a fleet's CA certificates
    come with every target)."""

    RECENT = 512

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # a private temporary database, on disk past its cache
        self._db.execute("CREATE TABLE seen (fp BLOB PRIMARY KEY) WITHOUT ROWID")
        self._recent: dict[str, None] = {}
        self.count = 0

    def add(self, fingerprint: str) -> bool:
        """Whether ``fingerprint`` is new (and now seen)."""
        if fingerprint in self._recent:
            return False
        if len(self._recent) >= self.RECENT:
            self._recent.clear()
        self._recent[fingerprint] = None
        added = self._db.execute(
            "INSERT OR IGNORE INTO seen VALUES (?)", (bytes.fromhex(fingerprint),)
        ).rowcount
        self.count += added
        return added == 1

    def close(self) -> None:
        self._db.close()


def _dumps(obj: object, indent: int) -> str:
    """``obj`` as the JSON report writes it (two spaces a level), nested ``indent`` deep."""
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * indent) if indent else text


def _item(spool: IO[bytes], first: bool, text: str) -> None:
    spool.write((("" if first else ",") + "\n    " + text).encode("utf-8"))


def _copied(spool: IO[bytes], opening: str, closing: str) -> Iterator[bytes]:
    if spool.tell() == 0:
        yield (opening + closing).encode("utf-8")
        return
    spool.seek(0)
    yield opening.encode("utf-8")
    while chunk := spool.read(_COPY):
        yield chunk
    yield ("\n  " + closing).encode("utf-8")


def streamed(report: Report) -> bytes:
    """A finished report through the stream writer (tests compare it with ``render``)."""
    writer = JsonStreamWriter(report)
    for target in report.targets:
        writer.add(target)
    return b"".join(writer.chunks())


__all__ = ["JsonStreamWriter", "streamed"]
