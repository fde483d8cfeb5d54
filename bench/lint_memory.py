"""Peak memory of ``certready lint`` over N certificates, ``--format jsonl`` and ``json``.

Two inputs of the same N leaves (under one private root; the leaves share one P-256 key so that
generating 100,000 stays quick): a folder of N files (leaf + intermediate each) and one PEM
bundle (the intermediate, then the N leaves: N targets). Runs, each in a fresh process,
``certready lint INPUT --trust root.pem --format F -o /dev/null --jobs 1`` and reports its peak
resident set size (``ru_maxrss`` of the child) and its time.

Usage: python bench/lint_memory.py N [N ...] [--formats jsonl,json] [--inputs folder,bundle]
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERTREADY = str(Path(sys.executable).with_name("certready"))
NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(
    subject: str,
    issuer: str,
    key: ec.EllipticCurvePrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    path_length: int | None,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(NOW + dt.timedelta(days=1800))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
        )
        .sign(signer, hashes.SHA256())
    )


def write_files(folder: Path, n: int, bundle: Path | None = None) -> Path:
    root_key = ec.generate_private_key(ec.SECP256R1())
    inter_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    root = _ca("memory bench root", "memory bench root", root_key, root_key, None)
    inter = _ca("memory bench issuing CA", "memory bench root", inter_key, root_key, 0)
    inter_pem = inter.public_bytes(serialization.Encoding.PEM)
    out = bundle.open("wb") if bundle is not None else None
    if out is not None:
        out.write(inter_pem)
    for i in range(n):
        host = f"host{i}.memory.example"
        leaf = (
            x509.CertificateBuilder()
            .subject_name(_name(host))
            .issuer_name(inter.subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=90))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(inter_key.public_key()),
                critical=False,
            )
            .sign(inter_key, hashes.SHA256())
        )
        leaf_pem = leaf.public_bytes(serialization.Encoding.PEM)
        sub = folder / f"{i // 1000:04d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{i:07d}.pem").write_bytes(leaf_pem + inter_pem)
        if out is not None:
            out.write(leaf_pem)
    if out is not None:
        out.close()
    roots = folder.parent / "root.pem"
    roots.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return roots


def measure(target: Path, roots: Path, fmt: str) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one lint run in a fresh process."""
    code = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    start = time.perf_counter()
    out = subprocess.run(
        [
            *(sys.executable, "-c", code, CERTREADY, "lint", str(target), "--trust", str(roots)),
            *("--format", fmt, "-o", "/dev/null", "--jobs", "1"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip()) / 1024, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="+")
    parser.add_argument("--formats", default="jsonl,json")
    parser.add_argument("--inputs", default="folder,bundle")
    args = parser.parse_args()
    for n in args.n:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "certs"
            folder.mkdir()
            bundle = Path(tmp) / "fleet.pem"
            roots = write_files(folder, n, bundle)
            size = bundle.stat().st_size / 1024 / 1024
            for kind in args.inputs.split(","):
                target = folder if kind == "folder" else bundle
                for fmt in args.formats.split(","):
                    rss, seconds = measure(target, roots, fmt)
                    what = f"{kind} ({size:,.0f} MiB)" if kind == "bundle" else kind
                    print(
                        f"N={n:,} {what} --format {fmt}: peak RSS {rss:,.0f} MB, {seconds:,.0f} s",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
