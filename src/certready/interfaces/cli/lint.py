"""``certready lint``: every rule of a policy over certificate files."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from certready.adapters.profiles import load_policy
from certready.core.hostnames import reference_host
from certready.core.model import Role, TargetResult
from certready.interfaces.cli.common import ExitStatus
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import (
    DEFAULT_PROFILE,
    AtOption,
    ChainFileOption,
    CrlOption,
    FailOn,
    FailOnOption,
    FormatOption,
    JobsOption,
    OutputOption,
    PasswordEnvOption,
    PasswordFileOption,
    PathsArgument,
    ProfileOption,
    ReportFormat,
    TrustOption,
    host_option,
)
from certready.interfaces.cli.output import (
    STREAMED,
    StreamTally,
    emit_and_judge,
    emit_stream,
    status_of,
)
from certready.interfaces.cli.recording import (
    DbOption,
    RecordOption,
    finish_recording,
    start_recording,
)
from certready.interfaces.cli.secrets import password_source
from certready.services.chain import make_chain_options
from certready.services.lint import LintOptions, lint_report
from certready.services.lint_jobs import lint_parallel

EPILOG = """\
\b
Examples:
  certready lint app.pem --host hcappserver.example.com
  certready lint app.pfx --host hcappserver.example.com --password-env APP_PFX_PASSWORD
  certready lint app.crt app.key chain.p7b --host mobile.example.com
  certready lint app.pem --chain issuing-ca.pem --trust our-root.pem --host app.example.com
  certready lint app.pem --trust mozilla,system --at 2027-03-01
  certready lint certs/ --format json --output report.json
  certready lint certs/ --format html --output report.html
  certready lint inventory/ --format jsonl --jobs 2 > report.jsonl
  certready lint sts.pfx --role sts --password-file /run/secrets/sts.pass
  cat app.pem | certready lint - --host hcappserver.example.com
  certready lint certreq.txt --host hcappserver.example.com   a request, before it goes to the CA

\b
Inputs: PEM (certificates and keys in any order), DER, PKCS#7 .p7b, PKCS#12 .pfx/.p12,
private keys (PKCS#1, PKCS#8, SEC1; encrypted or not), certificate signing requests (PEM or
DER PKCS#10: key, signature, requested names and usages), folders (recursively, hidden files
skipped), - for standard input. The format is read from the content, not the extension.

\b
A bundle of several server certificates (leaves) is one target per leaf, named by file,
position and line (fleet.pem#3 (line 57)), the bundle's CA certificates its path candidates,
a key in it paired with the leaf it matches. One leaf with its CAs (fullchain.pem) is one
target. Limits: 16 MiB a file; a PEM file over 1 MiB or 64 blocks is read block by block, up
to 1 GiB and 1 MiB a block (a larger block is an error naming its line, the rest is read);
a folder 1 GiB and 1,000,000 files.
"""


def register(app: typer.Typer) -> None:
    @app.command("lint", epilog=EPILOG)
    def lint_command(
        paths: PathsArgument,
        host: Annotated[
            list[str] | None,
            host_option(
                "A name clients use (DNS or IP); repeat for each. Checked against the SAN."
            ),
        ] = None,
        role: Annotated[
            Role, typer.Option(help="ssl: a TLS server certificate; sts: a token-signing one.")
        ] = Role.SSL,
        profile: ProfileOption = DEFAULT_PROFILE,
        fail_on: FailOnOption = FailOn.ERROR,
        fmt: FormatOption = ReportFormat.TEXT,
        output: OutputOption = None,
        password_env: PasswordEnvOption = None,
        password_file: PasswordFileOption = None,
        trust: TrustOption = None,
        chain: ChainFileOption = None,
        at: AtOption = None,
        crl: CrlOption = None,
        db: DbOption = None,
        record: RecordOption = False,
        jobs: JobsOption = None,
    ) -> int:
        """Check certificate files against the policy.

        Exit status: 0 ok, 1 findings at or above --fail-on, 2 usage or input error, 4 judged
        but not recorded (--db/--record).
        """
        streams = current_streams()
        recorder = start_recording("lint", db, record)
        password = password_source(password_env, password_file)
        chain_options = make_chain_options(trust, chain or (), at, crl or (), streams.stdin)
        options = LintOptions(
            policy=load_policy(profile),
            hosts=tuple(reference_host(h) for h in host or ()),
            role=role,
            chain=chain_options,
        )
        if chain_options.at is not None:  # --at moves the whole check, dates rules included
            options = replace(options, now=chain_options.at)
        results = lint_parallel(
            paths,
            options,
            password,
            on_note=streams.note,
            on_error=streams.traceback,
            stdin=streams.stdin,
            jobs=jobs,
        )
        if fmt in STREAMED:  # written as judged, without keeping every target in memory
            tally = StreamTally()
            kept: list[TargetResult] | None = [] if recorder is not None else None
            emit_stream(
                lint_report(options),
                results,
                fmt,
                output,
                streams,
                tally,
                keep=kept,
                policy=options.policy,
            )
            status = status_of(tally.statuses, tally.worst, fail_on.threshold())
            report = lint_report(options, tuple(kept or ()))
            return finish_recording(recorder, report, status, streams)
        report = lint_report(options, tuple(results))
        status = emit_and_judge(
            report, fmt, output, streams, policy=options.policy, fail_on=fail_on.threshold()
        )
        return finish_recording(recorder, report, status, streams)

    del lint_command


__all__ = ["ExitStatus", "register"]
