"""core.spki.rsa_problem: the small-factor check (one GCD) names the same prime the one-by-one
search did."""

from __future__ import annotations

import random

from certready.core.spki import _SMALL_PRIMES, rsa_problem

_BIG_PRIME = 2**127 - 1  # a Mersenne prime: no factor below 752


def _one_by_one(modulus: int) -> int | None:
    return next((p for p in _SMALL_PRIMES if modulus % p == 0), None)


def test_small_factor_named_smallest_first() -> None:
    assert rsa_problem(5 * 7 * _BIG_PRIME, 65537) == (
        "the RSA modulus is divisible by 5 (it must have no factor below 752)"
    )
    assert rsa_problem(751 * _BIG_PRIME * _BIG_PRIME, 65537) == (
        "the RSA modulus is divisible by 751 (it must have no factor below 752)"
    )


def test_no_small_factor_is_no_problem() -> None:
    assert rsa_problem(_BIG_PRIME * (2**89 - 1), 65537) is None  # two primes above 752
    assert rsa_problem(757 * _BIG_PRIME, 65537) is None  # 757: the first prime past the bound


def test_same_verdict_as_trying_each_prime() -> None:
    rng = random.Random(16)
    for _ in range(2000):
        modulus = rng.getrandbits(2048) | 1 | (1 << 2047)
        prime = _one_by_one(modulus)
        expected = (
            None
            if prime is None
            else f"the RSA modulus is divisible by {prime} (it must have no factor below 752)"
        )
        assert rsa_problem(modulus, 65537) == expected
