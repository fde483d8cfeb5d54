"""Rule cost: microseconds per leaf for every certificate rule, from facts already extracted.

Rules are pure functions of CertFacts (DESIGN §3), so their cost is measured apart from parsing:
N leaves (RSA-2048, P-256, wildcard, IP, CN-only, short-lived mixes) are parsed once, then the
whole homecare policy and each rule alone are timed over the same contexts, best of R rounds.
Also prints facts extraction per leaf as the yardstick. Usage: python bench/rules.py [N] [--rounds R]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cryptography.x509.oid import ExtendedKeyUsageOID
from tests.pki import NOW, TestCA, key_usage

from certready.adapters.profiles import load_policy
from certready.core.engine import evaluate
from certready.core.facts import extract_facts
from certready.core.model import KeyPairing, RuleContext, Scope
from certready.core.rules import catalogue


def leaves(n: int) -> tuple[list[RuleContext], list[object]]:
    ca = TestCA(name="bench rules")
    variants = [
        lambda i: ca.issue(f"host{i}.bench.example"),
        lambda i: ca.issue(f"ec{i}.bench.example", key_kind="p256"),
        lambda i: ca.issue("*.bench.example", f"10.0.{i % 250}.1"),
        lambda i: ca.issue(f"cn{i}.bench.example", sans=[], cn=f"cn{i}.bench.example"),
        lambda i: ca.issue(
            f"x{i}.bench.example",
            key_kind="p256",
            ku=key_usage(),
            eku=[ExtendedKeyUsageOID.SERVER_AUTH],
            days=900,
        ),
    ]
    certs = [variants[i % len(variants)](i).cert for i in range(n)]
    contexts = [
        RuleContext(
            leaf=extract_facts(c),
            location=f"file:bench#{i}",
            now=NOW,
            hosts=(f"host{i}.bench.example", "app.bench.example"),
            private_key=KeyPairing.ABSENT,
        )
        for i, c in enumerate(certs)
    ]
    return contexts, certs  # type: ignore[return-value]


def best(rounds: int, fn: object) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    contexts, certs = leaves(args.n)
    policy = load_policy("homecare")
    n = len(contexts)

    facts_s = best(args.rounds, lambda: [extract_facts(c) for c in certs])  # type: ignore[arg-type]
    all_s = best(args.rounds, lambda: [evaluate(ctx, policy) for ctx in contexts])
    print(f"{n} leaves, best of {args.rounds} rounds")
    print(f"  extract_facts            {facts_s / n * 1e6:8.1f} µs/leaf (yardstick)")
    print(f"  every rule (homecare)    {all_s / n * 1e6:8.1f} µs/leaf")
    rows = []
    for rule in catalogue():
        if rule.scope is not Scope.CERTIFICATE:
            continue
        params = policy.setting(rule.id).parameters
        cost = best(
            args.rounds,
            lambda rule=rule, params=params: [list(rule.check(ctx, params)) for ctx in contexts],
        )
        rows.append((cost / n * 1e6, rule.id))
    for cost, rule_id in sorted(rows, reverse=True):
        print(f"  {rule_id:<36} {cost:6.2f} µs/leaf")


if __name__ == "__main__":
    main()
