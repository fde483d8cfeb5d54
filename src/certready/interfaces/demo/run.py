"""``make demo``: audit a whole example deployment generated now, and write its install plan.

Everything is generated at demo time in a temporary folder (never committed, so it never expires):
a lab CA, the install guide's servers (app + STS, mobile, Physician Portal, a test app server),
Windows, iOS and Android clients and a proxy, with realistic mistakes (see
:mod:`certready.interfaces.demo.example`). The demo prints ``certready audit`` of the bundled manifest and
starts each server on a 127.0.0.x loopback port (presenting its chain as the lab wrote it), runs
``certready audit --live`` on the bundled manifest, writes ``certready plan`` to a folder it names,
and stops the servers. No network beyond loopback.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from certready.adapters.reporting.text_report import print_report
from certready.interfaces.cli.common import Streams
from certready.interfaces.demo.example import write_example, write_manifest
from certready.interfaces.demo.servers import LoopbackServers
from certready.services.audit import AuditOptions, audit
from certready.services.plan import write_install_plan


def main() -> int:
    streams = Streams(sys.stdout, sys.stderr)
    plan_dir = Path(tempfile.mkdtemp(prefix="certready-demo-plan-"))
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="certready-demo-") as tmp:
        example = write_example(tmp)
        with LoopbackServers() as servers:
            endpoints = {
                f"{s.environment}/{s.name}": servers.start(s.name, s.chain, s.key).target
                for s in example.servers
            }
            write_manifest(example, endpoints)
            os.chdir(tmp)  # so the report names files as an administrator would see them
            try:
                streams.out.print(f"$ certready audit {example.manifest.name} --live\n")
                report = audit(example.manifest.name, AuditOptions(scan=True, timeout=5))
                print_report(report, streams.out)
                plan, written = write_install_plan(example.manifest.name, plan_dir, force=True)
            finally:
                os.chdir(here)
    streams.out.print(
        f"\n$ certready plan {example.manifest.name} --out {plan_dir}\n"
        f"wrote {len(written)} files ({'private' if plan.private else 'public'} chain); "
        f"start with {plan_dir / 'README.md'}"
    )
    return 0
