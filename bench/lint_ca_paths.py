"""CPU time per certificate of the lint service with and without "each CA path verified once".

Paired in one process over bench/lint.py's certificates: the bare cryptography loop, then the
lint service with the shortcut of :mod:`certready.services.ca_paths` switched off, then on (fresh
caches each time), R rounds; prints CPU microseconds per certificate (``time.process_time``: a
loaded machine distorts it far less than wall time) and the medians.

Usage: python bench/lint_ca_paths.py [N] [--rounds R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from certready.services import ca_paths
from lint import generate, make_certready, run_baseline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items, cas = generate(args.n)
    roots = Path(tempfile.mkdtemp()) / "roots.pem"
    roots.write_bytes(b"".join(ca.root.cert_pem() for ca in cas))
    with_key = ca_paths._key

    def without_key(*_: object, **__: object) -> tuple[None, None]:
        return None, None

    def cpu(fn: Callable[[], None]) -> float:
        start = time.process_time()
        fn()
        return (time.process_time() - start) / len(items) * 1e6

    found: dict[str, list[float]] = {"bare": [], "before": [], "after": []}
    for r in range(args.rounds):
        found["bare"].append(cpu(lambda: run_baseline(items, cas)))
        ca_paths._key = without_key  # type: ignore[assignment]
        off = make_certready(cas, roots)
        found["before"].append(cpu(lambda: off(items)))  # noqa: B023
        ca_paths._key = with_key
        on = make_certready(cas, roots)
        found["after"].append(cpu(lambda: on(items)))  # noqa: B023
        print(
            f"round {r + 1}: CPU µs/cert bare {found['bare'][-1]:.0f}"
            f"  shortcut off {found['before'][-1]:.0f}  on {found['after'][-1]:.0f}",
            flush=True,
        )
    m = {k: statistics.median(v) for k, v in found.items()}
    print(
        f"median CPU µs/cert: bare {m['bare']:.0f}; certready, shortcut off {m['before']:.0f}"
        f" ({m['bare'] / m['before']:.2f}x bare), on {m['after']:.0f}"
        f" ({m['bare'] / m['after']:.2f}x bare); on/off {m['before'] / m['after']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
