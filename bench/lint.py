"""Lint throughput: certready vs bare cryptography (load + build + verify) and pkilint.

Generates N certificates (mixed RSA/EC leaves under four CA hierarchies, each with its
intermediate), then times, in this one process and run, over the same in-memory PEM bundles:

- baseline: cryptography alone — load the bundle, build a server verifier for the host name,
  verify the path against the root;
- certready: the lint service on the same bundle with the same host and trust (facts, every rule
  of the homecare profile, chain analysis);
- pkilint: the CA/Browser Forum serverauth linter on the leaf (on a sample: it is slow).

Prints CPU microseconds per certificate for each (and wall-time ratios), per round and the
medians of the ratios paired within each round. Usage:
python bench/lint.py [N] [--rounds R] [--pkilint-sample M]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.verification import PolicyBuilder, Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pki import CA_KEY_USAGE, NOW, Issued, TestCA, _name, build

from certready.adapters.inputs import load_bytes
from certready.adapters.profiles import load_policy
from certready.services import lint as lint_service


@dataclass(frozen=True)
class Item:
    pem: bytes
    host: str
    hierarchy: int


def hierarchy(root_kind: str, inter_kind: str, label: str) -> TestCA:
    ca = TestCA(name=f"bench {label}", key_kind=root_kind)
    if inter_kind != root_kind:
        key = (
            ec.generate_private_key(ec.SECP256R1())
            if inter_kind == "p256"
            else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )
        cert = build(
            subject=_name(f"bench {label} Issuing CA"),
            issuer=ca.root.cert.subject,
            public_key=key.public_key(),
            signing_key=ca.root.key,
            ca=True,
            path_length=0,
            key_usage=CA_KEY_USAGE,
            issuer_key_for_aki=ca.root.key.public_key(),
            not_before=NOW - dt.timedelta(days=30),
            not_after=NOW + dt.timedelta(days=1825),
        )
        ca.intermediate = Issued(cert, key)
    return ca


def generate(n: int) -> tuple[list[Item], list[TestCA]]:
    cas = [
        hierarchy("rsa2048", "rsa2048", "rsa"),
        hierarchy("p384", "p256", "ec"),
        hierarchy("rsa2048", "p256", "mixed-a"),
        hierarchy("p384", "rsa2048", "mixed-b"),
    ]
    items = []
    for i in range(n):
        ca = cas[i % len(cas)]
        host = f"host{i}.bench.example"
        leaf = ca.issue(host, key_kind="rsa2048" if i % 2 else "p256")
        pem = leaf.cert.public_bytes(serialization.Encoding.PEM) + ca.intermediate.cert_pem()
        items.append(Item(pem, host, i % len(cas)))
    return items, cas


def run_baseline(items: list[Item], cas: list[TestCA]) -> None:
    stores = [Store([ca.root.cert]) for ca in cas]
    now = dt.datetime.now(dt.UTC)
    for item in items:
        leaf, *rest = x509.load_pem_x509_certificates(item.pem)
        verifier = (
            PolicyBuilder()
            .store(stores[item.hierarchy])
            .time(now)
            .build_server_verifier(x509.DNSName(item.host))
        )
        verifier.verify(leaf, rest)


def make_certready(
    cas: list[TestCA], roots_file: Path, *, chain: bool = True
) -> Callable[[list[Item]], None]:
    policy = load_policy("homecare")
    chain_options = _chain_options(roots_file) if chain else None

    run_facts = _facts_cache() if chain_options is None else None  # else: the chain options'

    def run(items: list[Item]) -> None:
        now = dt.datetime.now(dt.UTC)
        for i, item in enumerate(items):
            bundle = load_bytes(item.pem, f"item{i}.pem")
            kwargs: dict[str, object] = (
                {"chain": chain_options} if chain_options is not None else {}
            )
            if run_facts is not None:
                kwargs["facts"] = run_facts  # one per lint run, as the lint command has
            options = lint_service.LintOptions(policy=policy, hosts=(item.host,), now=now, **kwargs)
            lint_service.lint_bundle(bundle, options)

    return run


def _facts_cache() -> object | None:
    """The facts cache a lint run owns, when this build of certready has one (else ``None``:
    older builds remember facts in module globals)."""
    from certready.core import facts

    factory = getattr(facts, "FactsCache", None)
    return factory() if factory else None


def _chain_options(roots_file: Path) -> object | None:
    """The chain analysis options, when this build of certready has chain analysis."""
    try:
        from certready.services import chain  # type: ignore[attr-defined]
    except ImportError:
        return None
    factory = getattr(chain, "bench_options", None)
    return factory(roots_file) if factory else None


def run_pkilint(items: list[Item]) -> None:
    from pkilint import loader
    from pkilint.cabf import serverauth
    from pkilint.pkix import certificate

    cert_loader = loader.RFC5280CertificateDocumentLoader()
    validators: dict[object, object] = {}
    for item in items:
        leaf_pem = (
            item.pem.split(b"-----END CERTIFICATE-----", 1)[0] + b"-----END CERTIFICATE-----\n"
        )
        doc = cert_loader.load_pem_document(leaf_pem.decode(), "leaf")
        ctype = serverauth.determine_certificate_type(doc)
        validator = validators.get(ctype)
        if validator is None:
            validator = certificate.create_pkix_certificate_validator_container(
                serverauth.create_decoding_validators(), serverauth.create_validators(ctype)
            )
            validators[ctype] = validator
        validator.validate(doc.root)  # type: ignore[attr-defined]


def cpu_per_cert(fn: Callable[[list[Item]], None], items: list[Item]) -> tuple[float, float]:
    """(CPU µs, wall µs) per certificate of ``fn(items)``."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    fn(items)
    n = len(items)
    return (time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pkilint-sample", type=int, default=300)
    args = parser.parse_args()

    t0 = time.perf_counter()
    items, cas = generate(args.n)
    print(f"generated {len(items)} certificates in {time.perf_counter() - t0:.1f} s")
    roots_file = Path("bench/out/roots.pem")
    roots_file.parent.mkdir(parents=True, exist_ok=True)
    roots_file.write_bytes(b"".join(ca.root.cert_pem() for ca in cas))
    sample = items[: args.pkilint_sample]
    try:
        run_pkilint(sample[:5])  # imports and the validators pkilint builds once
    except ImportError:
        print("pkilint not installed (pip install -e '.[bench]'): skipped")
        sample = []

    # Interleaved rounds, each runner with the fresh caches of a new lint run; CPU time
    # (time.process_time: a loaded machine distorts it far less than wall time), and each
    # ratio paired within its round before the median is taken.
    rows: list[dict[str, float]] = []
    for r in range(args.rounds):
        row: dict[str, float] = {}
        row["bare"], row["bare wall"] = cpu_per_cert(lambda xs: run_baseline(xs, cas), items)
        certready = make_certready(cas, roots_file)
        row["chain"], row["chain wall"] = cpu_per_cert(certready, items)
        files_only = make_certready(cas, roots_file, chain=False)
        row["files"], row["files wall"] = cpu_per_cert(files_only, items)
        if sample:
            row["pkilint"], row["pkilint wall"] = cpu_per_cert(run_pkilint, sample)
        rows.append(row)
        print(
            f"round {r + 1}: CPU µs/cert bare {row['bare']:.0f}, certready with chain"
            f" {row['chain']:.0f} ({row['bare'] / row['chain']:.2f}x bare), without chain"
            f" {row['files']:.0f}"
            + (
                f", pkilint {row['pkilint']:.0f} (certready {row['pkilint'] / row['chain']:.1f}x)"
                if sample
                else ""
            ),
            flush=True,
        )

    def median(key: str) -> float:
        return statistics.median(row[key] for row in rows)

    def paired(over: str, under: str) -> float:
        return statistics.median(row[over] / row[under] for row in rows)

    chain = "with" if _chain_options(roots_file) is not None else "WITHOUT"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"median of {args.rounds} rounds, N={len(items)}, load average {load}")
    print(f"bare cryptography load+build+verify: {median('bare'):6.0f} CPU µs/cert")
    print(
        f"certready lint ({chain} chain analysis): {median('chain'):6.0f} CPU µs/cert"
        f"  {paired('bare', 'chain'):.2f}x bare (target >= 1.0); wall"
        f" {paired('bare wall', 'chain wall'):.2f}x"
    )
    print(
        f"certready lint WITHOUT chain analysis: {median('files'):6.0f} CPU µs/cert"
        f"  {paired('bare', 'files'):.2f}x bare (no path validation: not the same work)"
    )
    if sample:
        print(
            f"pkilint CABF serverauth (sample of {len(sample)}): {median('pkilint'):6.0f} CPU µs/cert;"
            f" certready with chain {paired('pkilint', 'chain'):.1f}x pkilint (target >= 25),"
            f" without chain {paired('pkilint', 'files'):.1f}x; wall"
            f" {paired('pkilint wall', 'chain wall'):.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
