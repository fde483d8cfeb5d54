"""Run x509-limbo (tests/conformance/data/limbo.json.gz) through certready's own validation.

A case's verdict is FAILURE when the chain fails (cryptography's strict verdict for the exact name
and time, or a revoked certificate) or when the ``webpki`` profile reports an ERROR finding (chain
findings and the rules on the leaf); SUCCESS otherwise. ``SKIP`` lists the cases certready cannot
or deliberately does not decide, each with its reason; ``KNOWN_MISMATCHES`` the cases it decides
differently today, each with why.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509

from certready.adapters.crls import LoadedCrl
from certready.adapters.inputs import LoadedCertificate
from certready.adapters.profiles import load_policy, parse_policy
from certready.adapters.trust import TrustStore
from certready.core.errors import CertReadyError
from certready.core.hostnames import normalise_host
from certready.core.location import FileLocation, TrustKind, TrustLocation
from certready.core.model import Rule, Severity
from certready.core.policy import Policy
from certready.core.rules import catalogue
from certready.services.chain import ChainOptions
from certready.services.lint import LintOptions, analyse_detailed

LIMBO = Path(__file__).resolve().parent / "data" / "limbo.json.gz"
"""The suite, vendored with its licence (see data/README.md)."""
SHARED_LIMBO = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "limbo.json.gz"
"""Where the team's machines keep a copy, used when the vendored file is absent."""
DEFAULT_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
"""Cases without a validation time: a fixed "now" keeps the run reproducible."""

NO_PUBLIC_ROOTS = TrustStore(TrustLocation(TrustKind.FILE, "none"), ())
"""Limbo's roots are test roots, not the public web's: public-only rules (CA/B lifetimes) stay off."""

SKIP: dict[str, str] = {
    "rfc5280::nc::permitted-dns-match-noncritical": (
        "limbo marks it rfc5280-incompatible-with-webpki and conflicting with "
        "webpki::nc::permitted-dns-match-noncritical; certready follows the webpki side "
        "(CA/B BR 7.1.2.5.2 lets Name Constraints be non-critical)"
    ),
    "rfc5280::nc::permitted-dn-match": (
        "SERVER validation with no expected peer name: certready always validates a server "
        "certificate for a name (the leaf's own when none is given) and the leaf has no SAN"
    ),
    "pathlen::validation-ignores-pathlen-in-leaf": (
        "expects a CA certificate accepted as the leaf; cryptography's Web PKI policy rejects "
        "cA=TRUE on an EE, and so do we (install guide: a server certificate is not a CA)"
    ),
    "rfc5280::ca-as-leaf": (
        "same as pathlen::validation-ignores-pathlen-in-leaf: a CA certificate as the server's "
        "leaf is refused by cryptography's Web PKI policy"
    ),
    "pathlen::self-issued-certs-pathlen": (
        "RFC 5280 self-issued key rollover certificates: cryptography's path builder does not "
        "build through them (signature does not match); replacing the builder is out of scope"
    ),
    "pathlen::max-chain-depth-1-self-issued": (
        "same self-issued rollover construction as pathlen::self-issued-certs-pathlen"
    ),
    "crl::issuer-no-keyusage-extension": (
        "expects SUCCESS for a CA without keyUsage; cryptography's Web PKI CA policy requires "
        "keyUsage on every CA (CA/B BR 7.1.2.10.7), so path validation fails before the CRL"
    ),
}

KNOWN_MISMATCHES: dict[str, str] = {
    "rfc5280::aki::cross-signed-root-missing-aki": (
        "a trust anchor that is not self-signed and has no AKI: limbo wants FAILURE here but "
        "SUCCESS for the same shape in cve::cve-2024-0567; certready exempts trust anchors from "
        "issuer-link checks (RFC 5280 §6.1: the anchor is input, not part of the path)"
    ),
    **dict.fromkeys(
        (
            "webpki::nc::nc-permits-dns-san-pattern",
            "webpki::san::exact-localhost-ip-san",
            "webpki::san::leftmost-wildcard-san",
        ),
        "contradicts webpki::cn::not-in-san: the leaf's CN (example.com) is not in its SAN, "
        "which CA/B BR 7.1.4.3 forbids and names.cn-not-in-san reports as an error in the "
        "webpki profile, yet limbo expects SUCCESS here and FAILURE there",
    ),
}
"""Cases certready decides differently, each with why: all four are cases where limbo contradicts
itself, so no policy can match both sides. Entries that start matching are reported by the test so
the list is trimmed."""

_LEAF_RULE_AREAS_FOR_CLIENTS = ("key", "signature", "validity")


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    expected: str
    actual: str
    reason: str

    @property
    def matched(self) -> bool:
        return self.expected == self.actual


def limbo_path() -> Path | None:
    for candidate in (LIMBO, SHARED_LIMBO):
        if candidate.exists():
            return candidate
    return None


@cache
def load_cases() -> tuple[dict[str, Any], ...]:
    path = limbo_path()
    if path is None:
        return ()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return tuple(json.load(f)["testcases"])


def _certs(pems: Iterable[str]) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(p.encode()) for p in pems]


def _client_rules() -> tuple[Rule, ...]:
    return tuple(r for r in catalogue() if r.area in _LEAF_RULE_AREAS_FOR_CLIENTS)


def run_case(case: dict[str, Any], policy: Policy) -> Outcome:
    """certready's verdict on one case."""
    expected = case["expected_result"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # serial 0 and other deprecated encodings
            roots = _certs(case["trusted_certs"])
            inters = _certs(case["untrusted_intermediates"])
            peer = x509.load_pem_x509_certificate(case["peer_certificate"].encode())
            crls = [x509.load_pem_x509_crl(c.encode()) for c in case.get("crls") or ()]
    except ValueError as exc:
        return Outcome(case["id"], expected, "FAILURE", f"unparseable: {exc}")
    at = (
        dt.datetime.fromisoformat(case["validation_time"]).replace(microsecond=0)
        if case["validation_time"]
        else DEFAULT_TIME
    )  # X.509 times have one-second granularity (RFC 5280 §4.1.2.5), as --at does
    client = case["validation_kind"] == "CLIENT"
    hosts: tuple[str, ...] = ()
    name = case.get("expected_peer_name")
    if not client and name:
        try:
            hosts = (normalise_host(name["value"]),)
        except CertReadyError:
            return Outcome(case["id"], expected, "FAILURE", f"invalid peer name {name['value']!r}")
    store = TrustStore(TrustLocation(TrustKind.FILE, "limbo"), tuple(roots))
    chain = ChainOptions(
        trust=(store,),
        public=NO_PUBLIC_ROOTS,
        at=at,
        crls=tuple(LoadedCrl(c, FileLocation("crl", i)) for i, c in enumerate(crls)),
        extra_certificates=tuple(
            LoadedCertificate(c, FileLocation("intermediate", i)) for i, c in enumerate(inters)
        ),
        kind="client" if client else "server",
        max_chain_depth=case.get("max_chain_depth"),
    )
    supplied = [
        LoadedCertificate(peer, FileLocation("peer", 0))
    ]  # intermediates come as --chain extras
    options = LintOptions(policy=policy, hosts=hosts, now=at, chain=chain)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result, analysis = analyse_detailed(
            case["id"],
            supplied,
            (),
            options,
            leaf_index=0,
            rules=_client_rules() if client else None,
        )
    errors = [f for f in result.findings if f.severity >= Severity.ERROR]
    reasons = [f"{f.rule_id}: {f.message}" for f in errors[:3]]
    if analysis is not None and analysis.reason:
        reasons.insert(0, f"chain: {analysis.reason}")
    failed = bool(errors) or (analysis is not None and not analysis.valid)
    return Outcome(case["id"], expected, "FAILURE" if failed else "SUCCESS", "; ".join(reasons))


def sample_ids(every: int = 10) -> list[str]:
    """Every x509-limbo case of its own, every known mismatch, and one BetterTLS case in ``every``
    (BetterTLS is 9,572 generated variations on name constraints and path building)."""
    out = []
    better = 0
    for case in load_cases():
        cid = case["id"]
        if not cid.startswith("bettertls::"):
            out.append(cid)
            continue
        if cid in KNOWN_MISMATCHES or better % every == 0:
            out.append(cid)
        better += 1
    return out


PATH_SUITE_PROFILE = """
[profile]
name = "webpki-path-suites"
description = "webpki without the CA/B subscriber-profile rules the RFC 5280 and BetterTLS suites do not follow"
extends = "webpki"

[rules."names.cn-not-in-san"]
severity = "warning"

[rules."usage.eku-server-auth"]
severity = "warning"

[rules."usage.key-usage-missing"]
severity = "warning"
"""
"""x509-limbo's ``rfc5280::``, ``pathlen::`` and ``bettertls::`` families test RFC 5280 path
validation, not the CA/B Forum subscriber profile: their leaves carry a CN that is not in the SAN
(BR §7.1.4.3), no EKU or no Key Usage (BR §7.1.2.7), and expect SUCCESS. They run with the
webpki profile with those three rules lowered to warnings; every other family runs with webpki
itself (``webpki::cn::*`` expects FAILURE for exactly that CN)."""

_PATH_SUITES = ("rfc5280::", "pathlen::", "bettertls::")


def policy_for(case_id: str, webpki: Policy, path_suites: Policy) -> Policy:
    return path_suites if case_id.startswith(_PATH_SUITES) else webpki


@cache
def policies() -> tuple[Policy, Policy]:
    return load_policy("webpki"), parse_policy(PATH_SUITE_PROFILE, source="limbo:path-suites")


def run_all(ids: Iterable[str] | None = None) -> Iterator[Outcome | str]:
    """Every case's outcome, or its id when it is skipped."""
    webpki, path_suites = policies()
    wanted = set(ids) if ids is not None else None
    for case in load_cases():
        if wanted is not None and case["id"] not in wanted:
            continue
        if case["id"] in SKIP:
            yield case["id"]
            continue
        yield run_case(case, policy_for(case["id"], webpki, path_suites))
