"""``certready inventory``, ``history``, ``diff`` and ``calendar``: questions to the inventory
that ``--record``/``--db`` runs fill. Each prints text, or ``--format json|csv``."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer

from certready.adapters.inventory import Store, resolve_database
from certready.adapters.profiles import load_policy
from certready.core.durations import GRAMMAR, format_duration, parse_duration
from certready.core.errors import UsageError
from certready.core.model import Severity
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.recording import DbOption
from certready.services import history as queries

SCHEMA_VERSION = 1


class QueryFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"


QueryFormatOption = Annotated[
    QueryFormat, typer.Option("--format", "-f", metavar="FORMAT", help="text, json or csv.")
]

INVENTORY_EPILOG = """\
\b
Examples:
  certready inventory                          every known certificate
  certready inventory --expiring 30d           expiring within 30 days, or expired and still served
  certready inventory --issuer "Let's Encrypt" --format csv > certs.csv
  certready inventory --deployment "Acme Homecare" --db postgresql://certready@db/inventory
  certready inventory prune --older-than 400d
"""

HISTORY_EPILOG = """\
\b
Examples:
  certready history app.example.com:443
  certready history "[2001:db8::5]:443"
  certready history production/app
  certready history "Acme Homecare:production/app" --format json
"""

DIFF_EPILOG = """\
\b
Examples:
  certready diff              the last two runs of the latest run's command and manifest
  certready diff 12           run 12 against the next run of the same command and manifest
  certready diff 12 15 --format json
"""

CALENDAR_EPILOG = """\
\b
Examples:
  certready calendar
  certready calendar --profile site.toml --format csv
"""


def _duration(text: str | None, option: str) -> dt.timedelta | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _open(db: str | None) -> Store:
    return Store(resolve_database(db), create=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def register(app: typer.Typer) -> None:
    inventory_app = typer.Typer(
        name="inventory",
        help="Every certificate the recorded runs saw: days left, where, which servers.",
        invoke_without_command=True,
        epilog=INVENTORY_EPILOG,
    )
    app.add_typer(inventory_app)

    @inventory_app.callback(invoke_without_command=True, epilog=INVENTORY_EPILOG)
    def inventory_command(
        ctx: typer.Context,
        expiring: Annotated[
            str | None,
            typer.Option(
                metavar="DURATION",
                help=f"Only certificates expiring within DURATION ({GRAMMAR}), and expired "
                "ones still seen after their expiry.",
            ),
        ] = None,
        issuer: Annotated[
            str | None,
            typer.Option(metavar="TEXT", help="Only certificates whose issuer contains TEXT."),
        ] = None,
        deployment: Annotated[
            str | None,
            typer.Option(
                metavar="NAME", help="Only certificates of the servers of this deployment."
            ),
        ] = None,
        db: DbOption = None,
        fmt: QueryFormatOption = QueryFormat.TEXT,
    ) -> int:
        """Every known certificate, soonest expiry first: days left, where it was seen last,
        which manifest servers use it. JSON/CSV columns: fingerprint_sha256, subject, issuer,
        not_after, days_left, last_seen, where, servers."""
        if ctx.invoked_subcommand is not None:
            return 0
        window = _duration(expiring, "--expiring")
        with _open(db) as store:
            items = queries.inventory(
                store, now=_now(), expiring=window, issuer=issuer, deployment=deployment
            )
        write = current_streams().stdout.write
        if fmt is QueryFormat.JSON:
            write(_json({"certificates": items}))
        elif fmt is QueryFormat.CSV:
            write(_csv(_INVENTORY_COLUMNS, (_row(i) for i in items)))
        else:
            write(_inventory_text(items, expiring))
        return 0

    @inventory_app.command("prune")
    def prune_command(
        older_than: Annotated[
            str,
            typer.Option(
                "--older-than",
                metavar="DURATION",
                help=f"Delete what was last seen longer ago than DURATION ({GRAMMAR}).",
            ),
        ],
        db: DbOption = None,
    ) -> int:
        """Delete old observations, empty runs and certificates no longer seen. Keeps every
        certificate still in use and the last observation of each endpoint and server."""
        window = _duration(older_than, "--older-than")
        assert window is not None
        with _open(db) as store:
            counts = store.prune(_now() - window)
        current_streams().stdout.write(
            f"pruned {counts.observations} observations, {counts.runs} runs and "
            f"{counts.certificates} certificates older than {format_duration(window)}\n"
        )
        return 0

    @app.command("history", epilog=HISTORY_EPILOG)
    def history_command(
        target: Annotated[
            str,
            typer.Argument(
                metavar="TARGET",
                help="An endpoint host:port or [v6addr]:port, or a manifest server "
                "[DEPLOYMENT:]environment/server.",
                show_default=False,
            ),
        ],
        db: DbOption = None,
        fmt: QueryFormatOption = QueryFormat.TEXT,
    ) -> int:
        """What a target presented over time, and when each change started (new thumbprint,
        new issuer, chain changed, key size changed).

        Exit status: 0 shown, 2 unknown or ambiguous target (the matches are listed).
        """
        with _open(db) as store:
            result = queries.history(store, target)
        write = current_streams().stdout.write
        if fmt is QueryFormat.JSON:
            write(_json({"target": result.target, "series": result.series}))
        elif fmt is QueryFormat.CSV:
            rows = ({"series": s.target, **_row(p)} for s in result.series for p in s.periods)
            columns = ["series", *(f.name for f in dataclasses.fields(queries.Period))]
            write(_csv(columns, rows))
        else:
            write(_history_text(result))
        return 0

    @app.command("diff", epilog=DIFF_EPILOG)
    def diff_command(
        run_a: Annotated[
            int | None, typer.Argument(metavar="RUN_A", help="The earlier run's id.")
        ] = None,
        run_b: Annotated[
            int | None, typer.Argument(metavar="RUN_B", help="The later run's id.")
        ] = None,
        db: DbOption = None,
        fmt: QueryFormatOption = QueryFormat.TEXT,
    ) -> int:
        """Findings new, fixed and unchanged between two runs; certificates added, replaced and
        removed. JSON: findings.{new,fixed,unchanged} and certificates.{added,replaced,removed}."""
        with _open(db) as store:
            result = queries.diff(store, run_a, run_b)
        write = current_streams().stdout.write
        if fmt is QueryFormat.JSON:
            write(_json(_diff_document(result)))
        elif fmt is QueryFormat.CSV:
            write(_csv(_DIFF_COLUMNS, _diff_rows(result)))
        else:
            write(_diff_text(result))
        return 0

    @app.command("calendar", epilog=CALENDAR_EPILOG)
    def calendar_command(
        profile: Annotated[
            str,
            typer.Option(
                metavar="NAME|FILE",
                help="The policy whose [validity] renewal-lead sets the lead time "
                "(default 30 days).",
            ),
        ] = "homecare",
        db: DbOption = None,
        fmt: QueryFormatOption = QueryFormat.TEXT,
    ) -> int:
        """The renewal calendar: when each certificate must be renewed (expiry minus the
        profile's lead time) and, for public ones, the longest lifetime a replacement issued
        then will get (CA/Browser Forum: 200 days from 2026-03-15, 100 from 2027-03-15, 47 from
        2029-03-15)."""
        lead = load_policy(profile).renewal_lead
        with _open(db) as store:
            entries = queries.calendar(store, now=_now(), lead=lead)
        write = current_streams().stdout.write
        if fmt is QueryFormat.JSON:
            write(
                _json(
                    {
                        "renewal_lead": format_duration(lead),
                        "certificates": [_row(e) for e in entries],
                    }
                )
            )
        elif fmt is QueryFormat.CSV:
            columns = [f.name for f in dataclasses.fields(queries.CalendarEntry)]
            write(_csv(columns, (_row(e) for e in entries)))
        else:
            write(_calendar_text(entries, lead))
        return 0

    del inventory_command, prune_command, history_command, diff_command, calendar_command


# --- rendering -------------------------------------------------------------------------------

_INVENTORY_COLUMNS = [f.name for f in dataclasses.fields(queries.InventoryItem)]
_DIFF_COLUMNS = [
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


def _row(item: Any) -> dict[str, Any]:
    row: dict[str, Any] = _plain(item)
    return row


def _json(document: dict[str, Any]) -> str:
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


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
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


def _inventory_text(items: Sequence[queries.InventoryItem], expiring: str | None) -> str:
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


def _history_text(result: queries.History) -> str:
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


def _diff_document(result: queries.RunDiff) -> dict[str, Any]:
    def run(r: Any) -> dict[str, Any]:
        return {**_row(r), "complete": r.complete}

    return {
        "run_a": run(result.run_a),
        "run_b": run(result.run_b),
        "findings": {
            "new": [_row(f) for f in result.findings_new],
            "fixed": [_row(f) for f in result.findings_fixed],
            "unchanged": [_row(f) for f in result.findings_unchanged],
        },
        "certificates": {
            "added": [_row(c) for c in result.certificates_added],
            "replaced": [_row(c) for c in result.certificates_replaced],
            "removed": [_row(c) for c in result.certificates_removed],
        },
    }


def _diff_rows(result: queries.RunDiff) -> Iterable[dict[str, Any]]:
    for change, items in (
        ("new", result.findings_new),
        ("fixed", result.findings_fixed),
        ("unchanged", result.findings_unchanged),
    ):
        for f in items:
            yield {"section": "findings", "change": change, **_row(f)}
    for change, certs in (
        ("added", result.certificates_added),
        ("replaced", result.certificates_replaced),
        ("removed", result.certificates_removed),
    ):
        for c in certs:
            yield {"section": "certificates", "change": change, **_row(c)}


def _diff_text(result: queries.RunDiff) -> str:
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


def _calendar_text(entries: Sequence[queries.CalendarEntry], lead: dt.timedelta) -> str:
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


__all__ = ["register"]
