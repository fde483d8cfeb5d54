"""``lint --jobs``: wall time of the lint command over a folder of N files, one process vs J.

Generates N bundles (bench/lint.py's four hierarchies, leaf + intermediate each) into a temporary
folder, then runs ``certready lint FOLDER --trust roots.pem --format jsonl -o /dev/null`` with
``--jobs 1`` and ``--jobs J``, alternated, R rounds each, and prints files/second, the speed-up
(paired median) and the CPU seconds per certificate (children's user + system time), with the
load average after each round (a second process gets no second core on a loaded machine).

Usage: python bench/lint_jobs.py [N] [--jobs J] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint import generate

CERTREADY = str(Path(sys.executable).with_name("certready"))


def once(folder: Path, roots: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the run and its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [
            *(CERTREADY, "lint", str(folder), "--trust", str(roots), "--format", "jsonl"),
            *("-o", "/dev/null", "--jobs", str(jobs)),
        ],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items, cas = generate(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "certs"
        folder.mkdir()
        for i, item in enumerate(items):
            (folder / f"{i:06d}.pem").write_bytes(item.pem)
        roots = Path(tmp) / "roots.pem"
        roots.write_bytes(b"".join(ca.root.cert_pem() for ca in cas))
        ratios = []
        for r in range(args.rounds):
            w1, c1 = once(folder, roots, 1)
            wj, cj = once(folder, roots, args.jobs)
            ratios.append(w1 / wj)
            load = os.getloadavg()[0]
            print(
                f"round {r + 1}: --jobs 1 {args.n / w1:,.0f}/s ({c1 / args.n * 1e6:,.0f} µs CPU/cert)"
                f"  --jobs {args.jobs} {args.n / wj:,.0f}/s ({cj / args.n * 1e6:,.0f} µs CPU/cert)"
                f"  speed-up {w1 / wj:.2f}x  (load average {load:.1f})",
                flush=True,
            )
        print(f"paired median speed-up with --jobs {args.jobs}: {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
