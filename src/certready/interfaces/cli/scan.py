"""``certready scan``: what live servers present, judged like ``lint`` plus the ``tls.*`` rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from certready.adapters.inputs import read_bytes
from certready.adapters.profiles import load_policy
from certready.core.errors import InputError, UsageError
from certready.core.model import Report, TargetResult
from certready.core.targets import parse_resolve, parse_target, parse_targets_file
from certready.interfaces.cli.common import Streams
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import (
    DEFAULT_PROFILE,
    DEFAULT_TIMEOUT,
    AtOption,
    CrlOption,
    FailOn,
    FailOnOption,
    FormatOption,
    NoProtocolProbeOption,
    OutputOption,
    ProfileOption,
    ReportFormat,
    TrustOption,
    timeout_option,
)
from certready.interfaces.cli.output import (
    StreamTally,
    emit_and_judge,
    emit_stream,
    status_of,
)
from certready.interfaces.cli.progress import live_progress
from certready.interfaces.cli.recording import (
    DbOption,
    RecordOption,
    finish_recording,
    record_each,
    start_recording,
)
from certready.services.chain import make_chain_options
from certready.services.scan import ScanOptions, TargetInput, expected_issuers, scan_stream

SCAN_STREAMED = ("jsonl", "json")
"""The formats a scan writes as its targets come (the others are rendered from the whole report)."""

EPILOG = """\
\b
Examples:
  certready scan hcappserver.example.com
  certready scan mobile.example.com:8443 https://portal.example.com/login
  certready scan -T servers.txt --format json --output scan.json
  certready scan app.example.com --resolve app.example.com:443:10.0.0.5
  certready scan 10.0.0.5 --sni app.example.com --trust lab/root-ca.pem
"""


def register(app: typer.Typer) -> None:
    @app.command("scan", epilog=EPILOG)
    def scan_command(
        targets: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="TARGET",
                help="host, host:port, [v6]:port or https://host[:port]/path (port 443 by default).",
                show_default=False,
            ),
        ] = None,
        targets_file: Annotated[
            list[str] | None,
            typer.Option(
                "--targets-file",
                "-T",
                metavar="FILE",
                help="A file of targets, one per line (# comments); - for standard input.",
            ),
        ] = None,
        sni: Annotated[
            str | None,
            typer.Option(
                metavar="NAME", help="Send this server name instead of the target's (and check it)."
            ),
        ] = None,
        expect_sha256: Annotated[
            str | None,
            typer.Option(
                metavar="FP",
                help="SHA-256 fingerprint of the certificate the server should present.",
            ),
        ] = None,
        expect_issuer: Annotated[
            list[str] | None,
            typer.Option(
                metavar="CA",
                help="The CA that should issue the served certificate: a PEM file of CA "
                "certificates, or (part of) its subject name. Repeatable.",
            ),
        ] = None,
        trust: TrustOption = None,
        at: AtOption = None,
        crl: CrlOption = None,
        resolve: Annotated[
            list[str] | None,
            typer.Option(
                metavar="HOST:PORT:ADDRESS",
                help="Connect to ADDRESS for HOST:PORT, still sending and checking HOST "
                "(as curl --resolve). Repeatable.",
            ),
        ] = None,
        concurrency: Annotated[
            int, typer.Option(metavar="N", help="Targets scanned at once.")
        ] = 50,
        timeout: Annotated[
            float, timeout_option("Seconds per target for DNS, connect and handshake in all.")
        ] = DEFAULT_TIMEOUT,
        no_sni_check: Annotated[
            bool,
            typer.Option(
                "--no-sni-check", help="Skip the second handshake without SNI (tls.sni-differs)."
            ),
        ] = False,
        no_protocol_probe: NoProtocolProbeOption = False,
        profile: ProfileOption = DEFAULT_PROFILE,
        fail_on: FailOnOption = FailOn.ERROR,
        fmt: FormatOption = ReportFormat.TEXT,
        output: OutputOption = None,
        db: DbOption = None,
        record: RecordOption = False,
    ) -> int:
        """Check the certificates live servers present, without trusting anything on the way.

        Exit status: 0 ok, 1 findings at or above --fail-on (an unreachable target counts as an
        error), 2 usage or input error, 3 every target unreachable, 4 judged but not recorded
        (--db/--record; each target is committed as it completes).
        """
        streams = current_streams()
        recorder = start_recording("scan", db, record)
        items: list[TargetInput] = []
        for text in targets or ():
            items.append(parse_target(text))
        for name in targets_file or ():
            items.extend(_read_targets_file(name, streams))
        if not items:
            raise UsageError("no target: name one (host[:port]) or use --targets-file")
        chain_options = make_chain_options(trust, (), at, crl or ())
        options = ScanOptions(
            policy=load_policy(profile),
            timeout=timeout,
            concurrency=concurrency,
            sni=sni,
            expect_sha256=expect_sha256,
            expect_issuers=expected_issuers(expect_issuer or (), chain_options),
            chain=chain_options,
            compare_without_sni=not no_sni_check,
            protocol_probe=not no_protocol_probe,
            resolve=tuple(parse_resolve(r) for r in resolve or ()),
        )
        if chain_options.at is not None:  # --at moves the whole check, dates rules included
            options = replace(options, now=chain_options.at)
        header = Report(
            command="scan", profile=options.policy.name, generated_at=options.now, targets=()
        )
        with live_progress(streams, len(items), "scanning") as waiting:
            each = record_each(
                recorder, options.policy.name, then=waiting.finished if waiting else None
            )
            results = scan_stream(
                items, options, progress=each, started=waiting.started if waiting else None
            )
            if fmt in SCAN_STREAMED:  # each target written once it and those before are judged
                tally = StreamTally()
                kept: list[TargetResult] | None = [] if recorder is not None else None
                emit_stream(header, results, fmt, output, streams, tally, keep=kept)
                status = status_of(tally.statuses, tally.worst, fail_on.threshold())
                report = replace(header, targets=tuple(kept or ()))
                return finish_recording(recorder, report, status, streams)
            report = replace(header, targets=tuple(results))
        status = emit_and_judge(
            report, fmt, output, streams, policy=options.policy, fail_on=fail_on.threshold()
        )
        return finish_recording(recorder, report, status, streams)

    del scan_command


def _read_targets_file(name: str, streams: Streams) -> list[TargetInput]:
    """``-T FILE`` (``-``: standard input): one target per line."""
    data = read_bytes(
        name,
        stdin=streams.stdin,
        prefix="cannot read targets file: ",
        folder=None,
        what="a targets file",
    )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte {exc.start})"
        raise InputError(f"cannot read targets file: {reason}", location=name) from None
    return list(parse_targets_file(text, "stdin" if name == "-" else name))


__all__ = ["register"]
