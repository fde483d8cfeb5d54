"""``--db URL`` and ``--record``: the one option set that makes ``lint``, ``scan`` and ``audit``
record their run into the inventory, and what a command does with it.

Recording happens if and only if ``--db``, ``--record`` or ``CERTREADY_DB`` is given. A recorded
run prints its id on standard error; a recording failure prints one line after the report and makes
the exit status 4.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from certready.core.model import Report, TargetResult
from certready.interfaces.cli.common import ExitStatus, Streams

if TYPE_CHECKING:  # SQLAlchemy and Alembic are imported only when a run is recorded
    from certready.services.record import Recorder

ENV_VAR = "CERTREADY_DB"
"""The same as ``adapters.inventory.ENV_VAR`` (a test keeps them equal)."""

DB_HELP = (
    "The inventory to record into (or query): postgresql://user@host/db, "
    "postgresql:///db?host=/socket/dir, sqlite:///path or a file path. "
    f"Default: ${ENV_VAR}, else a SQLite file in your data folder."
)

DbOption = Annotated[str | None, typer.Option("--db", metavar="URL", help=DB_HELP)]
RecordOption = Annotated[
    bool,
    typer.Option(
        "--record",
        help=f"Record this run into the inventory (--db, ${ENV_VAR} or the default file): "
        "certificates, endpoints, servers and findings, never keys or passwords.",
    ),
]


def start_recording(
    command: str, db: str | None, record: bool, *, manifest: str | Path | None = None
) -> Recorder | None:
    """A recorder when the run is to be recorded, else ``None``. A malformed ``--db`` is a
    usage error (exit 2) before anything runs; an unreachable database only fails the recording."""
    if not (db or record or os.environ.get(ENV_VAR)):
        return None
    from certready.adapters.inventory import resolve_database
    from certready.services.record import Recorder

    return Recorder(resolve_database(db), command, manifest=manifest)


def record_each(
    recorder: Recorder | None,
    profile: str,
    then: Callable[[TargetResult], None] | None = None,
) -> Callable[[TargetResult], None] | None:
    """The per-target callback that commits each result as it completes, then calls ``then``
    (a progress bar); ``then`` itself when nothing is recorded."""
    if recorder is None:
        return then
    recorder.begin(profile)

    def each(result: TargetResult) -> None:
        recorder.add(result)
        if then is not None:
            then(result)

    return each


def finish_recording(
    recorder: Recorder | None, report: Report, status: int, streams: Streams
) -> int:
    """After the report is printed: commit the rest, say the run id, or the one-line failure and
    exit status 4."""
    if recorder is None:
        return status
    run_id = recorder.finish(report, status)
    if run_id is None:
        streams.error(f"the run was not recorded: {recorder.error}")
        return ExitStatus.RECORDING_FAILED
    streams.stderr.write(f"certready: recorded run {run_id} in {recorder.database.named}\n")
    streams.stderr.flush()
    return status


__all__ = ["DbOption", "RecordOption", "finish_recording", "record_each", "start_recording"]
