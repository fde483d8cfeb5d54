"""Rules: tls. What a live server presents, as opposed to what the files say.

Each rule judges one handshake (:class:`~certready.core.handshake.HandshakeContext`: the chain in
the order the server sent it, the handshake's facts, the operator's expectations, what a client
sending no SNI got). ``certready scan`` (and ``audit --live``) builds the context and runs these
rules through the engine. For a served chain, ``tls.intermediate-not-sent`` and ``tls.wrong-order``
say more precisely what ``chain.missing-intermediate`` and ``chain.wrong-order`` say, and supersede
them.
"""

from __future__ import annotations

from collections.abc import Iterable

from certready.core.facts import normalise_fingerprint
from certready.core.handshake import HandshakeContext
from certready.core.issuer_link import issued_by
from certready.core.model import NoParameters, Scope, Severity, Violation
from certready.core.rules import chain
from certready.core.rules.registry import rule

OBSOLETE_PROTOCOLS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"})
"""Below TLS 1.2: deprecated by RFC 8996."""


@rule(
    id="tls.intermediate-not-sent",
    title="The server does not send its intermediate certificate(s)",
    severity=Severity.ERROR,
    rationale=(
        "A server must send every intermediate between its certificate and the root (RFC 8446 §4.4.2, "
        "RFC 5246 §7.4.2). Browsers often fill the gap from a cache or AIA download, so the site "
        "'works in my browser' while phone apps, Java, Python and curl refuse it."
    ),
    remediation=(
        "Install the issuing CA's intermediate certificate(s) with the server certificate: on IIS "
        "import them into the Intermediate Certification Authorities store of the computer account; "
        "on nginx/Apache append them to the certificate file after the server certificate."
    ),
    references=("RFC 8446 §4.4.2", "RFC 5246 §7.4.2", "install guide: certificate chain"),
    scope=Scope.HANDSHAKE,
    supersedes=(chain.missing_intermediate,),
)
def intermediate_not_sent(ctx: HandshakeContext, params: NoParameters) -> Iterable[Violation]:
    """The leaf's issuer is neither sent nor one of the trusted anchors (``--trust``) (RFC 8446
    §4.4.2, RFC 5246 §7.4.2).

    Only the leaf is judged: whether the top of a sent path is a root's child or is missing a
    second-level intermediate needs path building against trust stores (the chain rules).
    """
    certs = [e.certificate for e in ctx.presented]
    leaf = certs[0]
    if leaf.self_issued:
        return  # a self-signed leaf: the chain rules say what is wrong with it
    if any(issued_by(leaf, c) for c in certs[1:]):
        return
    if any(issued_by(leaf, a) for a in ctx.expectations.anchors):
        return
    sent = len(certs)
    what = "only its own certificate" if sent == 1 else f"{sent} certificates"
    message = f"the server sends {what} but not the leaf's issuer {leaf.issuer!r}"
    if leaf.ca_issuers:
        message += f"; browsers may download it from {leaf.ca_issuers[0]}, applications and phones will not"
    yield Violation(message, certificate=leaf, location=ctx.leaf.origin)


@rule(
    id="tls.wrong-order",
    title="The server sends its chain out of order",
    severity=Severity.WARNING,
    rationale=(
        "TLS 1.2 requires each certificate to certify the one before it (RFC 5246 §7.4.2); TLS 1.3 "
        "tolerates disorder but older clients and embedded TLS stacks still reject it."
    ),
    remediation="Order the served chain leaf first, then its issuer, then that CA's issuer.",
    references=("RFC 5246 §7.4.2", "RFC 8446 §4.4.2"),
    scope=Scope.HANDSHAKE,
    supersedes=(chain.wrong_order,),
)
def wrong_order(ctx: HandshakeContext, params: NoParameters) -> Iterable[Violation]:
    """Each certificate is followed by its issuer when the issuer is sent at all (RFC 5246 §7.4.2);
    the first disorder is reported, with the whole order sent."""
    certs = [e.certificate for e in ctx.presented]
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
        yield Violation(
            f"the issuer of #{i} {child.display_name!r} is sent at position #{elsewhere}, not "
            f"#{i + 1} (sent: {order})",
            certificate=child,
            location=ctx.presented[i].origin,
        )
        return


@rule(
    id="tls.unexpected-leaf",
    title="The server presents a different certificate than expected",
    severity=Severity.ERROR,
    rationale=(
        "The certificate served differs from the one expected (--expect-sha256): a binding still "
        "points at the old certificate, the wrong site answers, or something intercepts the traffic."
    ),
    remediation=(
        "Bind the new certificate to the site or port (IIS: Site Bindings > https > SSL certificate; "
        "netsh http show sslcert for other ports) and restart the service."
    ),
    references=("install guide: binding the certificate",),
    scope=Scope.HANDSHAKE,
)
def unexpected_leaf(ctx: HandshakeContext, params: NoParameters) -> Iterable[Violation]:
    """The served leaf's SHA-256 fingerprint is the one expected (``--expect-sha256``)."""
    expected = ctx.expectations.leaf_sha256
    leaf = ctx.leaf
    if expected and normalise_fingerprint(expected) != leaf.certificate.fingerprint_sha256.upper():
        yield Violation(
            f"the server presents {leaf.certificate.display_name!r} with SHA-256 "
            f"{leaf.certificate.fingerprint_sha256}, not the expected {normalise_fingerprint(expected)}",
            certificate=leaf.certificate,
            location=leaf.origin,
        )


@rule(
    id="tls.unexpected-issuer",
    title="The served certificate was not issued by the expected CA",
    severity=Severity.ERROR,
    rationale=(
        "A certificate from another CA than the one the deployment uses is the signature of a "
        "TLS-inspecting proxy or firewall re-signing the traffic; clients that do not trust that "
        "proxy's CA (phones, tablets, the app) will fail."
    ),
    remediation=(
        "Exempt the application's FQDNs from TLS inspection on the proxy/firewall (bypass list), or "
        "check that the scan reached the real server."
    ),
    references=("install guide: proxy server settings", "DESIGN §2 topology"),
    scope=Scope.HANDSHAKE,
)
def unexpected_issuer(ctx: HandshakeContext, params: NoParameters) -> Iterable[Violation]:
    """Some issuer or sent CA of the served chain matches an expected CA (``--expect-issuer``, else
    the ``--trust`` roots): otherwise something re-signed the traffic (install guide, proxy)."""
    expectations = ctx.expectations
    if not expectations.issuers:
        return
    names = {e.certificate.issuer.casefold() for e in ctx.presented}
    names |= {e.certificate.subject.casefold() for e in ctx.presented[1:]}
    for expected in expectations.issuers:
        wanted = expected.casefold()
        if any(wanted in name for name in names):
            return
    leaf = ctx.leaf
    expected_text = "; ".join(repr(e) for e in expectations.issuers)
    yield Violation(
        f"the served certificate is issued by {leaf.certificate.issuer!r}, not by the expected CA "
        f"({expected_text}): a TLS-inspecting proxy may be re-signing the traffic",
        certificate=leaf.certificate,
        location=leaf.origin,
    )


@rule(
    id="tls.protocol-obsolete",
    title="The server negotiates a TLS version below 1.2",
    severity=Severity.ERROR,
    rationale=(
        "TLS 1.0 and 1.1 are deprecated (RFC 8996); current browsers, iOS, Android and .NET refuse "
        "them, and PCI DSS forbids them."
    ),
    remediation=(
        "Disable SSL 3.0, TLS 1.0 and TLS 1.1 on the server (Windows: SCHANNEL\\Protocols registry "
        "keys or IIS Crypto; nginx: ssl_protocols TLSv1.2 TLSv1.3) and enable TLS 1.2 and 1.3."
    ),
    references=("RFC 8996", "NIST SP 800-52r2 §3.1"),
    scope=Scope.HANDSHAKE,
)
def protocol_obsolete(ctx: HandshakeContext, params: NoParameters) -> Iterable[Violation]:
    """The negotiated version is TLS 1.2 or later (RFC 8996 deprecates TLS 1.0 and 1.1)."""
    if ctx.tls.protocol in OBSOLETE_PROTOCOLS:
        yield Violation(
            f"the server negotiated {ctx.tls.protocol} with a client offering TLS 1.0 to 1.3",
            certificate=ctx.leaf.certificate,
            location=ctx.leaf.origin,
        )


@rule(
    id="tls.sni-differs",
    title="The server presents another certificate to clients that send no SNI",
    severity=Severity.INFO,
    rationale=(
        "Clients that omit Server Name Indication (old libraries, some monitoring tools, clients "
        "connecting by IP address) receive the default binding's certificate, not this site's."
    ),
    remediation=(
        "If such clients connect, make this certificate the default binding (IIS: a binding without "
        "'Require Server Name Indication'; nginx: default_server)."
    ),
    references=("RFC 6066 §3",),
    scope=Scope.HANDSHAKE,
)
def sni_differs(ctx: HandshakeContext, params: NoParameters) -> Iterable[Violation]:
    """A client sending no SNI (RFC 6066 §3) gets the same leaf, and gets one at all."""
    leaf = ctx.leaf
    other = ctx.leaf_without_sni
    if other is not None and other.fingerprint_sha256 != leaf.certificate.fingerprint_sha256:
        yield Violation(
            f"with SNI {ctx.tls.sni!r} the server presents {leaf.certificate.display_name!r}; without "
            f"SNI it presents {other.display_name!r} (SHA-256 {other.fingerprint_sha256})",
            certificate=other,
            location=leaf.origin,
        )
    if ctx.without_sni_failure is not None:
        yield Violation(
            f"with SNI {ctx.tls.sni!r} the handshake succeeds; without SNI it fails "
            f"({ctx.without_sni_failure}): clients that send no SNI cannot connect",
            certificate=leaf.certificate,
            location=leaf.origin,
        )
