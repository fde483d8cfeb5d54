#!/usr/bin/env python3
"""Coverage-guided fuzzing of certready's input parsers, in process, with atheris (libFuzzer).

Usage::

    python bench/fuzz.py TARGET [--seconds S] [--timeout T] [--rss-mb M] [--jobs J] [-- LIBFUZZER...]
    python bench/fuzz.py --list
    python bench/fuzz.py TARGET --replay FILE...     # re-run saved inputs (no fuzzing)

Each target is one input entry point (``manifest``: YAML text -> validated deployment;
``profile``: TOML text -> resolved policy; ``input``: any bytes -> a certificate/key bundle, the
whole sniffing pipeline; ``pem``, ``der``, ``pkcs7``, ``pkcs12``, ``pkcs8`` (an encrypted
PKCS#8 key, DER), ``keys`` (PEM private keys): each format's own loader, a password given, so
encrypted inputs are decrypted too). An input may be rejected with a
:class:`~certready.core.errors.CertReadyError` (a one-line error: the promise); anything else
raised is a crash. The corpus lives in ``bench/fuzz-corpus/TARGET/`` (seeded from the shipped
starter manifest, the tests' manifests, the built-in profiles and the test suite's certificates,
bundles, PFX files and keys on first run, including the issue's slow inputs); crashers, inputs
slower than ``--timeout`` seconds (default 2) and inputs over ``--rss-mb`` (default 2048) are
written to ``bench/fuzz-corpus/TARGET/artifacts/`` as ``crash-*``, ``timeout-*``, ``oom-*``, and
the run goes on (libFuzzer's fork mode with ``-ignore_crashes``). The targets and their seeds are
in ``bench/fuzz_targets.py``: to add one, add a function to its ``TARGETS``, its seeds to
``seeds`` and its name to :data:`NAMES` here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "fuzz-corpus"
sys.path.insert(0, str(ROOT))
NAMES = ("manifest", "profile", "input", "pem", "der", "pkcs7", "pkcs12", "pkcs8", "keys")
"""The targets, listed before the (slow, instrumented) imports: ``make fuzz`` loops over them."""
if sys.argv[1:] == ["--list"]:
    print("\n".join(NAMES))
    sys.exit(0)

try:
    import atheris
except ImportError:  # pragma: no cover - the fuzz extra is not installed
    sys.exit("atheris is not installed: `make fuzz` installs it (pip install -e '.[fuzz]')")

with atheris.instrument_imports(include=["certready", "yaml", "tomllib"]):
    from bench.fuzz_targets import TARGETS, seeds

    from certready.core.errors import CertReadyError

assert tuple(TARGETS) == NAMES


def one_input(target: Callable[[bytes], None]) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        with contextlib.suppress(CertReadyError):  # a one-line error: what a bad input must get
            target(data)

    return run


_CHILD = "CERTREADY_FUZZ_TARGET"
"""Set for libFuzzer's fork-mode children, which run this script with libFuzzer's flags only."""


def main() -> int:
    if _CHILD in os.environ:
        atheris.Setup(sys.argv, one_input(TARGETS[os.environ[_CHILD]]))
        atheris.Fuzz()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", choices=sorted(TARGETS))
    parser.add_argument("--list", action="store_true", help="list the targets")
    parser.add_argument("--seconds", type=int, default=60, help="total fuzzing time")
    parser.add_argument("--timeout", type=int, default=2, help="per-input deadline (s)")
    parser.add_argument("--rss-mb", type=int, default=2048, help="memory cap (MB)")
    parser.add_argument("--jobs", type=int, default=1, help="libFuzzer fork jobs")
    parser.add_argument("--replay", nargs="+", type=Path, help="run these inputs once each")
    args, extra = parser.parse_known_args()
    if args.list or args.target is None:
        print("\n".join(sorted(TARGETS)))
        return 0
    run = one_input(TARGETS[args.target])
    if args.replay:
        for path in args.replay:
            run(path.read_bytes())
            print(f"{path}: ok")
        return 0
    corpus = CORPUS / args.target
    artifacts = corpus / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    for name, data in seeds(args.target):
        seed = corpus / f"seed-{name}"
        if not seed.exists():
            seed.write_bytes(data)
    # fork mode runs argv[0] again: this script, by its shebang, with this interpreter first on PATH
    os.environ[_CHILD] = args.target
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    argv = [
        str(Path(__file__).resolve()),
        str(corpus),
        f"-artifact_prefix={artifacts}/",
        f"-max_total_time={args.seconds}",
        f"-timeout={args.timeout}",
        f"-rss_limit_mb={args.rss_mb}",
        "-max_len=65536",
        "-print_final_stats=1",
    ]
    if args.jobs > 0:
        argv += [f"-fork={args.jobs}", "-ignore_crashes=1", "-ignore_timeouts=1", "-ignore_ooms=1"]
    atheris.Setup([*argv, *[a for a in extra if a != "--"]], run)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
