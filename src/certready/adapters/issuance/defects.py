"""Defects ``lab issue --defect NAME`` can plant: one each, and the rule each one makes fire.

Each defect changes one thing of a clean :class:`~.ca.LeafPlan` (or of what is written next to the
leaf), so the rule named is the only ERROR ``certready lint`` reports for it: a training set of
the mistakes administrators make, and the tests' proof that each rule detects its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from certready.adapters.issuance.ca import LeafPlan
from certready.adapters.issuance.extensions import (
    CLIENT_AUTH,
    RSA_KEY_USAGE,
    SERVER_AUTH,
    key_usage_for,
)
from certready.core.errors import UsageError
from certready.core.hostnames import is_ip_address
from certready.core.rules.chain import missing_intermediate, self_signed_leaf
from certready.core.rules.keys import rsa_size
from certready.core.rules.names import host_not_covered, san_missing, wildcard_invalid
from certready.core.rules.signature import weak_signature
from certready.core.rules.usage import eku_client_auth, eku_server_auth, key_usage_ec, leaf_is_ca
from certready.core.rules.validity import expired, lifetime_apple, not_yet_valid


@dataclass(frozen=True, slots=True)
class Defect:
    name: str
    rule_id: str
    """The rule that must fire on the result (and no other ERROR)."""
    description: str
    plant: Callable[[LeafPlan], LeafPlan]


def _shift(plan: LeafPlan, delta: dt.timedelta) -> LeafPlan:
    return replace(plan, not_before=plan.not_before + delta, not_after=plan.not_after + delta)


EXPIRED_MAX_LIFETIME = dt.timedelta(days=397)
"""The ``expired`` leaf lived at most this long, so it lies inside the lab CAs' validity
(:data:`~.ca.CA_BACKDATE`), as a real expired certificate lies inside its issuer's."""


def _expired(plan: LeafPlan) -> LeafPlan:
    """Ended two days ago, after a lifetime of ``--days`` (at most 397)."""
    end = plan.not_before - dt.timedelta(days=2)
    lifetime = min(plan.not_after - plan.not_before, EXPIRED_MAX_LIFETIME)
    return replace(plan, not_before=end - lifetime, not_after=end)


def _first_dns(plan: LeafPlan) -> str:
    for host in plan.hosts or ():
        if not is_ip_address(host):
            return host
    raise UsageError("this defect needs a DNS name among the --host names")


def _wrong_host(plan: LeafPlan) -> LeafPlan:
    wrong = []
    for host in plan.hosts or ():
        if is_ip_address(host):
            wrong.append("192.0.2.1" if host != "192.0.2.1" else "192.0.2.2")
        else:
            first, _, rest = host.partition(".")
            label = "wrong" if first == "*" else f"wrong-{first}"
            wrong.append(f"{label}.{rest}" if rest else f"{label}.example")
    return replace(plan, hosts=tuple(wrong), common_name=wrong[0] if wrong else None)


def _wildcard_two_labels(plan: LeafPlan) -> LeafPlan:
    host = _first_dns(plan)
    _, _, parent = host.partition(".")
    base = parent if parent.count(".") >= 1 else host
    return replace(plan, hosts=(*(plan.hosts or ()), f"*.*.{base}"))


def _rsa1024(plan: LeafPlan) -> LeafPlan:
    return replace(plan, key_type="rsa1024", key_usage=key_usage_for("rsa1024"))


def _ec_key_encipherment(plan: LeafPlan) -> LeafPlan:
    key_type = plan.key_type if not plan.key_type.startswith("rsa") else "p256"
    return replace(plan, key_type=key_type, key_usage=RSA_KEY_USAGE)


def _too_long(plan: LeafPlan) -> LeafPlan:
    return replace(plan, not_after=plan.not_before + dt.timedelta(days=TOO_LONG_DAYS))


TOO_LONG_DAYS = 900
"""Beyond Apple's 825-day limit for TLS certificates issued after 2019-07-01."""

DEFECTS: dict[str, Defect] = {
    d.name: d
    for d in (
        Defect(
            "expired",
            expired.id,
            "validity ended two days ago",
            _expired,
        ),
        Defect(
            "not-yet-valid",
            not_yet_valid.id,
            "validity starts in a week",
            lambda p: _shift(p, dt.timedelta(days=7)),
        ),
        Defect(
            "cn-only",
            san_missing.id,
            "the name only in the subject CN, no subjectAltName",
            lambda p: replace(p, hosts=None),
        ),
        Defect(
            "wrong-host",
            host_not_covered.id,
            "names a different host than the one asked for (wrong-<name>)",
            _wrong_host,
        ),
        Defect(
            "wildcard-two-labels",
            wildcard_invalid.id,
            "adds a wildcard over two labels (*.*.example.com)",
            _wildcard_two_labels,
        ),
        Defect(
            "rsa1024",
            rsa_size.id,
            "a 1024-bit RSA key",
            _rsa1024,
        ),
        Defect(
            "sha1",
            weak_signature.id,
            "signed with SHA-1 (by the openssl command line)",
            lambda p: replace(p, digest="sha1"),
        ),
        Defect(
            "no-client-auth",
            eku_client_auth.id,
            "Extended Key Usage serverAuth only",
            lambda p: replace(p, extended_key_usage=(SERVER_AUTH,)),
        ),
        Defect(
            "no-server-auth",
            eku_server_auth.id,
            "Extended Key Usage clientAuth only",
            lambda p: replace(p, extended_key_usage=(CLIENT_AUTH,)),
        ),
        Defect(
            "ec-key-encipherment",
            key_usage_ec.id,
            "an EC key with keyEncipherment (RFC 8813 forbids it)",
            _ec_key_encipherment,
        ),
        Defect(
            "ca-leaf",
            leaf_is_ca.id,
            "the server certificate says CA:TRUE",
            lambda p: replace(p, ca=True),
        ),
        Defect(
            "no-intermediate",
            missing_intermediate.id,
            "the chain file and PFX lack the issuing CA",
            lambda p: replace(p, send_intermediate=False),
        ),
        Defect(
            "too-long",
            lifetime_apple.id,
            f"valid {TOO_LONG_DAYS} days (Apple rejects more than 825)",
            _too_long,
        ),
        Defect(
            "self-signed",
            self_signed_leaf.id,
            "signed by its own key instead of the lab CA",
            lambda p: replace(p, self_signed=True, send_intermediate=False, crl_url=None),
        ),
    )
}


def get_defect(name: str) -> Defect:
    try:
        return DEFECTS[name]
    except KeyError:
        raise UsageError(f"unknown defect {name!r} (choose one of {', '.join(DEFECTS)})") from None
