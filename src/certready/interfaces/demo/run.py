"""``make demo``: audit a whole example deployment generated now, and write its install plan.

Everything is generated at demo time in ``./demo/`` (gitignored, never committed, so it never
expires): a lab CA, the install guide's servers (app + STS, mobile, Physician Portal, a test app
server), Windows, iOS and Android clients and a proxy, with realistic mistakes (see
:mod:`certready.interfaces.demo.example`). The demo prints ``certready audit`` of the bundled manifest,
starts each server on a 127.0.0.x loopback port (presenting its chain as the lab wrote it), runs
``certready audit --live``, writes ``certready plan`` to ``demo/plan`` and stops the servers. The
folder stays, so the printed commands can be rerun and the plan read. A rerun replaces it (only a
folder the demo made itself: it holds a ``.certready-demo`` marker). No network beyond loopback.
The offline and the live audit are recorded in the inventory (``CERTREADY_DB``, else the default
file), so ``certready inventory``, ``history production/app`` and ``diff`` have something to answer.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from certready.adapters.inventory import resolve_database
from certready.adapters.reporting.text_report import print_report
from certready.core.model import Report, Severity
from certready.interfaces.cli.common import Streams
from certready.interfaces.demo.example import write_example, write_manifest
from certready.interfaces.demo.servers import LoopbackServers
from certready.services.audit import AuditOptions, audit
from certready.services.plan import write_install_plan
from certready.services.record import Recorder

WORKSPACE = Path("demo")
MARKER = ".certready-demo"


def _prepare(workspace: Path) -> str | None:
    """Empty the demo's own folder; refuse one the demo did not make (returns why)."""
    if workspace.exists():
        if not (workspace / MARKER).exists() and any(workspace.iterdir()):
            return f"{workspace} exists and is not the demo's folder: move it away or rename it"
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True)
    (workspace / MARKER).write_text("made by `make demo`; a rerun replaces this folder\n")
    return None


def main(workspace: Path = WORKSPACE) -> int:
    streams = Streams(sys.stdout, sys.stderr)
    problem = _prepare(workspace)
    if problem:
        streams.error(problem)
        return 2
    here = Path.cwd()
    example = write_example(workspace)
    with LoopbackServers() as servers:
        endpoints = {
            f"{s.environment}/{s.name}": servers.start(s.name, s.chain, s.key).target
            for s in example.servers
        }
        write_manifest(example, endpoints)
        os.chdir(workspace)  # so the report names files as an administrator would see them
        try:
            streams.out.print(f"$ certready audit {example.manifest.name} --live\n")
            offline = audit(example.manifest.name, AuditOptions())
            report = audit(example.manifest.name, AuditOptions(scan=True, timeout=5))
            print_report(report, streams.out)
            recorded = _record(example.manifest.name, (offline, report), streams)
            plan, written = write_install_plan(example.manifest.name, "plan", force=True)
        finally:
            os.chdir(here)
    plan_dir = workspace / "plan"
    if recorded:
        streams.out.print(
            f"\nrecorded the offline and the live audit as runs {recorded}; now try\n"
            "  certready inventory --expiring 30d\n"
            "  certready history production/app\n"
            "  certready diff"
        )
    streams.out.print(
        f"\n$ certready plan {example.manifest.name} --out plan\n"
        f"wrote {len(written)} files ({'private' if plan.private else 'public'} chain)\n\n"
        f"The demo's files stay in {workspace}/ (the servers are stopped). Rerun offline:\n"
        f"  cd {workspace} && certready audit {example.manifest.name}\n"
        f"start with {plan_dir / 'README.md'}"
    )
    return 0


def _record(manifest: str, reports: tuple[Report, ...], streams: Streams) -> str:
    """Record each report as ``audit --record`` would; ``"3 and 4"``, or "" after a warning."""
    database = resolve_database(None)
    ids = []
    for report in reports:
        recorder = Recorder(database, "audit", manifest=manifest)
        run_id = recorder.finish(report, 1 if report.worst is Severity.ERROR else 0)
        if run_id is None:
            streams.warning(f"the demo's runs were not recorded: {recorder.error}")
            return ""
        ids.append(str(run_id))
    return f"{' and '.join(ids)} in {database.named}"
