"""A short smoke campaign in every test run (issue 14): each target of ``bench/fuzz.py`` gets
its seeds and a few hundred seeded random mutations of them, without atheris (the long,
coverage-guided campaign is ``make fuzz``, documented in bench/README.md). Every input must be
read or refused with a one-line :class:`CertReadyError`, within the fuzzer's 2 s deadline."""

from __future__ import annotations

import random
import time

import pytest
from bench.fuzz_targets import TARGETS, seeds

from certready.core.errors import CertReadyError

MUTATIONS = 150
"""Per target: with the seeds, about 1,500 inputs in all, a few seconds."""
DEADLINE = 2.0


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One of libFuzzer's simple mutations: flip, overwrite, insert, erase, truncate, repeat."""
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out)) if out else 0
        kind = rng.randrange(6)
        if kind == 0 and out:
            out[at] ^= 1 << rng.randrange(8)
        elif kind == 1 and out:
            out[at] = rng.choice((0x00, 0x30, 0x80, 0x81, 0x82, 0x84, 0xFF, 0x2D, 0x0A))
        elif kind == 2:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 3 and out:
            del out[at : at + rng.randint(1, 16)]
        elif kind == 4:
            del out[at:]
        else:
            piece = out[at : at + rng.randint(1, 64)]
            out[at:at] = piece * rng.randint(1, 4)
    return bytes(out)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_smoke_campaign(target: str) -> None:
    run = TARGETS[target]
    corpus = [data for _, data in seeds(target)]
    assert corpus  # control: the target has seeds to mutate
    rng = random.Random(f"certready-{target}")
    inputs = corpus + [_mutate(rng.choice(corpus), rng) for _ in range(MUTATIONS)]
    refused = 0
    for data in inputs:
        started = time.process_time()
        try:
            run(data)
        except CertReadyError as exc:
            refused += 1
            assert "\n" not in exc.message, exc.message
        assert time.process_time() - started < DEADLINE, data[:200]
    assert 0 < refused < len(inputs)  # control: some inputs are read, some refused


def test_a_control_character_in_a_manifest_is_one_line() -> None:
    """Found by the smoke campaign: PyYAML's ReaderError is two lines."""
    run = TARGETS["manifest"]
    with pytest.raises(CertReadyError) as caught:
        run(b"servers:\n  - name: a\x1d\n")
    assert caught.value.message == (
        "not valid YAML: unacceptable character #x001d: control characters are not allowed"
    )
    run(next(data for name, data in seeds("manifest") if name == "starter.yaml"))  # control
