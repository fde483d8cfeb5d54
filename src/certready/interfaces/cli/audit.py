"""``certready audit``, ``certready plan`` and ``certready manifest schema|init``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from certready.adapters.manifest import STARTER, json_schema_text
from certready.adapters.profiles import load_policy
from certready.core.errors import UsageError
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import (
    DEFAULT_TIMEOUT,
    FailOn,
    FailOnOption,
    FormatOption,
    OutputOption,
    ReportFormat,
    profile_option,
    timeout_option,
)
from certready.interfaces.cli.output import emit_report, exit_status
from certready.services.audit import AuditOptions, audit_with_policy
from certready.services.plan import write_install_plan

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
        profile: Annotated[
            str | None,
            profile_option("Policy (overrides the manifest's `policy:`): name or TOML file."),
        ] = None,
        timeout: Annotated[
            float, timeout_option("--live: seconds per endpoint (DNS, connect, handshake).")
        ] = DEFAULT_TIMEOUT,
        fail_on: FailOnOption = FailOn.ERROR,
        fmt: FormatOption = ReportFormat.TEXT,
        output: OutputOption = None,
    ) -> int:
        """Audit a whole deployment: every server's certificates, the topology, the clients.

        Exit status: 0 ok, 1 findings at or above --fail-on (an unreachable endpoint counts as an
        error), 2 usage, manifest or input error.
        """
        streams = current_streams()
        options = AuditOptions(
            policy=load_policy(profile) if profile else None, scan=live, timeout=timeout
        )
        report, policy = audit_with_policy(manifest, options)
        emit_report(report, fmt, output, streams, policy=policy)
        return exit_status(report, fail_on.threshold())  # an unreachable endpoint: an error

    @app.command("plan", epilog=PLAN_EPILOG)
    def plan_command(
        manifest: ManifestArgument,
        out: Annotated[
            str, typer.Option("--out", "-o", metavar="DIR", help="Folder to write the plan into.")
        ] = "certready-plan",
        force: Annotated[
            bool, typer.Option("--force", help="Overwrite files of an earlier plan.")
        ] = False,
    ) -> int:
        """Write the trust-install plan: scripts per server and client group, and a README.

        Exit status: 0 written, 2 usage, manifest or input error (nothing overwritten).
        """
        plan, written = write_install_plan(manifest, out, force=force)
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
        target = Path(path)
        if target.exists() and not force:
            raise UsageError(f"{path} exists; pass --force to overwrite it")
        target.write_text(STARTER, "utf-8")
        current_streams().stdout.write(f"wrote {path}: edit it, then run certready audit {path}\n")
        return 0

    del audit_command, plan_command, schema_command, init_command
