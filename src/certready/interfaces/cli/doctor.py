"""``certready doctor``: check this client machine the way its applications connect."""

from __future__ import annotations

from typing import Annotated

import typer

from certready.adapters.profiles import load_policy
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import (
    DEFAULT_TIMEOUT,
    FailOn,
    FailOnOption,
    FormatOption,
    ManifestProfileOption,
    OutputOption,
    ReportFormat,
    timeout_option,
)
from certready.interfaces.cli.output import emit_and_judge
from certready.services.doctor import DoctorOptions, doctor

DOCTOR_HELP = """\
Check this client machine the way its applications connect: trust stores, proxy, interception.

Run it on a client (Windows, macOS, Linux) with the deployment's manifest. For each server the
client group connects to (`clients[].connects_to`, or --server), certready reads this machine's
trust stores and proxy settings and connects to the server (its `endpoint`, else its FQDN on
port 443) directly and through each proxy that applies. Reading needs no administrator rights.

\b
What each check reads, and what to do with its finding:
  client.root-missing       Windows: the Trusted Root store; macOS: the system,
                            System and login keychains (security); Linux: the CA
                            bundle and the NSS databases of Chromium and Firefox
                            (certutil, from libnss3-tools). Fix: run the install
                            plan's script for this client group (certready plan),
                            or the certutil line the finding gives.
  client.intermediate-missing
                            Windows: the Intermediate store; macOS: the System or
                            login keychain. Fix: the same script; make the server
                            send its intermediates.
  client.proxy-not-bypassed HTTPS_PROXY/NO_PROXY; Windows: WinINET (registry) and
                            WinHTTP (netsh winhttp show proxy); macOS: scutil
                            --proxy. A PAC script is reported, not evaluated.
                            Fix: add the names to that setting's bypass list.
  client.intercepted        the chain through the proxy is signed by another CA
                            than the direct one (the finding names it). Fix:
                            bypass these names on the proxy.
  client.proxy-unreachable  the proxy itself does not answer (not the server).
                            Fix the proxy setting, or bypass the names.

The client group is the only one of the manifest for this OS, else --client NAME.
Exit status: 0 ok, 1 findings at or above --fail-on, 2 usage or manifest error (several client
groups for this OS: they are listed), 3 every server unreachable.
"""

DOCTOR_EPILOG = """\
\b
Examples:
  certready doctor site.yaml                       the only client group for this OS
  certready doctor site.yaml --client "office PCs"
  certready doctor site.yaml --server production/app --format json
  NO_PROXY=app.example.org certready doctor site.yaml   as tools with this NO_PROXY see it
"""


def register(app: typer.Typer) -> None:
    @app.command("doctor", help=DOCTOR_HELP, epilog=DOCTOR_EPILOG)
    def doctor_command(
        manifest: Annotated[
            str,
            typer.Argument(
                metavar="MANIFEST", help="The deployment manifest (YAML).", show_default=False
            ),
        ],
        client: Annotated[
            str | None,
            typer.Option(
                "--client",
                metavar="NAME",
                help="The manifest's client group this machine belongs to (default: the only "
                "group for this OS).",
            ),
        ] = None,
        server: Annotated[
            list[str] | None,
            typer.Option(
                "--server",
                metavar="ENV/NAME",
                help="Check this server of the manifest (repeatable; default: every server the "
                "client group connects to).",
            ),
        ] = None,
        profile: ManifestProfileOption = None,
        timeout: Annotated[
            float, timeout_option("Seconds per connection (direct, or through one proxy).")
        ] = DEFAULT_TIMEOUT,
        fail_on: FailOnOption = FailOn.ERROR,
        fmt: FormatOption = ReportFormat.TEXT,
        output: OutputOption = None,
    ) -> int:
        streams = current_streams()
        options = DoctorOptions(
            client=client,
            servers=tuple(server or ()),
            policy=load_policy(profile) if profile else None,
            timeout=timeout,
        )
        report, policy = doctor(manifest, options)
        return emit_and_judge(
            report, fmt, output, streams, policy=policy, fail_on=fail_on.threshold()
        )

    del doctor_command
