"""Protocol-version verdicts: certready's probes vs testssl.sh on the same loopback servers.

Starts four TLS servers on 127.0.0.1 (min TLS 1.0, min TLS 1.1, Python's default = TLS 1.2+,
TLS 1.3 only), asks certready (``tlsfetch.FetchSettings.protocols``, what ``scan`` runs) and, when it is
installed, ``testssl --protocols`` (Debian package ``testssl.sh``) which versions each accepts,
and prints both side by side with the time each took. A comparison, not a test.

Usage: python bench/protocols.py [--testssl PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pki import TestCA
from tests.scan.servers import Servers

from certready.adapters.tlsfetch import FetchSettings
from certready.core.protocols import TlsVersion

SERVERS: dict[str, ssl.TLSVersion | None] = {
    "min TLS 1.0": ssl.TLSVersion.TLSv1,
    "min TLS 1.1": ssl.TLSVersion.TLSv1_1,
    "default (1.2+)": None,
    "TLS 1.3 only": ssl.TLSVersion.TLSv1_3,
}
TESTSSL_IDS = {
    "TLS1": TlsVersion.TLS1_0,
    "TLS1_1": TlsVersion.TLS1_1,
    "TLS1_2": TlsVersion.TLS1_2,
    "TLS1_3": TlsVersion.TLS1_3,
}


def certready_verdict(port: int) -> tuple[set[TlsVersion], float]:
    started = time.perf_counter()
    found = asyncio.run(FetchSettings(10).protocols("127.0.0.1", port, None))
    return set(found.accepted), time.perf_counter() - started


def testssl_verdict(testssl: str, port: int) -> tuple[set[TlsVersion], float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        started = time.perf_counter()
        subprocess.run(
            [
                testssl,
                "--protocols",
                "--quiet",
                "--color",
                "0",
                "--warnings",
                "off",
                "--jsonfile",
                str(out),
                f"127.0.0.1:{port}",
            ],
            capture_output=True,
            check=False,
            timeout=300,
        )
        elapsed = time.perf_counter() - started
        rows = json.loads(out.read_text())
    accepted = {
        TESTSSL_IDS[r["id"]]
        for r in rows
        if r.get("id") in TESTSSL_IDS and r.get("finding", "").startswith("offered")
    }
    return accepted, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testssl", default=shutil.which("testssl") or shutil.which("testssl.sh"))
    args = parser.parse_args()
    ca = TestCA()
    leaf = ca.issue("app.example.test", "127.0.0.1")

    def shown(versions: set[TlsVersion]) -> str:
        return ", ".join(v.label for v in TlsVersion if v in versions) or "-"

    print(
        f"{'server':16} {'certready accepts':36} {'s':>5}   {'testssl.sh offered':36} {'s':>6}  agree"
    )
    with Servers() as s:
        for name, minimum in SERVERS.items():
            port = s.tls([leaf, ca.intermediate], minimum_version=minimum)
            ours, t_ours = certready_verdict(port)
            if args.testssl:
                theirs, t_theirs = testssl_verdict(args.testssl, port)
                print(
                    f"{name:16} {shown(ours):36} {t_ours:5.2f}   {shown(theirs):36} {t_theirs:6.1f}  {'yes' if ours == theirs else 'NO'}"
                )
            else:
                print(f"{name:16} {shown(ours):36} {t_ours:5.2f}   (testssl.sh not installed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
