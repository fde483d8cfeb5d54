"""Every option more than one command takes, declared once: its flag, metavar and value type.

Use an alias as a parameter annotation (``trust: TrustOption = None``). Where the words of ``--help``
must fit the command (``--profile`` overrides the manifest in ``audit``, refuses a request in
``lab sign``), the factory takes the help text and keeps the flag, metavar and type here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from certready.core.model import Severity

# -- inputs ------------------------------------------------------------------------------------

PathsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH",
        help="Certificate files or folders (PEM, DER, .p7b, .pfx/.p12, keys); - for stdin.",
        show_default=False,
    ),
]
"""The inputs of ``lint`` and ``show``."""
PasswordEnvOption = Annotated[
    str | None,
    typer.Option(
        "--password-env",
        metavar="VAR",
        help="Read the PKCS#12 / private-key password from this environment variable.",
        show_default=False,
    ),
]
PasswordFileOption = Annotated[
    str | None,
    typer.Option(
        "--password-file",
        metavar="FILE",
        help="Read the password from the first line of FILE. Without either option, "
        "certready asks on the terminal (passwords are never taken from the command line).",
        show_default=False,
    ),
]


def host_option(help: str) -> Any:
    """``--host/-H NAME``, repeatable: a name clients use (``lint``, ``csr``, ``lab issue``)."""
    return typer.Option("--host", "-H", metavar="NAME", help=help, show_default=False)


# -- policy ------------------------------------------------------------------------------------

DEFAULT_PROFILE = "homecare"
PROFILE_HELP = "Policy: homecare (default), webpki, or a TOML profile file."


def profile_option(help: str = PROFILE_HELP) -> Any:
    """``--profile NAME|FILE``: a built-in profile's name or a TOML profile file."""
    return typer.Option("--profile", metavar="NAME|FILE", help=help)


ProfileOption = Annotated[str, profile_option()]
"""``--profile`` of the commands that judge certificates (``lint``, ``scan``)."""
ManifestProfileOption = Annotated[
    str | None, profile_option("Policy (overrides the manifest's `policy:`): name or TOML file.")
]
"""``--profile`` of the commands that read a manifest (``audit``, ``doctor``): absent, the
manifest's ``policy:`` applies."""

# -- chain: every command that validates (lint, show, scan); values go to
# -- ``services.chain.make_chain_options`` ------------------------------------------------------

TrustOption = Annotated[
    list[str] | None,
    typer.Option(
        "--trust",
        metavar="STORE",
        help="Trust stores: mozilla (default), system, or a file/folder of roots; "
        "comma-separated or repeated.",
    ),
]
ChainFileOption = Annotated[
    list[str] | None,
    typer.Option(
        "--chain",
        metavar="FILE",
        help="A file of intermediates to build the chain with (repeatable).",
    ),
]
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="TIME",
        help="Validate at this time (ISO 8601, e.g. 2027-03-01); default now.",
    ),
]
CrlOption = Annotated[
    list[str] | None,
    typer.Option(
        "--crl", metavar="FILE", help="A CRL file to check revocation against (repeatable)."
    ),
]

# -- live servers ------------------------------------------------------------------------------

DEFAULT_TIMEOUT = 10.0


def timeout_option(help: str) -> Any:
    """``--timeout S``: seconds per server for DNS, connect and handshake (``scan``, ``audit``)."""
    return typer.Option("--timeout", metavar="S", help=help)


# -- reports: every command that writes one (lint, scan, audit) --------------------------------


class FailOn(StrEnum):
    """``--fail-on``: the least severe finding that makes the exit status 1."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    NEVER = "never"

    def threshold(self) -> Severity | None:
        return None if self is FailOn.NEVER else Severity.parse(self.value)


class ReportFormat(StrEnum):
    """``--format``: the terminal report or one of the renderers."""

    TEXT = "text"
    JSON = "json"
    HTML = "html"
    JUNIT = "junit"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    JSONL = "jsonl"


FORMAT_HELP = "text, json, jsonl (one JSON object per line), html, junit, sarif or markdown."
OUTPUT_HELP = "Write the report to this file (replaced if it exists); - for stdout."

FailOnOption = Annotated[
    FailOn, typer.Option(help="Exit 1 when a finding is at least this severe.")
]
FormatOption = Annotated[
    ReportFormat, typer.Option("--format", "-f", metavar="FORMAT", help=FORMAT_HELP)
]
OutputOption = Annotated[
    str | None, typer.Option("--output", "-o", metavar="FILE", help=OUTPUT_HELP)
]

JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        metavar="N",
        help=(
            "Judge the files in N worker processes (results in input order). "
            "Default: every core from 256 input files on, one process below."
        ),
    ),
]
