"""Audit of an N-server manifest vs lint of the same certificate files, in the same run.

Generates N servers (half app servers with an STS certificate, half mobile servers with an
external name), each certificate file PEM with its key and intermediate, a manifest naming them
all with client groups and a proxy bypass list, then times, interleaved, best of R rounds:

- lint: ``services.lint.lint`` over every certificate file the manifest names (SSL and STS), with
  the chain analysis against the same trust the audit uses (Mozilla's store + the manifest's roots);
- audit: ``services.audit.audit`` of the manifest (YAML + validation, every rule for every server
  with all its names, the STS rules, the topology rules).

Prints both times and the ratio (target < 2x).

``--db URL`` (``--db sqlite`` for a SQLite file in a temporary folder) also times the audit with
recording: the same audit, then every target and finding committed into the inventory one
transaction per target, as ``certready audit --db URL`` does (target: at most 1.2x the audit alone).
Usage: python bench/audit.py [N] [--rounds R] [--key p256|rsa2048] [--db URL|sqlite]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pki import TestCA

from certready.adapters.inputs import load_certificates_file
from certready.adapters.inventory import parse_database
from certready.adapters.profiles import load_policy
from certready.services.audit import AuditOptions, audit, chain_options
from certready.services.lint import LintOptions, lint
from certready.services.record import Recorder


def generate(folder: Path, n: int, key_kind: str = "p256") -> tuple[Path, list[str]]:
    ca = TestCA(name="bench audit")
    (folder / "pki").mkdir()
    (folder / "certs").mkdir()
    (folder / "pki" / "root.cer").write_bytes(ca.root.cert_pem())
    (folder / "pki" / "issuing.cer").write_bytes(ca.intermediate.cert_pem())
    files: list[str] = []
    lines = [
        "deployment: bench",
        "policy: homecare",
        "environments:",
        "  production:",
        "    servers:",
    ]

    def write(stem: str, *names: str) -> str:
        issued = ca.issue(*names, key_kind=key_kind)
        path = folder / "certs" / f"{stem}.pem"
        path.write_bytes(ca.chain_pem(issued) + issued.key_pem())
        files.append(str(path))
        return f"certs/{stem}.pem"

    for i in range(n):
        if i % 2 == 0:
            fqdn = f"app{i}.bench.example"
            lines += [
                f"      - name: app{i}",
                "        roles: [app, sts]",
                f"        fqdn: {fqdn}",
                f"        certificate: {write(f'app{i}', fqdn)}",
                f"        sts_certificate: {write(f'sts{i}', f'sts{i}.bench.example')}",
            ]
        else:
            fqdn, external = f"mobile{i}.bench.example", f"m{i}.bench-health.example"
            lines += [
                f"      - name: mobile{i}",
                "        roles: [mobile-phone, mobile-tablet]",
                f"        fqdn: {fqdn}",
                f"        external_fqdns: [{external}]",
                f"        certificate: {write(f'mobile{i}', fqdn, external)}",
            ]
    lines += [
        "trust:",
        "  roots: [pki/root.cer]",
        "  intermediates: [pki/issuing.cer]",
        "clients:",
        *(
            f"  - {{name: group {g}, platform: {p}, connects_to: [app{2 * g}.bench.example, "
            f"m{2 * g + 1}.bench-health.example]}}"
            for g, p in enumerate(["windows", "ios", "android", "macos", "linux"] * 4)
        ),
        "proxy:",
        '  bypass: "*.bench.example;*.bench-health.example;<local>"',
    ]
    manifest = folder / "certready.yaml"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest, files


def timed(fn: object) -> float:
    """One timing, after a garbage collection (rounds are interleaved by the caller)."""
    gc.collect()
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--key",
        default="p256",
        help="leaf key kind: p256 (default) or rsa2048 (loading an RSA private key costs ~45 ms: "
        "cryptography checks it, and it dominates both sides)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="also time the audit recorded into this inventory (sqlite: a temporary file)",
    )
    args = parser.parse_args()
    policy = load_policy("homecare")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        manifest, files = generate(Path(tmp), args.n, args.key)
        print(f"generated {args.n} servers, {len(files)} certificate files "
              f"in {time.perf_counter() - started:.1f}s")  # fmt: skip
        folder = Path(tmp)
        roots = list(load_certificates_file(folder / "pki" / "root.cer"))
        inters = list(load_certificates_file(folder / "pki" / "issuing.cer"))
        with_chain = LintOptions(policy=policy, chain=chain_options(roots, inters, str(manifest)))
        files_only = LintOptions(policy=policy)
        report = audit(manifest, AuditOptions(policy=policy))
        assert not report.input_errors, report.input_errors[:1]
        ratios = []
        for label, lint_options, audit_options in (
            ("with chain analysis", with_chain, AuditOptions(policy=policy)),
            ("files only (no chain)", files_only, AuditOptions(policy=policy, chain=False)),
        ):
            lint_times, audit_times = [], []
            for _ in range(args.rounds):
                lint_times.append(timed(lambda o=lint_options: lint(files, o)))  # type: ignore[misc]
                audit_times.append(timed(lambda o=audit_options: audit(manifest, o)))  # type: ignore[misc]
            t_lint, t_audit = min(lint_times), min(audit_times)
            ratios.append(t_audit / t_lint)
            print(f"{label}:")
            print(f"  lint  of {len(files)} files:   {t_lint:6.2f}s ({len(files) / t_lint:,.0f}/s)")
            print(f"  audit of {args.n} servers: {t_audit:6.2f}s ({args.n / t_audit:,.0f}/s)")
            print(f"  ratio audit/lint: {t_audit / t_lint:.2f}x (target < 2x)")
        if args.db:
            url = str(Path(tmp) / "inventory.sqlite3") if args.db == "sqlite" else args.db
            recording(manifest, AuditOptions(policy=policy), url, args.rounds)
    return 0 if max(ratios) < 2 else 1


def recording(manifest: Path, options: AuditOptions, url: str, rounds: int) -> None:
    """The audit alone against the audit recorded into ``url``, interleaved, best of ``rounds``
    (each recorded round adds a run: the later ones upsert certificates already known)."""
    database = parse_database(url)

    def recorded() -> None:
        recorder = Recorder(database, "audit", manifest=manifest)
        report = audit(manifest, options)
        assert recorder.finish(report, 0) is not None, recorder.error

    alone, with_db = [], []
    for _ in range(rounds):
        alone.append(timed(lambda: audit(manifest, options)))
        with_db.append(timed(recorded))
    t_alone, t_db = min(alone), min(with_db)
    print(f"recording into {database.named}:")
    print(f"  audit alone:    {t_alone:6.2f}s")
    print(f"  audit recorded: {t_db:6.2f}s")
    print(f"  ratio recorded/alone: {t_db / t_alone:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    raise SystemExit(main())
