"""Rules: chain. Path building and trust, decided by :mod:`certready.services.chain`.

Every rule here is declared with :func:`analysed_elsewhere`: its verdict needs the whole bundle,
the trust stores and a path builder, so the chain analyser emits the findings (through
:func:`certready.core.engine.make_finding`, so the policy still decides severity and whether it
runs). The pure checks the analyser applies to each certificate of a path live here too.

Sources: RFC 5280 (§4.1.2.2 serial, §4.2.1.1-2 key identifiers, §4.2.1.10-11 constraints
criticality, §6 path validation), RFC 8446 §4.4.2 and RFC 5246 §7.4.2 (certificate_list order), the
CA/Browser Forum Baseline Requirements (§6.1.5 key sizes, §7.1.2.1 root profile, §7.1.3 algorithms,
§7.1.6.1 reserved policy OIDs), the install guide ("Chain and trust", DESIGN §2).
"""

from __future__ import annotations

from dataclasses import dataclass

from certready.core.model import CertFacts, Severity
from certready.core.rules.keys import ALLOWED_CURVES
from certready.core.rules.registry import analysed_elsewhere, rule

WEAK_HASHES = ("md5", "sha1", "md2", "md4", "unknown")

_GUIDE = "Install guide: security certificate configuration (chain and trust)"
_RFC5280_6 = "RFC 5280 §6.1 (basic path validation)"

rule(
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
    references=(_GUIDE, "RFC 8446 §4.4.2", "RFC 5246 §7.4.2", _RFC5280_6),
)(analysed_elsewhere)

rule(
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
    references=(_GUIDE, _RFC5280_6),
)(analysed_elsewhere)

rule(
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
    references=(_GUIDE, "Apple HT204477", "Android Network Security Configuration"),
)(analysed_elsewhere)

rule(
    id="chain.wrong-order",
    title="The certificates are not in issuing order",
    severity=Severity.WARNING,
    rationale=(
        "TLS 1.2 requires the leaf first and each following certificate to certify the one before "
        "it; TLS 1.3 still requires the leaf first. Older Java, Windows and embedded clients fail "
        "on a shuffled chain."
    ),
    remediation="Order the file: the server certificate, then its issuer, then that one's issuer.",
    references=("RFC 5246 §7.4.2", "RFC 8446 §4.4.2"),
)(analysed_elsewhere)

rule(
    id="chain.unrelated-certificate",
    title="A supplied certificate is not part of the leaf's chain",
    severity=Severity.WARNING,
    rationale=(
        "A certificate that certifies nothing on the path is dead weight in every handshake and "
        "usually means the wrong file was bundled (an old intermediate, another site's leaf)."
    ),
    remediation="Remove the certificate from the bundle; check the intended intermediate is there.",
    references=("RFC 8446 §4.4.2", _GUIDE),
)(analysed_elsewhere)

rule(
    id="chain.duplicate-certificate",
    title="The same certificate is supplied more than once",
    severity=Severity.INFO,
    rationale="A duplicate adds bytes to every handshake and hints at a bundle assembled by hand.",
    remediation="Keep one copy of each certificate in the bundle.",
    references=("RFC 8446 §4.4.2",),
)(analysed_elsewhere)

rule(
    id="chain.root-sent",
    title="The root certificate is sent with the chain",
    severity=Severity.INFO,
    rationale=(
        "Clients use their own copy of the root; sending it only adds bytes, and never makes an "
        "untrusted root trusted."
    ),
    remediation="Leave the root out of the server's chain file (keep it in the trust stores).",
    references=("RFC 8446 §4.4.2", "RFC 5246 §7.4.2"),
)(analysed_elsewhere)

rule(
    id="chain.intermediate-expired",
    title="A CA certificate on the path is expired or not yet valid",
    severity=Severity.ERROR,
    rationale="Every certificate of the path must be valid at the time of use, not just the leaf.",
    remediation=(
        "Replace the expired intermediate with the CA's current one (download it from the CA); "
        "if the root itself expired, the CA's new hierarchy must be used."
    ),
    references=(_RFC5280_6, "RFC 5280 §4.1.2.5"),
)(analysed_elsewhere)


@dataclass(frozen=True, slots=True)
class IntermediateWeakParams:
    min_rsa_bits: int = 2048
    """The smallest RSA modulus accepted on a CA of the path, in bits."""
    curves: tuple[str, ...] = ALLOWED_CURVES
    """Named curves accepted on a CA of the path."""
    weak_hashes: tuple[str, ...] = WEAK_HASHES
    """Signature hashes refused on a CA of the path (a root's self-signature is not checked)."""


rule(
    id="chain.intermediate-weak",
    title="A CA certificate on the path has a weak key or signature",
    severity=Severity.ERROR,
    rationale=(
        "The key and signature rules apply to every certificate on the path: an RSA key under "
        "2048 bits, a curve other than P-256/P-384/P-521, or a SHA-1/MD5 signature anywhere "
        "breaks the chain for modern clients (a root's self-signature is not checked)."
    ),
    remediation="Have the certificate reissued under the CA's current (RSA-2048+/ECDSA, SHA-256) hierarchy.",
    references=("CA/B BR §6.1.5", "CA/B BR §7.1.3", "Mozilla Root Store Policy §5.1"),
    parameters=IntermediateWeakParams,
)(analysed_elsewhere)

rule(
    id="chain.self-signed-leaf",
    title="The server certificate is self-signed",
    severity=Severity.ERROR,
    rationale=(
        "A self-signed server certificate has no issuer a client can trust: every client must "
        "trust that exact certificate, and replacing it means touching every client again."
    ),
    remediation=(
        "Issue the server certificate from a CA: a public one, or a private root installed on "
        "every client (certready lab can make one)."
    ),
    references=(_GUIDE, _RFC5280_6),
)(analysed_elsewhere)

rule(
    id="chain.path-invalid",
    title="No valid path: the verifier rejected the chain",
    severity=Severity.ERROR,
    rationale=(
        "Path validation failed for a reason the other chain rules do not name (constraints, "
        "key usage of a CA, signature mismatch...); the message carries the verifier's reason."
    ),
    remediation="Fix the reason given, usually by getting the correct intermediate from the CA.",
    references=(_RFC5280_6, "CA/B BR §7.1.2"),
)(analysed_elsewhere)

rule(
    id="chain.revoked",
    title="A certificate on the path is revoked by a supplied CRL",
    severity=Severity.ERROR,
    rationale=(
        "A revoked certificate is refused by every client that checks revocation; a CRL that is "
        "unusable (bad signature, issuer cannot sign CRLs, malformed) cannot vouch for the path."
    ),
    remediation="Replace the revoked certificate; check the CRL passed with --crl is the CA's current one.",
    references=("RFC 5280 §5", "RFC 5280 §6.3"),
)(analysed_elsewhere)


@dataclass(frozen=True, slots=True)
class ValidationTypeParams:
    recommended: tuple[str, ...] = ("DV",)
    """Validation types (DV, OV, IV, EV) the install guide recommends."""


rule(
    id="chain.validation-type",
    title="Validation type of a public certificate (DV/OV/EV)",
    severity=Severity.INFO,
    rationale=(
        "The install guide recommends a Domain Validated (or wildcard) certificate: OV and EV cost "
        "more and give clients nothing extra today."
    ),
    remediation="Nothing to do unless buying the next certificate: a DV certificate is enough.",
    references=("CA/B BR §7.1.6.1", _GUIDE),
    parameters=ValidationTypeParams,
)(analysed_elsewhere)

rule(
    id="chain.root-eku",
    title="A root certificate carries an Extended Key Usage",
    severity=Severity.WARNING,
    rationale=(
        "CA/Browser Forum root profiles forbid an EKU on a root; strict Web PKI verifiers reject "
        "such roots and it limits what the hierarchy can be used for."
    ),
    remediation="Issue a new root without extKeyUsage (restrict the intermediates instead).",
    references=("CA/B BR §7.1.2.1.2", "Chrome Root Program Policy"),
)(analysed_elsewhere)

rule(
    id="chain.ca-profile",
    title="A CA certificate on the path breaks the RFC 5280 CA profile",
    severity=Severity.WARNING,
    rationale=(
        "CA certificates must carry a Subject Key Identifier, intermediates an Authority Key "
        "Identifier (roots, if any, only a keyIdentifier equal to their SKI), and name and policy "
        "constraints must be critical. Path builders rely on the identifiers to pick the issuer."
    ),
    remediation="Have the CA certificate reissued with the missing or corrected extensions.",
    references=(
        "RFC 5280 §4.2.1.1",
        "RFC 5280 §4.2.1.2",
        "RFC 5280 §4.2.1.10",
        "RFC 5280 §4.2.1.11",
        "CA/B BR §7.1.2.1.3",
    ),
)(analysed_elsewhere)

rule(
    id="chain.serial-number",
    title="A certificate on the path has a zero, negative or oversized serial number",
    severity=Severity.WARNING,
    rationale="Serial numbers must be positive integers of at most 20 octets (RFC 5280 §4.1.2.2).",
    remediation="Have the certificate reissued with a positive random serial number.",
    references=("RFC 5280 §4.1.2.2", "CA/B BR §7.1"),
)(analysed_elsewhere)


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
