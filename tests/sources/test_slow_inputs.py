"""The slow inputs of issue 14's campaign are regression tests: each is refused or read within
ten times what the fixed code takes, in time and in memory (never more than the issue's 200 MB).

Measured here (CPU seconds of this process, untraced; peak of Python's allocations, traced):

| input | before | fixed | bound |
| --- | --- | --- | --- |
| PFX, MAC iterations 2^31 - 1 | until killed | < 1 ms, ~0 MB | 0.1 s, 10 MB |
| encrypted PKCS#8, PBKDF2 2^31 - 1 (PEM) and 2^32 + 1 (DER) | until killed; Rust panic | < 1 ms | 0.1 s, 10 MB |
| 4,000 unterminated BEGIN lines (112 KB) | 3.7 s | 0.004 s, 0.6 MB | 0.1 s, 6 MB |
| 1 certificate + 80,000 skipped blocks (4.6 MB) | 79 s | 0.25 s, 39 MB | 2.5 s, 200 MB |
| 1 certificate + 200,000 skipped blocks (11 MB) | never ended | 0.62 s, 96 MB | 6.2 s, 200 MB |
| PKCS#7 order of 4,000 certificates | 7.3 s | 0.11 s, 4.3 MB | 1.1 s, 43 MB |

(Time bounds under 0.1 s are raised to 0.1 s, memory bounds under 10 MB to 10 MB: below that a
loaded machine's noise, an import or a cache, decides.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from certready.adapters.inputs import chain_order, load_bytes
from certready.core.errors import InputError
from tests.pki import Issued, TestCA
from tests.sources import slow_inputs
from tests.sources.test_linear_inputs import _chain, _shuffled

MB = 1_000_000
CEILING = 200 * MB
"""The issue's promise for any input."""


def _bound(seconds: float, peak: int) -> tuple[float, int]:
    return max(10 * seconds, 0.1), min(max(10 * peak, 10 * MB), CEILING)


def _secret(_source: str) -> bytes:
    return b"secret"


@pytest.fixture(scope="module")
def leaf(ca: TestCA) -> Issued:
    return ca.issue("app.example.test")


def _refused(data: bytes) -> Callable[[], object]:
    def work() -> object:
        with pytest.raises(InputError):
            load_bytes(data, "slow", _secret)
        return None

    return work


CASES: dict[str, tuple[Callable[[Issued], Callable[[], object]], float, int]] = {
    "pfx-mac-2^31": (
        lambda leaf: _refused(slow_inputs.pfx_mac_iterations(leaf)),
        0.001,
        100_000,
    ),
    "pkcs8-pem-2^31": (lambda _: _refused(slow_inputs.pkcs8_iterations()), 0.001, 100_000),
    "pkcs8-der-2^32+1": (
        lambda _: _refused(slow_inputs.pkcs8_iterations(2**32 + 1, pem=False)),
        0.001,
        100_000,
    ),
    "begin-lines-4000": (
        lambda _: _refused(slow_inputs.unterminated_begins(4000)),
        0.004,
        600_000,
    ),
    "skipped-80000": (
        lambda leaf: lambda: load_bytes(slow_inputs.skipped_blocks(leaf, 80_000), "slow"),
        0.25,
        39 * MB,
    ),
    "skipped-200000": (
        lambda leaf: lambda: load_bytes(slow_inputs.skipped_blocks(leaf, 200_000), "slow"),
        0.62,
        96 * MB,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_slow_input_is_bounded(case: str, leaf: Issued) -> None:
    build, seconds, peak = CASES[case]
    work = build(leaf)
    work()  # control: what it must do (refused, or read) it does, and it warms imports
    spent = slow_inputs.cost(work)
    limit_seconds, limit_bytes = _bound(seconds, peak)
    assert spent.seconds < limit_seconds, spent
    assert spent.peak_bytes < limit_bytes, spent


def test_ordering_4000_pkcs7_certificates_is_bounded() -> None:
    chain = _chain(4000)
    shuffled = _shuffled(chain)
    assert chain_order(shuffled) == chain  # control: the order is right
    spent = slow_inputs.cost(lambda: chain_order(shuffled))
    limit_seconds, limit_bytes = _bound(0.11, int(4.3 * MB))
    assert spent.seconds < limit_seconds, spent
    assert spent.peak_bytes < limit_bytes, spent
