"""What a live server presents, judged: the ``tls.*`` rules (declared in :mod:`.rules.tls`).

Pure functions of the presented chain's facts and the handshake's facts, so every verdict is
testable without a socket. The scanner calls :func:`served_findings` after the handshake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from certready.core.engine import make_finding
from certready.core.issuer_link import issued_by
from certready.core.model import CertFacts, ChainElement, Finding, TlsFacts
from certready.core.policy import Policy

OBSOLETE_PROTOCOLS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"})
"""Below TLS 1.2: deprecated by RFC 8996."""


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the operator expects the server to present."""

    leaf_sha256: str | None = None
    """SHA-256 fingerprint of the certificate that should be served (any case, colons allowed)."""
    issuers: tuple[str, ...] = ()
    """Acceptable issuing CAs: each an RFC 4514 subject (from a CA file or trust store) or a part of
    one (``Contoso Issuing CA``), matched case-insensitively against the served chain's issuers."""
    anchors: tuple[CertFacts, ...] = ()
    """CA certificates the clients trust (``--trust``): a leaf issued directly by one of these needs
    no intermediate."""


def normalise_fingerprint(text: str) -> str:
    """``ab:cd ...`` -> ``ABCD...``."""
    return "".join(ch for ch in text if ch not in ": \t").upper()


def served_findings(
    presented: Sequence[ChainElement],
    tls: TlsFacts,
    policy: Policy,
    expectations: Expectations = Expectations(),
    *,
    leaf_without_sni: CertFacts | None = None,
    without_sni_failure: str | None = None,
) -> tuple[Finding, ...]:
    """Every ``tls.*`` finding for one handshake. ``presented`` is in the order the server sent it.

    ``leaf_without_sni`` is the leaf a second handshake without SNI got; ``without_sni_failure``
    why that handshake failed (the server requires SNI)."""
    if not presented:
        return ()
    out: list[Finding | None] = []
    leaf = presented[0]
    out.append(_intermediate_not_sent(presented, policy, expectations))
    out.append(_wrong_order(presented, policy))
    expected = expectations.leaf_sha256
    if expected and normalise_fingerprint(expected) != leaf.certificate.fingerprint_sha256.upper():
        out.append(
            make_finding(
                "tls.unexpected-leaf",
                policy,
                f"the server presents {leaf.certificate.display_name!r} with SHA-256 "
                f"{leaf.certificate.fingerprint_sha256}, not the expected {normalise_fingerprint(expected)}",
                leaf.origin,
                certificate=leaf.certificate,
            )
        )
    out.append(_unexpected_issuer(presented, policy, expectations))
    if tls.protocol in OBSOLETE_PROTOCOLS:
        out.append(
            make_finding(
                "tls.protocol-obsolete",
                policy,
                f"the server negotiated {tls.protocol} with a client offering TLS 1.0 to 1.3",
                leaf.origin,
                certificate=leaf.certificate,
            )
        )
    if (
        leaf_without_sni is not None
        and leaf_without_sni.fingerprint_sha256 != leaf.certificate.fingerprint_sha256
    ):
        out.append(
            make_finding(
                "tls.sni-differs",
                policy,
                f"with SNI {tls.sni!r} the server presents {leaf.certificate.display_name!r}; without "
                f"SNI it presents {leaf_without_sni.display_name!r} "
                f"(SHA-256 {leaf_without_sni.fingerprint_sha256})",
                leaf.origin,
                certificate=leaf_without_sni,
            )
        )
    if without_sni_failure is not None:
        out.append(
            make_finding(
                "tls.sni-differs",
                policy,
                f"with SNI {tls.sni!r} the handshake succeeds; without SNI it fails "
                f"({without_sni_failure}): clients that send no SNI cannot connect",
                leaf.origin,
                certificate=leaf.certificate,
            )
        )
    return tuple(f for f in out if f is not None)


def _intermediate_not_sent(
    presented: Sequence[ChainElement], policy: Policy, expectations: Expectations
) -> Finding | None:
    """The leaf's issuer is neither sent nor one of the trusted anchors (``--trust``).

    Only the leaf is judged: whether the top of a sent path is a root's child or is missing a
    second-level intermediate needs path building against trust stores (the chain rules).
    """
    certs = [e.certificate for e in presented]
    leaf = certs[0]
    if leaf.self_issued:
        return None  # a self-signed leaf: the chain rules say what is wrong with it
    if any(issued_by(leaf, c) for c in certs[1:]):
        return None
    if any(issued_by(leaf, a) for a in expectations.anchors):
        return None
    sent = len(certs)
    what = "only its own certificate" if sent == 1 else f"{sent} certificates"
    message = f"the server sends {what} but not the leaf's issuer {leaf.issuer!r}"
    if leaf.ca_issuers:
        message += f"; browsers may download it from {leaf.ca_issuers[0]}, applications and phones will not"
    return make_finding(
        "tls.intermediate-not-sent", policy, message, presented[0].origin, certificate=leaf
    )


def _wrong_order(presented: Sequence[ChainElement], policy: Policy) -> Finding | None:
    """Each certificate must be followed by its issuer when the issuer is sent at all."""
    certs = [e.certificate for e in presented]
    for i, child in enumerate(certs[:-1]):
        if child.self_issued:
            continue
        if issued_by(child, certs[i + 1]):
            continue
        elsewhere = next(
            (j for j, c in enumerate(certs) if j not in (i, i + 1) and issued_by(child, c)), None
        )
        if elsewhere is None:
            continue  # the issuer is not sent: another rule's business
        order = ", ".join(f"#{k} {c.display_name!r}" for k, c in enumerate(certs))
        return make_finding(
            "tls.wrong-order",
            policy,
            f"the issuer of #{i} {child.display_name!r} is sent at position #{elsewhere}, not "
            f"#{i + 1} (sent: {order})",
            presented[i].origin,
            certificate=child,
        )
    return None


def _unexpected_issuer(
    presented: Sequence[ChainElement], policy: Policy, expectations: Expectations
) -> Finding | None:
    if not expectations.issuers:
        return None
    names = {e.certificate.issuer.casefold() for e in presented}
    names |= {e.certificate.subject.casefold() for e in presented[1:]}
    for expected in expectations.issuers:
        wanted = expected.casefold()
        if any(wanted in name for name in names):
            return None
    leaf = presented[0]
    expected_text = "; ".join(repr(e) for e in expectations.issuers)
    return make_finding(
        "tls.unexpected-issuer",
        policy,
        f"the served certificate is issued by {leaf.certificate.issuer!r}, not by the expected CA "
        f"({expected_text}): a TLS-inspecting proxy may be re-signing the traffic",
        leaf.origin,
        certificate=leaf.certificate,
    )
