"""``certready inventory``, ``history``, ``diff`` and ``calendar``: questions to the inventory
that ``--record``/``--db`` runs fill. Each prints text, or ``--format json|csv``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from certready.adapters.inventory import Store, resolve_database
from certready.adapters.profiles import load_policy
from certready.core.durations import GRAMMAR, format_duration, parse_duration
from certready.core.errors import UsageError
from certready.interfaces.cli.inventory_output import (
    CALENDAR_COLUMNS,
    DIFF_COLUMNS,
    INVENTORY_COLUMNS,
    QueryFormat,
    calendar_text,
    diff_document,
    diff_rows,
    diff_text,
    history_table,
    history_text,
    inventory_text,
    plain_row,
    write_answer,
)
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.recording import DbOption
from certready.services import history as queries

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
        return write_answer(
            fmt,
            document=lambda: {"certificates": items},
            table=lambda: (INVENTORY_COLUMNS, (plain_row(i) for i in items)),
            text=lambda: inventory_text(items, expiring),
        )

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
        return write_answer(
            fmt,
            document=lambda: {"target": result.target, "series": result.series},
            table=lambda: history_table(result),
            text=lambda: history_text(result),
        )

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
        return write_answer(
            fmt,
            document=lambda: diff_document(result),
            table=lambda: (DIFF_COLUMNS, diff_rows(result)),
            text=lambda: diff_text(result),
        )

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
        return write_answer(
            fmt,
            document=lambda: {
                "renewal_lead": format_duration(lead),
                "certificates": [plain_row(e) for e in entries],
            },
            table=lambda: (CALENDAR_COLUMNS, (plain_row(e) for e in entries)),
            text=lambda: calendar_text(entries, lead),
        )

    del inventory_command, prune_command, history_command, diff_command, calendar_command


__all__ = ["register"]
