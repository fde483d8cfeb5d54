"""``make demo``: audit a whole example deployment generated now, and write its install plan.

Everything is generated at demo time in a temporary folder (never committed, so it never expires):
a lab CA, the install guide's servers (app + STS, mobile, Physician Portal, a test app server),
Windows, iOS and Android clients and a proxy, with realistic mistakes (see
:mod:`certready.services.example`). The demo prints ``certready audit`` of the bundled manifest and
writes ``certready plan`` to a folder it names, then serves the example's certificates on loopback
addresses and prints ``certready scan`` of them. No network beyond 127.0.0.x.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from certready.core.policy import load_policy
from certready.interfaces.cli.common import Streams
from certready.interfaces.cli.text import print_report
from certready.interfaces.demo_support.servers import LoopbackServers
from certready.services.audit import audit
from certready.services.chain import make_chain_options
from certready.services.example import ExampleDeployment, write_example
from certready.services.plan import write_install_plan
from certready.services.scan import ScanOptions, scan_endpoints


def main() -> int:
    streams = Streams(sys.stdout, sys.stderr)
    plan_dir = Path(tempfile.mkdtemp(prefix="certready-demo-plan-"))
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="certready-demo-") as tmp:
        example = write_example(tmp)
        os.chdir(tmp)  # so the report names files as an administrator would see them
        try:
            streams.out.print(f"$ certready audit {example.manifest.name} --offline\n")
            report = audit(example.manifest.name)
            print_report(report, streams.out)
            plan, written = write_install_plan(example.manifest.name, plan_dir, force=True)
        finally:
            os.chdir(here)
    streams.out.print(
        f"\n$ certready plan {example.manifest.name} --out {plan_dir}\n"
        f"wrote {len(written)} files ({'private' if plan.private else 'public'} chain); "
        f"start with {plan_dir / 'README.md'}"
    )
    with tempfile.TemporaryDirectory(prefix="certready-demo-scan-") as tmp:
        _scan_demo(write_example(tmp), streams)
    return 0


def _scan_demo(example: ExampleDeployment, streams: Streams) -> None:
    """The example's servers on loopback addresses, and ``certready scan`` of them."""
    with LoopbackServers() as servers:
        pins: list[tuple[str, int, str]] = []
        targets: list[str] = []
        for server in example.servers:
            endpoint = servers.start(server.name, server.chain, server.key)
            targets.append(f"{server.fqdn}:{endpoint.port}")
            pins.append((server.fqdn, endpoint.port, endpoint.address))
        streams.out.print(
            f"\n$ certready scan {' '.join(targets)} --resolve NAME:PORT:127.0.0.x (each) "
            "--trust pki/root-ca.pem --no-sni-check\n"
        )
        options = ScanOptions(
            policy=load_policy("homecare"),
            timeout=5,
            chain=make_chain_options([str(example.lab_root)]),
            compare_without_sni=False,
            resolve=tuple(pins),
        )
        print_report(scan_endpoints(targets, options), streams.out)


if __name__ == "__main__":
    sys.exit(main())
