"""Rules: chain. Path building and trust.

A chain rule judges a :class:`~certready.core.chain_facts.ChainContext`: the path facts the chain
service computed for one leaf (the path built, what was supplied with it, whether it reached a
trust anchor, the signatures, CRLs and CA profile of each certificate). The service builds the
path; each rule here decides what is wrong with it, and the engine runs them like any other rule.

Sources: RFC 5280 (§4.1.2.2 serial, §4.2.1.1-2 key identifiers, §4.2.1.10-11 constraints
criticality, §6 path validation), RFC 8446 §4.4.2 and RFC 5246 §7.4.2 (certificate_list order), the
CA/Browser Forum Baseline Requirements (§6.1.5 key sizes, §7.1.2.1 root profile, §7.1.3 algorithms,
§7.1.6.1 reserved policy OIDs), the install guide ("Chain and trust", DESIGN §2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from certready.core.chain_facts import ChainContext
from certready.core.facts import colon_hex
from certready.core.judged import JudgedFor, ServerKind
from certready.core.model import CertFacts, NoParameters, Role, Scope, Severity, Violation
from certready.core.rules.keys import ALLOWED_CURVES
from certready.core.rules.registry import SSL_AND_STS, rule

WEAK_HASHES = ("md5", "sha1", "md2", "md4", "unknown")

_GUIDE = "Install guide: security certificate configuration (chain and trust)"
_INTERMEDIATE_STORE = (
    "the Intermediate Certification Authorities store of the Local Computer (certlm.msc, or "
    "certutil -addstore CA intermediate.cer)"
)


def add_intermediate_fix(judged: JudgedFor) -> str | None:
    """Where a missing intermediate goes, in the words of the command and input judged (issue 12
    item 11); ``None``: the rule's own text (``lint`` of certificate files)."""
    download = "; download it from the issuer's caIssuers URL when one is given."
    if judged.windows:
        check = (
            "list it under trust.intermediates in the manifest"
            if judged.audit
            else "pass it with --chain to check"
        )
        return (
            f"Import the named intermediate into {_INTERMEDIATE_STORE} on the server (IIS sends "
            f"the chain it builds from that store) and on every client, and {check}{download}"
        )
    if judged.server is ServerKind.LIVE:
        return (
            f"Install the named intermediate on the server: IIS: {_INTERMEDIATE_STORE}; "
            f"nginx/Apache: append it to the certificate file after the server certificate{download}"
        )
    if judged.audit:
        return (
            "Make the file the server's `certificate:` names a full chain (the server "
            "certificate, then each intermediate), or list the intermediate's file under "
            f"trust.intermediates in the manifest{download}"
        )
    return None


def issuer_not_found_fix(judged: JudgedFor) -> str | None:
    """The issuer of the chain's top CA is unknown: a private root not named yet, or a missing
    intermediate; both, root first (DESIGN §2 "Chain and trust"), in the words of the command
    and input judged. ``None``: the rule's own text (``lint`` of certificate files)."""
    intermediate = add_intermediate_fix(judged)
    if intermediate is None:
        return None
    install = (
        "import it into the Trusted Root Certification Authorities store of the Local Computer "
        "(certutil -addstore Root root.cer)"
        if judged.windows
        else "install it as a trusted root"
    )
    return (
        f"If the issuer is your private root: {install} on every server and client and "
        f"{trust_root_fix(judged, 'it')}. Otherwise an intermediate is missing: "
        f"{intermediate[0].lower()}{intermediate[1:]}"
    )


def trust_root_fix(judged: JudgedFor, name: str) -> str:
    """How to tell certready about a private root: ``--trust`` for lint and scan, the manifest's
    ``trust.roots`` in an audit (which has no ``--trust``)."""
    if judged.audit:
        possessive = "its" if name == "it" else f"{name}'s"
        return f"list {possessive} certificate file under trust.roots in the manifest"
    return f"pass {name} with --trust FILE"


_RFC5280_6 = "RFC 5280 §6.1 (basic path validation)"


@rule(
    id="chain.path-invalid",
    title="No valid path: the verifier rejected the chain",
    severity=Severity.ERROR,
    rationale=(
        "Path validation failed for a reason the other chain rules do not name (constraints, "
        "key usage of a CA, signature mismatch...); the message carries the verifier's reason."
    ),
    remediation="Fix the reason given, usually by getting the correct intermediate from the CA.",
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    references=(_RFC5280_6, "CA/B BR §7.1.2"),
)
def path_invalid(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """The verifier's reason when no other chain rule names what is wrong (they supersede it)."""
    if ctx.verifier_error is not None and not ctx.leaf_weak_signature_reported:
        yield Violation(f"no valid path: {ctx.verifier_error}", certificate=ctx.leaf)


@rule(
    id="chain.missing-intermediate",
    title="An intermediate CA certificate is missing",
    severity=Severity.ERROR,
    rationale=(
        "Clients only hold roots; the server must send every intermediate between its certificate "
        "and the root. Browsers sometimes paper over a gap (AIA fetching, caches); phones, Java, "
        "curl and the mobile apps do not."
    ),
    remediation=(
        "Add the named intermediate to the certificate file (leaf first, then intermediates), or "
        "pass it with --chain; download it from the issuer's caIssuers URL when one is given."
    ),
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    supersedes=(path_invalid,),
    references=(_GUIDE, "RFC 8446 §4.4.2", "RFC 5246 §7.4.2", _RFC5280_6),
)
def missing_intermediate(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """The walk stopped at the leaf: its issuer is neither supplied nor trusted. (When it stops
    at a CA certificate, :func:`issuer_not_found` says it: that is as often a private root.)"""
    top = ctx.unanchored_top
    if top is None or top.self_signed or _stops_at_a_ca(ctx):
        return
    facts = top.certificate
    where = (
        f"; its certificate can be downloaded from {', '.join(facts.ca_issuers)}"
        if (facts.ca_issuers)
        else "; the certificate gives no caIssuers URL: get it from the CA"
    )
    keyid = (
        f" (key identifier {colon_hex(facts.authority_key_identifier)})"
        if facts.authority_key_identifier
        else ""
    )
    yield Violation(
        f"the issuer of {facts.display_name}, {facts.issuer or '(empty name)'}{keyid}, is neither "
        f"supplied nor in the trust stores{where}",
        certificate=facts,
        location=top.origin,
        remediation=add_intermediate_fix(ctx.judged_for),
    )


def _stops_at_a_ca(ctx: ChainContext) -> bool:
    """The issuer walk ended at a CA certificate above the leaf (not at the leaf itself)."""
    top = ctx.unanchored_top
    return (
        top is not None
        and top.certificate.is_ca
        and top.certificate.fingerprint_sha256 != ctx.leaf.fingerprint_sha256
    )


@rule(
    id="chain.issuer-not-found",
    title="The chain ends at a CA whose issuer certready cannot find",
    severity=Severity.ERROR,
    rationale=(
        "The certificates given lead up to a CA certificate whose issuer is neither supplied nor "
        "in the selected trust stores. Most often that issuer is the organisation's private root, "
        "which certready was not told about (a PFX holds the leaf and its issuing CA, not the "
        "root); otherwise an intermediate between the two is missing. Either way no client can "
        "build the path until it has that certificate."
    ),
    remediation=(
        "If the issuer is your private root: pass it with --trust FILE (in an audit manifest: "
        "trust.roots) and install it as a trusted root on every server and client. Otherwise an "
        "intermediate is missing: get it from the CA (the caIssuers URL) and add it to the chain."
    ),
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    supersedes=(path_invalid,),
    references=(_GUIDE, _RFC5280_6),
)
def issuer_not_found(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """The walk stopped at a CA (not self-signed) whose issuer is unknown: a private root not
    given with ``--trust``, or a missing intermediate (RFC 5280 §6.1; install guide, chain and
    trust: private roots go in Trusted Root on every server and client)."""
    top = ctx.unanchored_top
    if top is None or top.self_signed or not _stops_at_a_ca(ctx):
        return
    facts = top.certificate
    keyid = (
        f" (key identifier {colon_hex(facts.authority_key_identifier)})"
        if facts.authority_key_identifier
        else ""
    )
    download = (
        f" (its certificate can be downloaded from {', '.join(facts.ca_issuers)})"
        if facts.ca_issuers
        else ""
    )
    tell = (
        trust_root_fix(ctx.judged_for, "it")
        if ctx.judged_for.audit
        else "give it with --trust FILE (in an audit: trust.roots)"
    )
    yield Violation(
        f"the chain ends at {facts.display_name}, whose issuer {facts.issuer or '(empty name)'}"
        f"{keyid} certready cannot find. If it is your private root, {tell} and install it as a "
        "trusted root on every server and client; if it is an intermediate, add it to the "
        f"chain{download}",
        certificate=facts,
        location=top.origin,
        remediation=issuer_not_found_fix(ctx.judged_for),
    )


@rule(
    id="chain.untrusted-root",
    title="The chain ends in a root no selected trust store holds",
    severity=Severity.ERROR,
    rationale=(
        "A client accepts a chain only when it ends in a root it already trusts. A private or "
        "self-signed root must be installed in the Trusted Root store of every server and client."
    ),
    remediation=(
        "Install the root as a trusted root on every client (see the install plan), and pass it "
        "with --trust FILE when checking; or get the certificate from a public CA."
    ),
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    supersedes=(path_invalid,),
    references=(_GUIDE, _RFC5280_6),
)
def untrusted_root(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """The walk stopped at a self-signed root no selected trust store holds."""
    top = ctx.unanchored_top
    if top is None or not top.self_signed:
        return
    facts = top.certificate
    if top.public:
        message = (
            f"the root {facts.display_name} is public (Mozilla) but not in the selected "
            "trust stores: add --trust mozilla"
        )
    else:
        message = (
            f"the root {facts.display_name} (from {top.origin}) is a private or self-signed CA "
            "that no selected trust store holds"
        )
    remediation = None
    if ctx.judged_for.audit:
        remediation = (
            "Install the root as a trusted root on every server and client (see certready plan) "
            "and list its certificate file under trust.roots in the manifest; or get the "
            "certificate from a public CA."
        )
    yield Violation(message, certificate=facts, location=top.origin, remediation=remediation)


@rule(
    id="chain.private-ca",
    title="Issued by a private CA: its root must be installed on every client",
    severity=Severity.INFO,
    rationale=(
        "A chain that does not end in a public root store (Mozilla's) works only where the root "
        "has been installed: every server and client, iOS's Certificate Trust Settings switch, "
        "and Android apps ignore user-installed CAs unless they opt in."
    ),
    remediation=(
        "Install the root in the Trusted Root store and the intermediates in the Intermediate store "
        "of every server and client; on iOS enable full trust for it; check Android app support."
    ),
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    references=(_GUIDE, "Apple HT204477", "Android Network Security Configuration"),
)
def private_ca(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """The path ends in a root outside the public store (trusted, or not yet)."""
    top = ctx.unanchored_top
    if top is not None and top.self_signed and not top.public:
        yield Violation(
            f"{top.certificate.display_name} is a private root: install it as a trusted root on "
            f"every server and client, then {trust_root_fix(ctx.judged_for, 'it')}",
            certificate=top.certificate,
        )
    elif ctx.anchored and ctx.issuer_is_public is False and ctx.path:
        anchor = ctx.path[-1]
        yield Violation(
            f"the chain ends in the private root {anchor.certificate.display_name} "
            f"(from {anchor.trusted_from}): install it as a trusted root on every server and client",
            certificate=anchor.certificate,
        )


@rule(
    id="chain.wrong-order",
    title="The certificates are not in issuing order",
    severity=Severity.WARNING,
    rationale=(
        "TLS 1.2 requires the leaf first and each following certificate to certify the one before "
        "it; TLS 1.3 still requires the leaf first. Older Java, Windows and embedded clients fail "
        "on a shuffled chain."
    ),
    remediation="Order the file: the server certificate, then its issuer, then that one's issuer.",
    scope=Scope.CHAIN,
    references=("RFC 5246 §7.4.2", "RFC 8446 §4.4.2"),
)
def wrong_order(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """The leaf first, then each issuer after what it issued."""
    if not ctx.in_issuing_order:
        order = ", ".join(f"{e.certificate.display_name} ({e.origin})" for e in ctx.given_order)
        yield Violation(
            f"given order: {order}; expected the leaf first, then each issuer after what it issued",
            certificate=ctx.leaf,
        )


@rule(
    id="chain.unrelated-certificate",
    title="A supplied certificate is not part of the leaf's chain",
    severity=Severity.WARNING,
    rationale=(
        "A certificate that certifies nothing on the path is dead weight in every handshake and "
        "usually means the wrong file was bundled (an old intermediate, another site's leaf)."
    ),
    remediation="Remove the certificate from the bundle; check the intended intermediate is there.",
    scope=Scope.CHAIN,
    references=("RFC 8446 §4.4.2", _GUIDE),
)
def unrelated_certificate(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """Every supplied certificate can be on a path of the leaf."""
    for s in ctx.supplied:
        if not s.related:
            f = s.certificate
            yield Violation(
                f"{f.display_name} (issuer {f.issuer}) certifies nothing on the path of "
                f"{ctx.leaf.display_name}",
                certificate=f,
                location=s.origin,
            )


@rule(
    id="chain.duplicate-certificate",
    title="The same certificate is supplied more than once",
    severity=Severity.INFO,
    rationale="A duplicate adds bytes to every handshake and hints at a bundle assembled by hand.",
    remediation="Keep one copy of each certificate in the bundle.",
    scope=Scope.CHAIN,
    references=("RFC 8446 §4.4.2",),
)
def duplicate_certificate(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """Each certificate supplied once."""
    for d in ctx.duplicates:
        yield Violation(
            f"{d.certificate.display_name} is supplied again (first at {d.first_origin})",
            certificate=d.certificate,
            location=d.origin,
        )


@rule(
    id="chain.root-sent",
    title="The root certificate is sent with the chain",
    severity=Severity.INFO,
    rationale=(
        "Clients use their own copy of the root; sending it only adds bytes, and never makes an "
        "untrusted root trusted."
    ),
    remediation="Leave the root out of the server's chain file (keep it in the trust stores).",
    scope=Scope.CHAIN,
    references=("RFC 8446 §4.4.2", "RFC 5246 §7.4.2"),
)
def root_sent(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """A self-signed certificate of the leaf's chain among those supplied; not for a PFX: IIS builds
    the chain it sends from Windows' stores and never sends a root the PFX holds."""
    if ctx.judged_for.windows:
        return
    for s in ctx.supplied:
        if s.related and s.self_signed:
            yield Violation(
                f"the root {s.certificate.display_name} is sent: clients use their own copy",
                certificate=s.certificate,
                location=s.origin,
            )


@rule(
    id="chain.intermediate-expired",
    title="A CA certificate on the path is expired or not yet valid",
    severity=Severity.ERROR,
    rationale="Every certificate of the path must be valid at the time of use, not just the leaf.",
    remediation=(
        "Replace the expired intermediate with the CA's current one (download it from the CA); "
        "if the root itself expired, the CA's new hierarchy must be used."
    ),
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    supersedes=(path_invalid,),
    references=(_RFC5280_6, "RFC 5280 §4.1.2.5"),
)
def intermediate_expired(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """Every CA of the path valid at the time of use (unless the verifier already vouched)."""
    if not ctx.check_dates:
        return
    at = ctx.at
    for c in ctx.path[1:]:
        f = c.certificate
        if at < f.not_valid_before or at > f.not_valid_after:
            state = (
                f"expired on {f.not_valid_after:%Y-%m-%d}"
                if at > f.not_valid_after
                else f"not valid before {f.not_valid_before:%Y-%m-%d}"
            )
            yield Violation(
                f"the {c.what} {f.display_name} {state}", certificate=f, location=c.origin
            )


@dataclass(frozen=True, slots=True)
class IntermediateWeakParams:
    min_rsa_bits: int = 2048
    """The smallest RSA modulus accepted on a CA of the path, in bits."""
    curves: tuple[str, ...] = ALLOWED_CURVES
    """Named curves accepted on a CA of the path."""
    weak_hashes: tuple[str, ...] = WEAK_HASHES
    """Signature hashes refused on a CA of the path (a root's self-signature is not checked)."""


@rule(
    id="chain.intermediate-weak",
    title="A CA certificate on the path has a weak key or signature",
    severity=Severity.ERROR,
    rationale=(
        "The key and signature rules apply to every certificate on the path: an RSA key under "
        "2048 bits, a curve other than P-256/P-384/P-521, or a SHA-1/MD5 signature anywhere "
        "breaks the chain for modern clients (a root's self-signature is not checked)."
    ),
    remediation="Have the certificate reissued under the CA's current (RSA-2048+/ECDSA, SHA-256) hierarchy.",
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    supersedes=(path_invalid,),
    references=("CA/B BR §6.1.5", "CA/B BR §7.1.3", "Mozilla Root Store Policy §5.1"),
    parameters=IntermediateWeakParams,
)
def intermediate_weak(ctx: ChainContext, params: IntermediateWeakParams) -> Iterable[Violation]:
    """Key strength of every CA of the path; signature strength of all but roots and anchors."""
    for c in ctx.path[1:]:
        f = c.certificate
        problems = [key_weakness(f, params)]
        if not c.root and not c.anchor:
            problems.append(signature_weakness(f, params))
        for problem in problems:
            if problem:
                yield Violation(
                    f"the {c.what} {f.display_name}: {problem}", certificate=f, location=c.origin
                )


@dataclass(frozen=True, slots=True)
class SelfSignedLeafParams:
    trusted_severity: Severity = Severity.ERROR
    """The severity when the self-signed certificate is itself trusted (``--trust``, a manifest's
    ``trust.roots``). The install guide allows such a certificate when it
    is installed by hand in Trusted Root on every machine (homecare: a warning)."""


_PRIVATE_CA_ADVICE = (
    "Prefer a private CA: one root installed on every machine, then server certificates issued "
    "and renewed without touching the clients again (certready lab can make one)."
)


@rule(
    id="chain.self-signed-leaf",
    title="The server certificate is self-signed",
    severity=Severity.ERROR,
    rationale=(
        "A self-signed server certificate has no issuer a client can trust: every client must "
        "trust that exact certificate, and replacing it means touching every client again. The "
        "install guide allows it only when the certificate itself is installed in Trusted Root on "
        "every machine (then, at `trusted_severity`)."
    ),
    remediation=(
        "Issue the server certificate from a CA: a public one, or a private root installed on "
        "every client (certready lab can make one)."
    ),
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    parameters=SelfSignedLeafParams,
    references=(_GUIDE, _RFC5280_6),
)
def self_signed_leaf(ctx: ChainContext, params: SelfSignedLeafParams) -> Iterable[Violation]:
    """The leaf is its own issuer (RFC 5280 §6.1). Trusted as such (install guide: installed by
    hand in Trusted Root), it is judged at ``trusted_severity`` with the private-CA advice."""
    if not ctx.leaf_self_signed:
        return
    if ctx.role is Role.STS:  # the guide allows a self-signed STS certificate in Trusted Root
        if not ctx.leaf_trusted:
            yield Violation(
                f"the STS certificate {ctx.leaf.display_name} is self-signed and no selected "
                "trust store holds it: it must be in Trusted Root on every server and client",
                certificate=ctx.leaf,
                remediation="Install it as a trusted root on every server and client (the "
                f"install plan), and {trust_root_fix(ctx.judged_for, 'it')}.",
            )
        return
    if ctx.leaf_trusted:
        yield Violation(
            f"{ctx.leaf.display_name} is self-signed and trusted as its own root: every machine "
            "must have it in Trusted Root, and each renewal means installing it everywhere again",
            certificate=ctx.leaf,
            severity=params.trusted_severity,
            remediation=_PRIVATE_CA_ADVICE,
        )
        return
    yield Violation(
        f"{ctx.leaf.display_name} is self-signed: no CA vouches for it", certificate=ctx.leaf
    )


@rule(
    id="chain.revoked",
    title="A certificate on the path is revoked by a supplied CRL",
    severity=Severity.ERROR,
    rationale=(
        "A revoked certificate is refused by every client that checks revocation; a CRL that is "
        "unusable (bad signature, issuer cannot sign CRLs, malformed) cannot vouch for the path."
    ),
    remediation="Replace the revoked certificate; check the CRL passed with --crl is the CA's current one.",
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    references=("RFC 5280 §5", "RFC 5280 §6.3"),
)
def revoked(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """What the supplied CRLs say about each certificate of the path."""
    for c in ctx.path:
        for problem in c.revocation_problems:
            yield Violation(problem, certificate=c.certificate, location=c.origin)


@dataclass(frozen=True, slots=True)
class ValidationTypeParams:
    recommended: tuple[str, ...] = ("DV",)
    """Validation types (DV, OV, IV, EV) the install guide recommends."""


@rule(
    id="chain.validation-type",
    title="Validation type of a public certificate (DV/OV/EV)",
    severity=Severity.INFO,
    rationale=(
        "The install guide recommends a Domain Validated (or wildcard) certificate: OV and EV cost "
        "more and give clients nothing extra today."
    ),
    remediation="Nothing to do unless buying the next certificate: a DV certificate is enough.",
    scope=Scope.CHAIN,
    references=("CA/B BR §7.1.6.1", _GUIDE),
    parameters=ValidationTypeParams,
)
def validation_type(ctx: ChainContext, params: ValidationTypeParams) -> Iterable[Violation]:
    """The leaf's validation type, for a chain that ends in a public root."""
    if ctx.issuer_is_public:
        note = validation_type_note(ctx.leaf, params)
        if note:
            yield Violation(note, certificate=ctx.leaf)


@rule(
    id="chain.root-eku",
    title="A root certificate carries an Extended Key Usage",
    severity=Severity.WARNING,
    rationale=(
        "CA/Browser Forum root profiles forbid an EKU on a root; strict Web PKI verifiers reject "
        "such roots and it limits what the hierarchy can be used for."
    ),
    remediation="Issue a new root without extKeyUsage (restrict the intermediates instead).",
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    references=("CA/B BR §7.1.2.1.2", "Chrome Root Program Policy"),
)
def root_eku(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """No extKeyUsage on a root of the path."""
    for c in ctx.path[1:]:
        f = c.certificate
        if c.root and f.extended_key_usage is not None:
            yield Violation(
                f"the root {f.display_name} has an extKeyUsage extension",
                certificate=f,
                location=c.origin,
            )


@rule(
    id="chain.ca-profile",
    title="A CA certificate on the path breaks the RFC 5280 CA profile",
    severity=Severity.WARNING,
    rationale=(
        "CA certificates must carry a Subject Key Identifier, intermediates an Authority Key "
        "Identifier (roots, if any, only a keyIdentifier equal to their SKI), and name and policy "
        "constraints must be critical. Path builders rely on the identifiers to pick the issuer."
    ),
    remediation="Have the CA certificate reissued with the missing or corrected extensions.",
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    references=(
        "RFC 5280 §4.2.1.1",
        "RFC 5280 §4.2.1.2",
        "RFC 5280 §4.2.1.10",
        "RFC 5280 §4.2.1.11",
        "CA/B BR §7.1.2.1.3",
    ),
)
def ca_profile(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """The CA profile problems found on each CA of the path."""
    for c in ctx.path[1:]:
        f = c.certificate
        for problem in c.ca_profile_problems:
            yield Violation(
                f"the {c.what} {f.display_name}: {problem}", certificate=f, location=c.origin
            )


@rule(
    id="chain.serial-number",
    title="A certificate on the path has a zero, negative or oversized serial number",
    severity=Severity.WARNING,
    rationale="Serial numbers must be positive integers of at most 20 octets (RFC 5280 §4.1.2.2).",
    remediation="Have the certificate reissued with a positive random serial number.",
    scope=Scope.CHAIN,
    roles=SSL_AND_STS,
    references=("RFC 5280 §4.1.2.2", "CA/B BR §7.1"),
)
def serial_number(ctx: ChainContext, params: NoParameters) -> Iterable[Violation]:
    """Positive serials of at most 20 octets on the path (a trust anchor's is not judged)."""
    for c in ctx.path:
        serial = c.serial_number
        if not c.anchor and (serial <= 0 or serial.bit_length() > 159):
            yield Violation(
                f"{c.certificate.display_name} has serial number {serial}"
                + (" (not positive)" if serial <= 0 else " (more than 20 octets)"),
                certificate=c.certificate,
                location=c.origin,
            )


def key_weakness(cert: CertFacts, params: IntermediateWeakParams) -> str | None:
    """Why ``cert``'s public key is too weak for a CA on the path, or ``None``."""
    key = cert.public_key
    if key.key_type == "rsa":
        min_bits = params.min_rsa_bits
        if key.size_bits < min_bits:
            return f"RSA key of {key.size_bits} bits (at least {min_bits} required)"
        if key.size_bits % 8:
            return f"RSA modulus of {key.size_bits} bits is not a multiple of 8"
        return None
    if key.key_type == "ec":
        curves = params.curves
        if key.curve not in curves:
            return f"EC curve {key.curve} (allowed: {', '.join(curves)})"
        return None
    if key.key_type == "dsa":
        return f"DSA key ({key.size_bits} bits): not accepted by TLS clients"
    if key.key_type == "unknown":
        return "key algorithm not recognised"
    return None


def signature_weakness(cert: CertFacts, params: IntermediateWeakParams) -> str | None:
    """Why ``cert``'s signature hash is too weak, or ``None``. Callers skip a root's self-signature."""
    if cert.signature_hash in params.weak_hashes:
        return f"signed with {cert.signature_hash.upper()}"
    return None


def validation_type_note(cert: CertFacts, params: ValidationTypeParams) -> str | None:
    """The leaf's validation type in words (``None`` when it asserts no CA/B policy OID)."""
    if cert.validation_type is None:
        return None
    recommended = params.recommended
    text = f"{cert.validation_type} certificate (policy {', '.join(cert.certificate_policies)})"
    if cert.validation_type in recommended:
        return text
    return f"{text}: the install guide recommends DV or a wildcard"
