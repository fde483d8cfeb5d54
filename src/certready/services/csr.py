"""csr: a private key and a request that cannot fail the policy, plus certreq/OpenSSL equivalents.

The request carries every name as a SAN, the Key Usage the key type needs (RSA a0, EC
digitalSignature: RFC 8813) and EKU serverAuth + clientAuth (install guide), as the profile
asks (:func:`profile_usages`). Before anything is
written, a throw-away certificate with the request's content is checked against the profile's
name, key, signature and usage rules, so a request the policy would reject is refused with the
rule's own message (for example ``--key-type rsa2048`` under a profile asking for 3072 bits).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from certready.adapters.issuance.ca import LeafPlan, sign_leaf
from certready.adapters.issuance.csr import build_csr, csr_pem
from certready.adapters.issuance.extensions import (
    SERVER_AUTH,
    TLS_EKU,
    RequestSpec,
    key_usage_for,
)
from certready.adapters.issuance.keys import (
    IssuedKey,
    check_key_type,
    generate_key,
    refuse_existing,
    write_private_key,
    write_public,
)
from certready.adapters.issuance.templates import certreq_inf, inf_bytes, openssl_config
from certready.adapters.profiles import load_policy
from certready.core.engine import evaluate
from certready.core.errors import PolicyError, UsageError
from certready.core.facts import KEY_USAGE_BITS, extract_facts
from certready.core.hostnames import normalise_host
from certready.core.location import InputLocation
from certready.core.model import Finding, KeyPairing, Role, RuleContext, Severity
from certready.core.policy import Policy, RuleSetting
from certready.core.rules.usage import eku_client_auth, key_usage_rsa

CONTENT_AREAS = frozenset({"names", "key", "signature", "usage"})
"""The rule areas a certificate's own content decides (not dates, chain, server or topology)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def refuse_stdout(out_dir: Path | str) -> Path:
    """``-`` is standard output: a private key never goes there. An existing file is no folder."""
    if str(out_dir) == "-":
        raise UsageError("refusing to write a private key to standard output: give --out DIR")
    directory = Path(out_dir)
    if directory.exists() and not directory.is_dir():
        raise UsageError("is a file, not a folder", location=str(directory))
    return directory


def file_stem(hosts: Sequence[str], fallback: str) -> str:
    """``*.example.com`` -> ``wildcard.example.com``; addresses keep their dots (``::`` -> ``_``)."""
    if not hosts:
        return fallback
    return hosts[0].replace("*", "wildcard").replace(":", "_")


def content_errors(
    certificate: x509.Certificate,
    hosts: Sequence[str],
    policy: Policy,
    *,
    role: Role = Role.SSL,
    now: dt.datetime | None = None,
) -> tuple[Finding, ...]:
    """The ERROR findings of the policy's name, key, signature and usage rules on ``certificate``."""
    ctx = RuleContext(
        leaf=extract_facts(certificate),
        location=InputLocation("request"),
        now=now or _now(),
        role=role,
        hosts=tuple(hosts),
        private_key=KeyPairing.MATCHES,
    )
    return tuple(
        f
        for f in evaluate(ctx, policy)
        if f.rule_id.split(".", 1)[0] in CONTENT_AREAS and f.severity >= Severity.ERROR
    )


def refuse_policy_errors(findings: Sequence[Finding], policy: Policy, what: str) -> None:
    if findings:
        reasons = "; ".join(f"{f.rule_id}: {f.message}" for f in findings)
        raise UsageError(f"{what} would fail profile {policy.name}: {reasons}")


def _setting(policy: Policy, rule_id: str) -> RuleSetting | None:
    try:
        return policy.setting(rule_id)
    except PolicyError:
        return None


def profile_usages(policy: Policy, key_type: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The Key Usage bits and EKU OIDs a request asks for under ``policy``.

    Key Usage: RSA digitalSignature + keyEncipherment plus any bit ``usage.key-usage-rsa``
    requires; EC digitalSignature alone (RFC 8813). EKU: serverAuth, and clientAuth unless the
    profile switches ``usage.eku-client-auth`` off (``webpki``: CA/B BR §7.1.2.7.10).
    """
    bits = set(key_usage_for(key_type))
    rsa_rule = _setting(policy, key_usage_rsa.id)
    if key_type.startswith("rsa") and rsa_rule is not None and rsa_rule.enabled:
        bits.update(rsa_rule.parameters.required)
    client_rule = _setting(policy, eku_client_auth.id)
    ekus = TLS_EKU if client_rule is None or client_rule.enabled else (SERVER_AUTH,)
    return tuple(b for b in KEY_USAGE_BITS if b in bits), ekus


def spec_certificate(spec: RequestSpec, key: IssuedKey, now: dt.datetime) -> x509.Certificate:
    """A throw-away self-signed certificate with exactly the request's content."""
    plan = LeafPlan(
        common_name=spec.common_name,
        hosts=spec.hosts,
        key_type=spec.key_type,
        key_usage=spec.key_usage,
        extended_key_usage=spec.extended_key_usage,
        not_before=now,
        not_after=now + dt.timedelta(days=90),
        self_signed=True,
        policies=(),
        organization=spec.organization or "",
    )
    return sign_leaf(plan, key, None)


@dataclass(frozen=True, slots=True)
class CsrOptions:
    hosts: tuple[str, ...]
    key_type: str = "rsa2048"
    policy: Policy = field(default_factory=load_policy)
    organization: str | None = None
    passphrase: bytes | None = None
    """Encrypts the key (PKCS#8, best available cipher) when given."""
    force: bool = False
    stem: str | None = None
    """File names' stem; default the first host (``*`` spelled ``wildcard``)."""


@dataclass(frozen=True, slots=True)
class CsrFiles:
    """What ``create_csr`` wrote, and what the request asks for."""

    key: Path
    request: Path
    certreq_inf: Path
    openssl_config: Path
    hosts: tuple[str, ...]
    key_type: str
    key_encrypted: bool
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    profile: str


def create_csr(out_dir: Path | str, options: CsrOptions) -> CsrFiles:
    """Write ``<stem>.key`` (0600), ``<stem>.csr``, ``<stem>.inf`` and ``<stem>.cnf`` in ``out_dir``.

    Refuses standard output, an existing file (without ``force``) and a request the policy's
    content rules would reject; nothing is written in those cases.
    """
    directory = refuse_stdout(out_dir)
    if not options.hosts:
        raise UsageError("give at least one --host")
    hosts = tuple(dict.fromkeys(normalise_host(h) for h in options.hosts))
    key_type = check_key_type(options.key_type)
    key_usage, extended_key_usage = profile_usages(options.policy, key_type)
    spec = RequestSpec(hosts, key_type, key_usage, extended_key_usage, options.organization)
    stem = options.stem or file_stem(hosts, "request")
    paths = [directory / f"{stem}.{ext}" for ext in ("key", "csr", "inf", "cnf")]
    refuse_existing(paths, force=options.force)
    key = generate_key(spec.key_type)
    refuse_policy_errors(
        content_errors(spec_certificate(spec, key, _now()), hosts, options.policy),
        options.policy,
        "this request",
    )
    key_path, csr_path, inf_path, cnf_path = paths
    write_private_key(key_path, key, passphrase=options.passphrase, force=options.force)
    write_public(csr_path, csr_pem(build_csr(spec, key)), force=options.force)
    write_public(inf_path, inf_bytes(certreq_inf(spec, stem)), force=options.force)
    write_public(cnf_path, openssl_config(spec, stem).encode("utf-8"), force=options.force)
    return CsrFiles(
        key=key_path,
        request=csr_path,
        certreq_inf=inf_path,
        openssl_config=cnf_path,
        hosts=hosts,
        key_type=spec.key_type,
        key_encrypted=bool(options.passphrase),
        key_usage=spec.key_usage,
        extended_key_usage=spec.extended_key_usage,
        profile=options.policy.name,
    )
