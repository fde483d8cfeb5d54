"""Scan throughput: certready vs a bare asyncio handshake-and-fetch loop, and vs sslyze.

Starts N loopback TLS endpoints on 127.0.0.1 in a server subprocess (each presents its own leaf,
issued for 127.0.0.1, + the shared intermediate), then times, in one run, over the same endpoints at the same
concurrency:

- bare: asyncio.open_connection(ssl=CERT_NONE) + the presented chain (get_unverified_chain), close;
  nothing parsed, nothing judged: the practical limit here;
- certready: services.scan.scan_endpoints (handshake, whole chain, facts, every homecare rule, the
  tls rules, chain analysis against the bench root), R rounds interleaved with bare;
- sslyze: its certificate_info scan of a sample of the endpoints, in its own virtual environment
  (bench/.venv-sslyze, created here: sslyze pins an older cryptography).

Prints endpoints/second and the ratios. Usage: python bench/scan.py [N] [--concurrency C]
[--rounds R] [--sslyze-sample M] [--key rsa2048|p256] [--no-sslyze]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pki import TestCA

from certready.adapters.profiles import load_policy
from certready.core.model import TargetStatus
from certready.services.chain import bench_options
from certready.services.scan import ScanOptions, scan_endpoints

HERE = Path(__file__).resolve().parent
SSLYZE_VENV = HERE / ".venv-sslyze"

SERVER = textwrap.dedent(
    """
    import asyncio, json, ssl, sys
    directory, n = sys.argv[1], int(sys.argv[2])

    def context(i):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(f"{directory}/chain{i}.pem", f"{directory}/key{i}.pem")
        return ctx

    async def handle(reader, writer):
        try:
            await reader.read(1)
        except Exception:
            pass
        writer.close()

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: None)
        servers = [await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context(i), backlog=512)
                   for i in range(n)]
        ports = [s.sockets[0].getsockname()[1] for s in servers]
        print(json.dumps(ports), flush=True)
        await loop.run_in_executor(None, sys.stdin.read)

    asyncio.run(main())
    """
)

SSLYZE = textwrap.dedent(
    """
    import json, sys, time
    from sslyze import (Scanner, ServerNetworkLocation, ServerScanRequest, ScanCommand,
                        ServerScanStatusEnum, ScanCommandAttemptStatusEnum)
    ports, concurrency = json.loads(sys.argv[1]), int(sys.argv[2])
    requests = [
        ServerScanRequest(
            server_location=ServerNetworkLocation("localhost", p, ip_address="127.0.0.1"),
            scan_commands={ScanCommand.CERTIFICATE_INFO},
        )
        for p in ports
    ]
    started, cpu = time.perf_counter(), time.process_time()
    scanner = Scanner(concurrent_server_scans_limit=concurrency)
    scanner.queue_scans(requests)
    ok = 0
    for result in scanner.get_results():
        attempt = result.scan_result.certificate_info if result.scan_result else None
        if (result.scan_status == ServerScanStatusEnum.COMPLETED and attempt is not None
                and attempt.status == ScanCommandAttemptStatusEnum.COMPLETED):
            ok += 1
    print(json.dumps({"seconds": time.perf_counter() - started, "ok": ok,
                      "cpu": time.process_time() - cpu}))
    """
)


def write_pki(directory: Path, key_kind: str, n: int) -> Path:
    """One leaf per endpoint (as in a real deployment), all under one intermediate; the root."""
    ca = TestCA(name="bench scan", key_kind=key_kind)
    for i in range(n):
        leaf = ca.issue(f"app{i}.example.test", "127.0.0.1", key_kind=key_kind)
        (directory / f"chain{i}.pem").write_bytes(ca.chain_pem(leaf))
        key = directory / f"key{i}.pem"
        key.write_bytes(leaf.key_pem())
        key.chmod(0o600)
    root = directory / "root.pem"
    root.write_bytes(ca.root.cert_pem())
    return root


@contextlib.contextmanager
def servers(n: int, directory: Path):  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(directory), str(n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ports: list[int] = json.loads(proc.stdout.readline())
        yield ports
    finally:
        with contextlib.suppress(OSError):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def bare_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def bare_loop(ports: list[int], concurrency: int) -> int:
    """Handshake with each endpoint and take the presented chain (DER); count the chains."""
    context = bare_context()
    limit = asyncio.Semaphore(concurrency)
    fetched = 0

    async def one(port: int) -> None:
        nonlocal fetched
        async with limit:
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port, ssl=context), 10
                )
            except (OSError, TimeoutError):
                return
            sslobj = writer.get_extra_info("ssl_object")
            chain = sslobj._sslobj.get_unverified_chain()
            ders = [c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain]  # type: ignore[attr-defined]
            if ders:
                fetched += 1
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()

    await asyncio.gather(*(one(p) for p in ports))
    return fetched


CPU_MS: dict[str, list[float]] = {"bare": [], "certready": []}
"""Client CPU per endpoint (this process): steadier than wall time on a shared machine."""


def time_bare(ports: list[int], concurrency: int) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    fetched = asyncio.run(bare_loop(ports, concurrency))
    elapsed = time.perf_counter() - started
    CPU_MS["bare"].append((time.process_time() - cpu) * 1000 / len(ports))
    assert fetched == len(ports), f"bare loop fetched {fetched}/{len(ports)}"
    return len(ports) / elapsed


def time_certready(ports: list[int], concurrency: int, roots: Path) -> float:
    options = ScanOptions(
        policy=load_policy("homecare"),
        concurrency=concurrency,
        timeout=10,
        chain=bench_options(roots),  # what `certready scan --trust root.pem` runs
        protocol_probe=False,  # the protocol probes are not counted as handshakes (issue 12 #14)
    )
    targets = [f"127.0.0.1:{p}" for p in ports]
    started, cpu = time.perf_counter(), time.process_time()
    report = scan_endpoints(targets, options)
    elapsed = time.perf_counter() - started
    CPU_MS["certready"].append((time.process_time() - cpu) * 1000 / len(ports))
    ok = sum(1 for t in report.targets if t.status is TargetStatus.OK)
    assert ok == len(ports), f"certready scanned {ok}/{len(ports)}: {report.targets[0].reason}"
    return len(ports) / elapsed


def ensure_sslyze() -> Path | None:
    python = SSLYZE_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {SSLYZE_VENV} and installing sslyze ...", flush=True)
        venv.create(SSLYZE_VENV, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "sslyze"], check=False)
    check = subprocess.run([python, "-c", "import sslyze"], capture_output=True, check=False)
    return python if check.returncode == 0 else None


def time_sslyze(python: Path, ports: list[int], concurrency: int) -> tuple[float, int]:
    """Endpoints/second and completed scans; records sslyze's CPU per endpoint in CPU_MS."""
    out = subprocess.run(
        [python, "-c", SSLYZE, json.dumps(ports), str(concurrency)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    CPU_MS.setdefault("sslyze", []).append(data["cpu"] * 1000 / len(ports))
    return len(ports) / data["seconds"], int(data["ok"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sslyze-sample", type=int, default=100)
    parser.add_argument("--key", default="rsa2048", choices=["rsa2048", "p256"])
    parser.add_argument("--no-sslyze", action="store_true")
    args = parser.parse_args()
    python = None if args.no_sslyze else ensure_sslyze()
    with tempfile.TemporaryDirectory() as tmp:
        roots = write_pki(Path(tmp), args.key, args.n)
        with servers(args.n, Path(tmp)) as ports:
            sample = ports[: args.sslyze_sample]
            print(
                f"{args.n} loopback endpoints ({args.key} leaf + intermediate), concurrency "
                f"{args.concurrency}, {os.cpu_count()} CPUs, {args.rounds} interleaved rounds"
                + (f", sslyze on {len(sample)} of them" if python else "")
                + f"; load average {os.getloadavg()[0]:.1f} (other work slows every contender)"
            )
            time_bare(ports[:20], args.concurrency)  # warm-up: imports, page cache, sockets
            time_certready(ports[:20], args.concurrency, roots)
            CPU_MS["bare"].clear()
            CPU_MS["certready"].clear()
            bare: list[float] = []
            ours: list[float] = []
            theirs: list[float] = []
            for number in range(1, args.rounds + 1):
                bare.append(time_bare(ports, args.concurrency))
                ours.append(time_certready(ports, args.concurrency, roots))
                print(
                    f"  round {number}: bare {bare[-1]:7.1f}/s, certready {ours[-1]:7.1f}/s "
                    f"({ours[-1] / bare[-1]:.2f}x); client CPU per endpoint bare "
                    f"{CPU_MS['bare'][-1]:.2f} ms, certready {CPU_MS['certready'][-1]:.2f} ms "
                    f"({CPU_MS['bare'][-1] / CPU_MS['certready'][-1]:.2f}x); "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                if python is not None:
                    rate, ok = time_sslyze(python, sample, args.concurrency)
                    assert ok == len(sample), f"sslyze completed {ok}/{len(sample)}"
                    theirs.append(rate)
            b, c = max(bare), max(ours)
            paired = statistics.median(o / b_ for o, b_ in zip(ours, bare, strict=True))
            print(f"  bare asyncio handshake+chain : {b:8.1f} endpoints/s (best round)")
            print(
                f"  certready scan               : {c:8.1f} endpoints/s (best round)  "
                f"{c / b:.2f}x bare; median of paired rounds {paired:.2f}x"
            )
            cb, cc = min(CPU_MS["bare"]), min(CPU_MS["certready"])
            cpu_paired = statistics.median(
                b_ / c_ for b_, c_ in zip(CPU_MS["bare"], CPU_MS["certready"], strict=True)
            )
            print(
                f"  client CPU per endpoint      : bare {cb:.2f} ms, certready {cc:.2f} ms "
                f"(least of the rounds); bare/certready median of paired rounds "
                f"{cpu_paired:.2f}x (the server process is timed by neither; on a quiet machine "
                "both loops are bound by this client CPU, so this is the rate ratio there)"
            )
            if python is None:
                print("  sslyze                       : skipped (--no-sslyze or not installable)")
                return 0
            s_ = max(theirs)
            paired_s = statistics.median(o / t for o, t in zip(ours, theirs, strict=True))
            print(
                f"  sslyze certificate_info      : {s_:8.1f} endpoints/s (best round)  "
                f"certready {c / s_:.1f}x faster; median of paired rounds {paired_s:.1f}x"
            )
            cs = min(CPU_MS["sslyze"])
            print(f"  sslyze client CPU / endpoint : {cs:.2f} ms ({cs / cc:.1f}x certready's)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
