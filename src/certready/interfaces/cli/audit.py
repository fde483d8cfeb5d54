"""``certready audit``, ``certready plan`` and ``certready manifest schema|init``."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from certready.adapters.manifest import STARTER, json_schema_text
from certready.adapters.profiles import load_policy
from certready.adapters.writes import write_new
from certready.core.errors import UsageError
from certready.core.model import TargetResult
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import (
    DEFAULT_TIMEOUT,
    FailOn,
    FailOnOption,
    FormatOption,
    JobsOption,
    ManifestProfileOption,
    NoProtocolProbeOption,
    OutputOption,
    ReportFormat,
    timeout_option,
)
from certready.interfaces.cli.output import StreamTally, emit_and_judge, emit_stream, status_of
from certready.interfaces.cli.progress import live_progress
from certready.interfaces.cli.recording import (
    DbOption,
    RecordOption,
    finish_recording,
    start_recording,
)
from certready.services.audit import AuditOptions, audit_stream
from certready.services.plan import PlanOptions, load_signer, write_install_plan

AUDIT_EPILOG = """\
\b
Examples:
  certready manifest init site.yaml      a commented starting manifest
  certready audit site.yaml              the files the manifest names (offline)
  certready audit site.yaml --live       also what each server serves
  certready audit site.yaml --format html --output audit.html
"""

PLAN_EPILOG = """\
\b
Examples:
  certready plan site.yaml --out plan/
  certready plan site.yaml --out plan/ --force    replace an earlier plan
  certready plan site.yaml --out plan/ --profile-identifier org.example \\
      --sign-profile signer.pem --sign-profile-key signer.key
"""


ManifestArgument = Annotated[
    str,
    typer.Argument(metavar="MANIFEST", help="The deployment manifest (YAML).", show_default=False),
]


def register(app: typer.Typer) -> None:
    manifest_app = typer.Typer(
        name="manifest",
        help="The deployment manifest: its JSON Schema, a commented starting point.",
        no_args_is_help=True,
    )
    app.add_typer(manifest_app)

    @app.command("audit", epilog=AUDIT_EPILOG)
    def audit_command(
        manifest: ManifestArgument,
        live: Annotated[
            bool,
            typer.Option(
                "--live/--offline",
                help="Also scan each server's endpoint and compare what it serves with the file.",
            ),
        ] = False,
        profile: ManifestProfileOption = None,
        timeout: Annotated[
            float, timeout_option("--live: seconds per endpoint (DNS, connect, handshake).")
        ] = DEFAULT_TIMEOUT,
        no_protocol_probe: NoProtocolProbeOption = False,
        fail_on: FailOnOption = FailOn.ERROR,
        fmt: FormatOption = ReportFormat.TEXT,
        output: OutputOption = None,
        db: DbOption = None,
        record: RecordOption = False,
        jobs: JobsOption = None,
    ) -> int:
        """Audit a whole deployment: every server's certificates, the topology, the clients.

        Exit status: 0 ok, 1 findings at or above --fail-on (an unreachable endpoint counts as an
        error), 2 usage, manifest or input error, 4 judged but not recorded (--db/--record).
        """
        streams = current_streams()
        recorder = start_recording("audit", db, record, manifest=manifest)
        with live_progress(streams, None, "connecting") if live else nullcontext() as waiting:
            options = AuditOptions(
                policy=load_policy(profile) if profile else None,
                scan=live,
                timeout=timeout,
                protocol_probe=not no_protocol_probe,
                progress=waiting,
                on_note=streams.note,
                jobs=jobs,
            )
            run = audit_stream(manifest, options)
            if fmt == "jsonl":  # each target's line as soon as it is judged, findings last
                tally = StreamTally()
                kept: list[TargetResult] | None = [] if recorder is not None else None
                emit_stream(
                    run.header,
                    run,
                    fmt,
                    output,
                    streams,
                    tally,
                    keep=kept,
                    findings=lambda: run.findings,
                )
                status = status_of(tally.statuses, tally.worst, fail_on.threshold())
                return finish_recording(recorder, run.report(tuple(kept or ())), status, streams)
            report = run.report(tuple(run))
        # an unreachable endpoint counts as an error
        status = emit_and_judge(
            report, fmt, output, streams, policy=run.policy, fail_on=fail_on.threshold()
        )
        return finish_recording(recorder, report, status, streams)

    @app.command("plan", epilog=PLAN_EPILOG)
    def plan_command(
        manifest: ManifestArgument,
        out: Annotated[
            str, typer.Option("--out", "-o", metavar="DIR", help="Folder to write the plan into.")
        ] = "certready-plan",
        force: Annotated[
            bool, typer.Option("--force", help="Overwrite files of an earlier plan.")
        ] = False,
        profile_identifier: Annotated[
            str | None,
            typer.Option(
                metavar="ORG.ID",
                help="Reverse-DNS prefix of the iOS/iPadOS profiles (overrides the manifest's "
                "`profile_identifier`; default: the servers' domain reversed).",
            ),
        ] = None,
        sign_profile: Annotated[
            str | None,
            typer.Option(
                metavar="CERT",
                help="Sign the .mobileconfig profiles with this certificate (PEM; CA "
                "certificates after it are sent along) so iOS shows them as verified.",
            ),
        ] = None,
        sign_profile_key: Annotated[
            str | None,
            typer.Option(metavar="KEY", help="The private key (PEM) of --sign-profile."),
        ] = None,
    ) -> int:
        """Write the trust-install plan: scripts per server and client group, and a README.

        Exit status: 0 written, 2 usage, manifest or input error (nothing overwritten).
        """
        if (sign_profile is None) != (sign_profile_key is None):
            raise UsageError("give --sign-profile CERT and --sign-profile-key KEY together")
        signer = (
            load_signer(sign_profile, sign_profile_key)
            if sign_profile is not None and sign_profile_key is not None
            else None
        )
        options = PlanOptions(profile_identifier=profile_identifier, signer=signer)
        plan, written = write_install_plan(manifest, out, force=force, options=options)
        streams = current_streams()
        kind = "private chain" if plan.private else "public chain: nothing to install on clients"
        streams.stdout.write(
            f"wrote {len(written)} files to {out} ({kind}); start with {Path(out) / 'README.md'}\n"
        )
        return 0

    @manifest_app.command("schema")
    def schema_command() -> int:
        """Print the manifest's JSON Schema (for editors' autocompletion)."""
        current_streams().stdout.write(json_schema_text())
        return 0

    @manifest_app.command("init")
    def init_command(
        path: Annotated[
            str, typer.Argument(help="Where to write the starting manifest.")
        ] = "certready.yaml",
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    ) -> int:
        """Write a commented starting manifest (never overwrites without --force)."""
        write_new(Path(path), STARTER.encode("utf-8"), mode=0o644, force=force)
        current_streams().stdout.write(f"wrote {path}: edit it, then run certready audit {path}\n")
        return 0

    del audit_command, plan_command, schema_command, init_command
