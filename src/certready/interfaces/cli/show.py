"""``certready show``: a readable dump, instead of ``openssl x509 -text``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from certready.adapters.reporting.json_report import element_out
from certready.adapters.reporting.visible import visible
from certready.core.errors import InputError, UsageError
from certready.core.model import Finding
from certready.interfaces.cli.common import ExitStatus
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import (
    AtOption,
    ChainFileOption,
    CrlOption,
    PasswordEnvOption,
    PasswordFileOption,
    PathsArgument,
    TrustOption,
)
from certready.interfaces.cli.secrets import password_source
from certready.interfaces.cli.show_text import print_inspected
from certready.services.chain import make_chain_options
from certready.services.show import Inspected, inspect

EPILOG = """\
\b
Examples:
  certready show app.pem                   instead of: openssl x509 -text -noout -in app.pem
  certready show app.pfx --password-env APP_PFX_PASSWORD
  certready show chain.p7b                 every certificate, leaf first
  certready show certs/ --format json
  kubectl get secret app-tls -o jsonpath='{.data.tls\\.crt}' | base64 -d | certready show -
"""


def _finding_out(f: Finding) -> dict[str, object]:
    return {"rule_id": f.rule_id, "severity": f.severity.label, "message": visible(f.message)}


def inspected_document(r: Inspected) -> dict[str, object]:
    """``show --format json``: one file's certificates, keys, built path and requests. What a
    person reads (finding messages, notes, errors) shows invisible and bidi characters as
    ``<U+202E>`` (:mod:`certready.adapters.reporting.visible`), as the JSON report does; the
    certificate fields keep their true value."""
    return {
        "source": r.source,
        "format": r.format,
        "private_key": r.private_key.value,
        "leaf_index": r.leaf_index,
        "private_keys": list(r.keys),
        "friendly_names": list(r.friendly_names),
        "notes": [visible(n) for n in r.notes],
        "private_key_owners": list(r.key_owners),
        "certificates": [element_out(c) for c in r.certificates],
        "path": [element_out(c) for c in (r.chain.path if r.chain else ())],
        "requests": [
            {
                "location": str(e.origin),
                "subject": e.certificate.subject,
                "names": list(
                    e.certificate.subject_alt_name.dns_names
                    if e.certificate.subject_alt_name
                    else ()
                ),
                "findings": [_finding_out(f) for f in findings],
            }
            for e, findings in zip(r.requests, r.request_findings, strict=True)
        ],
        "chain_findings": [_finding_out(f) for f in (r.chain.findings if r.chain else ())],
    }


def register(app: typer.Typer) -> None:
    @app.command("show", epilog=EPILOG)
    def show_command(
        paths: PathsArgument,
        fmt: Annotated[
            str, typer.Option("--format", "-f", metavar="FORMAT", help="text or json.")
        ] = "text",
        password_env: PasswordEnvOption = None,
        password_file: PasswordFileOption = None,
        trust: TrustOption = None,
        chain: ChainFileOption = None,
        at: AtOption = None,
        crl: CrlOption = None,
    ) -> int:
        """Show what certificate files hold: names, usages in words, both fingerprints, key,
        validity and chain order. Private keys are detected and matched, never printed."""
        if fmt not in ("text", "json"):
            raise UsageError(
                f"--format {fmt!r}: show writes text or json (reports: certready lint)"
            )
        streams = current_streams()
        password = password_source(password_env, password_file)
        chain_options = make_chain_options(trust, chain or (), at, crl or (), streams.stdin)
        now = chain_options.at or dt.datetime.now(dt.UTC)
        results = inspect(
            paths, password, on_note=streams.note, chain=chain_options, stdin=streams.stdin
        )
        status = ExitStatus.OK
        if fmt == "json":
            data = [
                {"source": r.location, "error": visible(r.message)}
                if isinstance(r, InputError)
                else inspected_document(r)
                for r in results
            ]
            streams.stdout.write(json.dumps(data, indent=2) + "\n")
        for r in results:
            if isinstance(r, InputError):
                streams.traceback(r)
                streams.error(str(r))
                status = ExitStatus.USAGE
            elif fmt != "json":
                print_inspected(r, streams.out, now)
        return status

    del show_command
