"""Where the lint service's CPU time per certificate goes.

Over bench/lint.py's certificates, in one process: the bare cryptography loop, the lint service
as is, then the lint service with a CPU clock (``time.process_time``) around each part, each
part's time counted without the parts it calls (fresh caches each run, rounds interleaved,
medians):

- load: ``load_bytes`` (PEM parse, the names check);
- facts: ``extract_facts`` (the leaf's; CA certificates' are remembered for the run);
- verify: ``verify_path`` (cryptography's verifier, and the path's description where the
  caller asks for it);
- certificate rules, chain rules: the engine's ``evaluate`` of each scope;
- chain bookkeeping: the rest of ``analyse_chain`` (issuer graph, the bundle's shape, the path's
  description, CA profiles);
- rest: the lint service's own work and the bench loop.

Profilers distort this workload (cProfile about doubles it and charges most of it to the many
small Python calls), and a part timed alone in a tight loop costs far less than inside the lint,
where it shares the processor's caches with the rest; the clocks here cost a few µs per
certificate (the instrumented total is printed beside the plain one).

Usage: python bench/lint_breakdown.py [N] [--rounds R]; works on older checkouts too (run it with
PYTHONPATH=that_checkout/src).
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lint as bench
from certready.core import facts as facts_module
from certready.services import ca_paths
from certready.services import chain as chain_module
from certready.services import lint as lint_service
from lint import Item, generate, make_certready, run_baseline

PARTS = ("load", "facts", "verify", "certificate rules", "chain rules", "chain bookkeeping")

clock = time.process_time
spent: dict[str, float] = {}
stack: list[list[Any]] = []  # [part, start of its current stretch]


def timed(part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``, its CPU time charged to ``part`` (less what the parts it calls are charged)."""

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        now = clock()
        if stack:
            outer = stack[-1]
            spent[outer[0]] = spent.get(outer[0], 0.0) + now - outer[1]
        stack.append([part, now])
        try:
            return fn(*args, **kwargs)
        finally:
            end = clock()
            name, start = stack.pop()
            spent[name] = spent.get(name, 0.0) + end - start
            if stack:
                stack[-1][1] = end

    return inner


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items, cas = generate(args.n)
    roots = Path(tempfile.mkdtemp()) / "roots.pem"
    roots.write_bytes(b"".join(ca.root.cert_pem() for ca in cas))
    n = len(items)
    plain = {
        (bench, "load_bytes"): bench.load_bytes,
        (facts_module, "extract_facts"): facts_module.extract_facts,
        (lint_service, "evaluate"): lint_service.evaluate,
        (chain_module, "evaluate"): chain_module.evaluate,
        (lint_service, "analyse_chain"): lint_service.analyse_chain,
        (ca_paths, "verify_path"): ca_paths.verify_path,
        (chain_module, "verify_path"): chain_module.verify_path,
    }
    clocked = {
        (bench, "load_bytes"): timed("load", bench.load_bytes),
        (facts_module, "extract_facts"): timed("facts", facts_module.extract_facts),
        (lint_service, "evaluate"): timed("certificate rules", lint_service.evaluate),
        (chain_module, "evaluate"): timed("chain rules", chain_module.evaluate),
        (lint_service, "analyse_chain"): timed("chain bookkeeping", lint_service.analyse_chain),
        (ca_paths, "verify_path"): timed("verify", ca_paths.verify_path),
        (chain_module, "verify_path"): timed("verify", chain_module.verify_path),
    }

    def cpu(fn: Callable[[list[Item]], None]) -> float:
        gc.collect()
        start = clock()
        fn(items)
        return (clock() - start) / n * 1e6

    rows: list[dict[str, float]] = []
    for r in range(args.rounds):
        row = {"bare": cpu(lambda xs: run_baseline(xs, cas))}
        row["certready"] = cpu(make_certready(cas, roots))
        for (module, name), value in clocked.items():
            setattr(module, name, value)
        spent.clear()
        try:
            row["instrumented"] = cpu(make_certready(cas, roots))
        finally:
            for (module, name), value in plain.items():
                setattr(module, name, value)
        for part in PARTS:
            row[part] = spent.get(part, 0.0) / n * 1e6
        row["rest"] = row["instrumented"] - sum(row[p] for p in PARTS)
        rows.append(row)
        print(f"round {r + 1}: " + ", ".join(f"{k} {v:.0f}" for k, v in row.items()), flush=True)

    def median(key: str) -> float:
        return statistics.median(row[key] for row in rows)

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"N={n}, {args.rounds} rounds, load average {load}; median CPU µs per certificate:")
    print(f"  bare cryptography loop  {median('bare'):5.0f}")
    ratio = statistics.median(row["bare"] / row["certready"] for row in rows)
    print(f"  certready               {median('certready'):5.0f}  ({ratio:.2f}x bare, paired)")
    print(f"  certready, instrumented {median('instrumented'):5.0f}, of which:")
    for part in (*PARTS, "rest"):
        print(f"    {part:21s} {median(part):5.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
