"""x509-limbo through certready's own validation: ``N matched, M mismatched, K skipped``.

Runs all 9,780 cases of tests/conformance/data/limbo.json.gz (see tests/conformance/limbo.py for
the verdict, the profiles and the skip and known-mismatch lists), then prints the counts, every
mismatch with certready's reason and whether it is a known one, and the time taken.

Usage: python bench/limbo.py [--only PREFIX]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conformance.limbo import KNOWN_MISMATCHES, LIMBO, SKIP, Outcome, load_cases, run_all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the cases whose id starts with this")
    args = parser.parse_args()
    cases = load_cases()
    if not cases:
        print(f"limbo.json.gz not found ({LIMBO})")
        return 2
    ids = [c["id"] for c in cases if not args.only or c["id"].startswith(args.only)]
    start = time.perf_counter()
    matched, mismatched, skipped = 0, [], 0
    for outcome in run_all(ids):
        if isinstance(outcome, str):
            skipped += 1
        elif outcome.matched:
            matched += 1
        else:
            mismatched.append(outcome)
    elapsed = time.perf_counter() - start
    print(f"{matched} matched, {len(mismatched)} mismatched, {skipped} skipped")
    for o in mismatched:
        print(f"  {o.id}: expected {o.expected}, got {o.actual}{_why(o)}")
    unexplained = [o for o in mismatched if o.id not in KNOWN_MISMATCHES]
    print(
        f"{len(ids)} cases in {elapsed:.1f} s ({len(ids) / elapsed:.0f}/s, one process); "
        f"{len(unexplained)} mismatches not in KNOWN_MISMATCHES; {len(SKIP)} ids in SKIP"
    )
    return 1 if unexplained else 0


def _why(o: Outcome) -> str:
    known = KNOWN_MISMATCHES.get(o.id)
    if known:
        return f"  [known: {known}]"
    return f"  ({o.reason})" if o.reason else ""


if __name__ == "__main__":
    sys.exit(main())
