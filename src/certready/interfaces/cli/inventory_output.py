"""The answers of ``inventory``, ``history``, ``diff`` and ``calendar`` as text, JSON
(``schema_version`` first, a row a line) or CSV: one writer for every query command."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Any

from certready.core.durations import format_duration
from certready.core.model import Severity
from certready.interfaces.cli.main import current_streams
from certready.services import history as queries

SCHEMA_VERSION = 1


class QueryFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"


def write_answer(
    fmt: QueryFormat,
    *,
    document: Callable[[], dict[str, Any]],
    table: Callable[[], tuple[Sequence[str], Iterable[dict[str, Any]]]],
    text: Callable[[], str],
) -> int:
    """Write one query's answer to stdout in ``fmt``: only the form asked for is built."""
    write = current_streams().stdout.write
    if fmt is QueryFormat.JSON:
        write(json_text(document()))
    elif fmt is QueryFormat.CSV:
        write(csv_text(*table()))
    else:
        write(text())
    return 0


INVENTORY_COLUMNS = [f.name for f in dataclasses.fields(queries.InventoryItem)]
CALENDAR_COLUMNS = [f.name for f in dataclasses.fields(queries.CalendarEntry)]
DIFF_COLUMNS = [
    "section",
    "change",
    "target",
    "rule_id",
    "severity",
    "location",
    "message",
    "before",
    "after",
]


def _plain(value: Any) -> Any:
    """Dataclasses, tuples and datetimes as JSON/CSV values (times in UTC, ``Z``)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def plain_row(item: Any) -> dict[str, Any]:
    plain: dict[str, Any] = _plain(item)
    return plain


def json_text(document: dict[str, Any]) -> str:
    """``schema_version`` first; objects indented, each row of a list on one line (the C
    encoder per row: 100,000 rows in well under a second)."""
    return _dump({"schema_version": SCHEMA_VERSION, **_plain(document)}) + "\n"


def _dump(value: Any, depth: int = 0) -> str:
    pad, end = "  " * (depth + 1), "  " * depth
    if isinstance(value, dict) and value:
        items = [f"{pad}{json.dumps(k)}: {_dump(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{end}}}"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(pad + json.dumps(v) for v in value) + f"\n{end}]"
    return json.dumps(value)


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()}
        )
    return buffer.getvalue()


def _date(when: dt.datetime | None) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d") if when else "-"


def _time(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def inventory_text(items: Sequence[queries.InventoryItem], expiring: str | None) -> str:
    if not items:
        return (
            "no certificate expires within " + expiring + "\n"
            if expiring
            else ("no certificate recorded yet: run lint, scan or audit with --record\n")
        )
    lines = []
    for item in items:
        left = f"{item.days_left}d" if item.days_left >= 0 else f"expired {-item.days_left}d ago"
        servers = f"  servers: {', '.join(item.servers)}" if item.servers else ""
        lines.append(
            f"{left:>16}  {_date(item.not_after)}  {item.subject or '(empty subject)'}\n"
            f"{'':>16}  issuer {item.issuer}\n"
            f"{'':>16}  sha256 {item.fingerprint_sha256}\n"
            f"{'':>16}  last seen {_time(item.last_seen)} at {item.where}{servers}\n"
        )
    lines.append(f"{len(items)} certificate{'s' if len(items) != 1 else ''}\n")
    return "".join(lines)


def history_table(result: queries.History) -> tuple[list[str], Iterable[dict[str, Any]]]:
    """CSV: one row per period, prefixed by the series (endpoint or server) it belongs to."""
    columns = ["series", *(f.name for f in dataclasses.fields(queries.Period))]
    rows = ({"series": s.target, **plain_row(p)} for s in result.series for p in s.periods)
    return columns, rows


def history_text(result: queries.History) -> str:
    lines = [f"history of {result.target}\n"]
    for series in result.series:
        lines.append(f"\n{series.target}\n")
        for period in series.periods:
            seen = f"{period.observations} observation{'s' if period.observations != 1 else ''}"
            lines.append(
                f"  since {_time(period.since)} (last {_time(period.last_seen)}, {seen})"
                f"{': ' + ', '.join(period.changes) if period.changes else ''}\n"
            )
            if period.fingerprint_sha256 is None:
                lines.append(f"    {period.status}: {period.reason or 'nothing presented'}\n")
                continue
            lines.append(
                f"    {period.subject}  issued by {period.issuer}\n"
                f"    {period.key}, expires {_date(period.not_after)}, "
                f"sha256 {period.fingerprint_sha256}, sha1 {period.thumbprint_sha1}\n"
            )
            if period.chain:
                lines.append(f"    chain: {' '.join(fp[:16] for fp in period.chain)}\n")
    return "".join(lines)


def _run_label(run: Any) -> str:
    what = run.title or run.manifest or run.command
    state = "" if run.complete else ", incomplete"
    return f"run {run.id} ({run.command} {what}, {_time(run.started_at)}{state})"


def diff_document(result: queries.RunDiff) -> dict[str, Any]:
    def run(r: Any) -> dict[str, Any]:
        return {**plain_row(r), "complete": r.complete}

    return {
        "run_a": run(result.run_a),
        "run_b": run(result.run_b),
        "findings": {
            "new": [plain_row(f) for f in result.findings_new],
            "fixed": [plain_row(f) for f in result.findings_fixed],
            "unchanged": [plain_row(f) for f in result.findings_unchanged],
        },
        "certificates": {
            "added": [plain_row(c) for c in result.certificates_added],
            "replaced": [plain_row(c) for c in result.certificates_replaced],
            "removed": [plain_row(c) for c in result.certificates_removed],
        },
    }


def diff_rows(result: queries.RunDiff) -> Iterable[dict[str, Any]]:
    for change, items in (
        ("new", result.findings_new),
        ("fixed", result.findings_fixed),
        ("unchanged", result.findings_unchanged),
    ):
        for f in items:
            yield {"section": "findings", "change": change, **plain_row(f)}
    for change, certs in (
        ("added", result.certificates_added),
        ("replaced", result.certificates_replaced),
        ("removed", result.certificates_removed),
    ):
        for c in certs:
            yield {"section": "certificates", "change": change, **plain_row(c)}


def diff_text(result: queries.RunDiff) -> str:
    lines = [f"from {_run_label(result.run_a)}\n  to {_run_label(result.run_b)}\n\n"]
    lines.append(
        f"findings: {len(result.findings_new)} new, {len(result.findings_fixed)} fixed, "
        f"{len(result.findings_unchanged)} unchanged\n"
    )
    for label, items in (("new", result.findings_new), ("fixed", result.findings_fixed)):
        for f in items:
            severity = Severity(f.severity).label
            lines.append(f"  {label:<6} {severity:<8} {f.rule_id}  {f.target}: {f.message}\n")
    lines.append(
        f"certificates: {len(result.certificates_added)} added, "
        f"{len(result.certificates_replaced)} replaced, "
        f"{len(result.certificates_removed)} removed\n"
    )
    for label, certs in (
        ("added", result.certificates_added),
        ("replaced", result.certificates_replaced),
        ("removed", result.certificates_removed),
    ):
        for c in certs:
            before = c.before[:16] if c.before else "-"
            after = c.after[:16] if c.after else "-"
            lines.append(f"  {label:<8} {c.target}: {before} -> {after}\n")
    return "".join(lines)


def calendar_text(entries: Sequence[queries.CalendarEntry], lead: dt.timedelta) -> str:
    if not entries:
        return "no valid certificate recorded yet: run lint, scan or audit with --record\n"
    lines = [f"renew {format_duration(lead)} before expiry (the profile's validity.renewal-lead)\n"]
    for e in entries:
        due = f"in {e.days_to_renew}d" if e.days_to_renew >= 0 else f"{-e.days_to_renew}d overdue"
        if e.replacement_max_days is not None:
            lifetime = f"public: a replacement gets at most {e.replacement_max_days} days"
        elif e.public is False:
            lifetime = "private CA: lifetime set by your CA"
        else:
            lifetime = "public or private not determined"
        servers = f"; servers: {', '.join(e.servers)}" if e.servers else ""
        lines.append(
            f"  renew by {_date(e.renew_by)} ({due}), expires {_date(e.not_after)}  "
            f"{e.subject}\n      {lifetime}; last seen at {e.where}{servers}\n"
        )
    return "".join(lines)
