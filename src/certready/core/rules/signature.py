"""Rules: signature — the hash each certificate is signed with.

Sources: the install guide ('At least a SHA256 fingerprint', which administrators read as the
signature algorithm shown on the Details tab), CA/B BR §7.1.3.2, Chrome/Mozilla SHA-1 deprecation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from certready.core.model import (
    CertFacts,
    RuleContext,
    Severity,
    Violation,
)
from certready.core.rules.registry import SSL_AND_STS, rule

STRONG_HASHES = ("sha256", "sha384", "sha512", "sha3-256", "sha3-384", "sha3-512")


def weak_hash(cert: CertFacts, allowed: tuple[str, ...]) -> str | None:
    """The hash name when ``cert`` is signed with a hash not in ``allowed``; EdDSA has none."""
    h = cert.signature_hash
    if h is None or h in allowed:
        return None
    return h


@dataclass(frozen=True, slots=True)
class WeakHashParams:
    allowed: tuple[str, ...] = STRONG_HASHES
    """Signature hashes accepted on the leaf."""


@rule(
    id="signature.weak-hash",
    title="Certificates are signed with SHA-256 or stronger (roots excepted)",
    severity=Severity.ERROR,
    rationale=(
        "The install guide asks for at least SHA-256. SHA-1 and MD5 signatures are forgeable "
        "(SHAttered, 2017); browsers, Windows and Apple reject them on leaves and intermediates "
        "(CA/B BR §7.1.3.2). A self-signed root's own signature is never verified by clients, so "
        "it is not checked."
    ),
    remediation=(
        "Have the certificate (or the intermediate named) reissued with a SHA-256 signature; "
        "for an intermediate, install the CA's current SHA-256 intermediate instead."
    ),
    references=(
        "Install guide, 'SSL certificate requirements': at least SHA256",
        "CA/B BR §7.1.3.2",
        "RFC 9155",
    ),
    parameters=WeakHashParams,
    roles=SSL_AND_STS,
)
def weak_signature(ctx: RuleContext, params: WeakHashParams) -> Iterable[Violation]:
    """SHA-256+ on the leaf and on every non-self-signed certificate in ``ctx.others``."""
    allowed = params.allowed
    h = weak_hash(ctx.leaf, allowed)
    if h is not None:
        yield Violation(f"the certificate is signed with {h.upper()}")
    for position, cert in enumerate(ctx.others, start=1):
        if cert.self_signed:
            continue
        h = weak_hash(cert, allowed)
        if h is not None:
            yield Violation(
                f"certificate #{position} ({cert.display_name}) is signed with {h.upper()}",
                certificate=cert,
            )
