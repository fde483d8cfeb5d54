"""Rules: usage — Key Usage, Extended Key Usage and basic constraints of the leaf.

Sources: the install guide ('Key Usage: Digital Signature, Key Encipherment (a0)'; 'Enhanced Key
Usage: Client Authentication, Server Authentication'), RFC 5280 §4.2.1.3/§4.2.1.9/§4.2.1.12,
RFC 8813 §3, CA/B BR §7.1.2.7, Apple HT210176, the Chrome Root Program's clientAuth phase-out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from certready.core.facts import (
    EKU_ANY,
    EKU_CLIENT_AUTH,
    EKU_CODE_SIGNING,
    EKU_EMAIL_PROTECTION,
    EKU_OCSP_SIGNING,
    EKU_SERVER_AUTH,
    EKU_TIME_STAMPING,
    KEY_USAGE_WORDS,
    eku_name,
    key_usage_text,
)
from certready.core.facts import key_usage_hex as ku_hex
from certready.core.model import (
    CertFacts,
    NoParameters,
    RuleContext,
    Severity,
    Violation,
)
from certready.core.rules.registry import rule

GUIDE_KU = "Install guide, 'SSL certificate requirements': Key Usage Digital Signature, Key Encipherment (a0)"
GUIDE_EKU = (
    "Install guide, 'SSL certificate requirements': Enhanced Key Usage Client Authentication "
    "(1.3.6.1.5.5.7.3.2), Server Authentication (1.3.6.1.5.5.7.3.1)"
)
A0 = (
    "the install guide's 'a0' is the first byte of the Key Usage bit string with bit 0 "
    "digitalSignature (0x80) and bit 2 keyEncipherment (0x20) set"
)


def words(bits: Iterable[str]) -> str:
    return ", ".join(KEY_USAGE_WORDS.get(b, b) for b in sorted(bits)) or "no bits"


def ku_shown(bits: frozenset[str]) -> str:
    """Key Usage as Windows shows it: ``Digital Signature, Key Encipherment (a0)``."""
    return f"{words(bits)} ({ku_hex(bits)})" if bits else "no bits"


def public_ca_likely(ctx: RuleContext) -> bool:
    """The chain ends in a public root, or (undetermined) the leaf asserts a CA/B DV/OV/EV policy."""
    if ctx.issuer_is_public is not None:
        return ctx.issuer_is_public
    return ctx.leaf.validation_type is not None


def _ku(leaf: CertFacts) -> frozenset[str] | None:
    return leaf.key_usage


@rule(
    id="usage.key-usage-missing",
    title="The certificate has a Key Usage extension",
    severity=Severity.ERROR,
    rationale=(
        "The install guide tells administrators to check the Key Usage field on the Details "
        f"tab for 'Digital Signature, Key Encipherment (a0)'; without the extension ({A0}) there "
        "is nothing to check and CA/B BR §7.1.2.7.11 expects it on every TLS certificate."
    ),
    remediation=(
        "Request the certificate with a Key Usage extension: Digital Signature + Key "
        "Encipherment (a0) for an RSA key, Digital Signature alone (80) for an EC key."
    ),
    references=(GUIDE_KU, "RFC 5280 §4.2.1.3", "CA/B BR §7.1.2.7.11"),
)
def key_usage_missing(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """A Key Usage extension is present (install guide; CA/B BR §7.1.2.7.11)."""
    if _ku(ctx.leaf) is None:
        yield Violation("no Key Usage extension")


@dataclass(frozen=True, slots=True)
class KeyUsageRsaParams:
    required: tuple[str, ...] = ("digital_signature", "key_encipherment")
    """Key Usage bits an RSA server certificate must assert (cryptography's names)."""


@rule(
    id="usage.key-usage-rsa",
    title="An RSA certificate's Key Usage has Digital Signature + Key Encipherment (a0)",
    severity=Severity.ERROR,
    rationale=(
        f"For an RSA key the install guide requires Key Usage 'a0': {A0}. digitalSignature is "
        "needed for (EC)DHE and TLS 1.3 handshakes, keyEncipherment for TLS 1.2 RSA key "
        "transport, which older clients still negotiate (RFC 5280 §4.2.1.3, RFC 5246 §7.4.2)."
    ),
    remediation=(
        "Request the certificate again with Key Usage Digital Signature and Key Encipherment "
        "(in a Windows CA template or an openssl config: keyUsage = digitalSignature, "
        "keyEncipherment)."
    ),
    references=(GUIDE_KU, "RFC 5280 §4.2.1.3", "RFC 5246 §7.4.2", "CA/B BR §7.1.2.7.11"),
    parameters=KeyUsageRsaParams,
)
def key_usage_rsa(ctx: RuleContext, params: KeyUsageRsaParams) -> Iterable[Violation]:
    """RSA leaf: every ``required`` bit (default digitalSignature + keyEncipherment, "a0")."""
    bits = _ku(ctx.leaf)
    if ctx.leaf.public_key.key_type != "rsa" or bits is None:
        return
    required = params.required
    missing = [b for b in required if b not in bits]
    if missing:
        yield Violation(
            f"RSA certificate with Key Usage {ku_shown(bits)} lacks {words(missing)}; "
            f"the install guide expects Digital Signature, Key Encipherment (a0) — {A0}"
        )


@rule(
    id="usage.key-usage-ec",
    title="An EC certificate's Key Usage has Digital Signature and no Key Encipherment",
    severity=Severity.ERROR,
    rationale=(
        "The install guide's 'a0' (digitalSignature + keyEncipherment) is written for RSA keys. "
        "An EC key cannot encrypt, so it can never do RSA key transport: RFC 8813 §3 forbids "
        "keyEncipherment on id-ecPublicKey certificates and strict clients reject it. For ECDSA "
        "the correct value is Digital Signature alone (80), optionally with Key Agreement; "
        "certready asks for that rather than the impossible 'a0'."
    ),
    remediation=(
        "Request the EC certificate with Key Usage Digital Signature only (keyUsage = "
        "digitalSignature), and tell the vendor it is the EC equivalent of 'a0' (RFC 8813)."
    ),
    references=(GUIDE_KU, "RFC 8813 §3", "RFC 5480 §3", "CA/B BR §7.1.2.7.11"),
)
def key_usage_ec(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """EC leaf: digitalSignature set, keyEncipherment absent (RFC 8813 §3)."""
    bits = _ku(ctx.leaf)
    if ctx.leaf.public_key.key_type != "ec" or bits is None:
        return
    if "digital_signature" not in bits:
        yield Violation(
            f"EC certificate with Key Usage {ku_shown(bits)} lacks Digital Signature: it cannot "
            "sign the TLS handshake"
        )
    if "key_encipherment" in bits:
        yield Violation(
            f"EC certificate with Key Usage {ku_shown(bits)} asserts Key Encipherment, which RFC "
            "8813 forbids for EC keys; the EC equivalent of the guide's 'a0' is Digital "
            "Signature alone (80)"
        )


@rule(
    id="usage.eku-server-auth",
    title="The Extended Key Usage includes Server Authentication",
    severity=Severity.ERROR,
    rationale=(
        "The install guide requires Server Authentication (1.3.6.1.5.5.7.3.1). Apple clients "
        "reject a TLS server certificate whose EKU extension is absent or lacks serverAuth "
        "(HT210176), and CA/B BR §7.1.2.7.10 requires it on every TLS certificate."
    ),
    remediation=(
        "Request the certificate with Extended Key Usage Server Authentication (a 'Web Server' "
        "template on a Windows CA; extendedKeyUsage = serverAuth, clientAuth in openssl)."
    ),
    references=(GUIDE_EKU, "Apple HT210176", "RFC 5280 §4.2.1.12", "CA/B BR §7.1.2.7.10"),
)
def eku_server_auth(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """serverAuth is in the EKU, which must be present (Apple HT210176; install guide)."""
    eku = ctx.leaf.extended_key_usage
    if eku is None:
        yield Violation(
            "no Extended Key Usage extension: Apple clients require Server Authentication"
        )
    elif EKU_SERVER_AUTH not in eku:
        yield Violation("the Extended Key Usage lacks Server Authentication (1.3.6.1.5.5.7.3.1)")


PHASE_OUT = (
    "Public CAs are removing Client Authentication from TLS certificates: the Chrome Root "
    "Program requires serverAuth-only hierarchies from June 2026, Let's Encrypt's default "
    "profile dropped clientAuth on 2026-02-11 and DigiCert stops issuing it on 2027-03-01, so "
    "a new public certificate cannot meet this install-guide rule"
)
PHASE_OUT_OPTIONS = (
    "Either issue this server's certificate from a private CA (which may assert Client "
    "Authentication; its root must then be installed on every client), or confirm with the "
    "vendor that the application works with a serverAuth-only certificate and disable this rule "
    'in your profile ([rules."usage.eku-client-auth"] enabled = false).'
)


@dataclass(frozen=True, slots=True)
class EkuClientAuthParams:
    public_ca_severity: Severity = Severity.WARNING
    """The severity when a public CA issued the certificate (they no longer include clientAuth)."""


@rule(
    id="usage.eku-client-auth",
    title="The Extended Key Usage includes Client Authentication (install guide)",
    severity=Severity.ERROR,
    rationale=(
        "The install guide lists Client Authentication (1.3.6.1.5.5.7.3.2) next to Server "
        "Authentication. From 2026 public CAs stop including it (Chrome Root Program policy, "
        "June 2026; Let's Encrypt 2026-02-11; DigiCert 2027-03-01): for a certificate from a "
        "public CA (its chain ends in a public root or, when the chain was not analysed, it "
        "asserts a CA/B DV/OV/IV/EV policy) the finding explains the conflict and the options "
        "instead of a bare failure, at `public_ca_severity`."
    ),
    remediation=(
        "Request the certificate with Extended Key Usage Server Authentication and Client "
        "Authentication (extendedKeyUsage = serverAuth, clientAuth)."
    ),
    references=(
        GUIDE_EKU,
        "Chrome Root Program Policy v1.6 (serverAuth-dedicated hierarchies, June 2026)",
        "Mozilla Root Store Policy §5.3",
        "RFC 5280 §4.2.1.12",
    ),
    parameters=EkuClientAuthParams,
)
def eku_client_auth(ctx: RuleContext, params: EkuClientAuthParams) -> Iterable[Violation]:
    """clientAuth is in the EKU (install guide); a public CA's certificate gets the phase-out story."""
    eku = ctx.leaf.extended_key_usage
    if eku is not None and (EKU_CLIENT_AUTH in eku or EKU_ANY in eku):
        return
    if eku is None:
        missing = "no Extended Key Usage extension, so no Client Authentication"
    else:
        missing = "the Extended Key Usage lacks Client Authentication (1.3.6.1.5.5.7.3.2)"
    if public_ca_likely(ctx):
        severity = params.public_ca_severity
        yield Violation(
            f"{missing}. {PHASE_OUT}.", severity=severity, remediation=PHASE_OUT_OPTIONS
        )
    else:
        yield Violation(missing)


@rule(
    id="usage.eku-any",
    title="The Extended Key Usage does not assert anyExtendedKeyUsage",
    severity=Severity.WARNING,
    rationale=(
        "anyExtendedKeyUsage (2.5.29.37.0) makes a server certificate valid for every purpose "
        "(code signing, e-mail...). CA/B BR §7.1.2.7.10 forbids it on TLS certificates and "
        "Apple requires an explicit serverAuth (HT210176)."
    ),
    remediation="Request the certificate with exactly Server Authentication and Client Authentication.",
    references=("CA/B BR §7.1.2.7.10", "RFC 5280 §4.2.1.12", "Apple HT210176"),
)
def eku_any(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """No anyExtendedKeyUsage in a leaf's EKU (CA/B BR §7.1.2.7.10)."""
    eku = ctx.leaf.extended_key_usage
    if eku is not None and EKU_ANY in eku:
        yield Violation("the Extended Key Usage asserts Any Purpose (2.5.29.37.0)")


CA_KEY_USAGE_BITS = ("key_cert_sign", "crl_sign")
"""Key Usage bits only a CA asserts (RFC 5280 §4.2.1.3)."""


@rule(
    id="usage.key-usage-ca-bits",
    title="A server certificate's Key Usage has no Certificate Signing or CRL Signing",
    severity=Severity.ERROR,
    rationale=(
        "keyCertSign and cRLSign are a CA's bits: RFC 5280 §4.2.1.3 allows keyCertSign only with "
        "basicConstraints cA=TRUE, and CA/B BR §7.1.2.7.11 forbids both in a subscriber (TLS "
        "server) certificate. The install guide's value is exactly 'a0'; a certificate showing "
        "'a4' or '86' was issued from a CA template."
    ),
    remediation=(
        "Request the certificate again from a web-server template (keyUsage = digitalSignature, "
        "keyEncipherment for RSA; digitalSignature for EC), without Certificate Signing or CRL "
        "Signing."
    ),
    references=("CA/B BR §7.1.2.7.11", "RFC 5280 §4.2.1.3", GUIDE_KU),
)
def key_usage_ca_bits(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """No keyCertSign/cRLSign on a leaf that is not a CA (CA/B BR §7.1.2.7.11; RFC 5280 §4.2.1.3).

    A CA:TRUE leaf is usage.leaf-is-ca's finding; its CA bits follow from it."""
    bits = _ku(ctx.leaf)
    if bits is None or ctx.leaf.is_ca:
        return
    ca_bits = [b for b in CA_KEY_USAGE_BITS if b in bits]
    if ca_bits:
        yield Violation(
            f"the server certificate's Key Usage {key_usage_text(bits)} asserts "
            f"{' and '.join(KEY_USAGE_WORDS[b] for b in ca_bits)}, which only a CA certificate may"
        )


FORBIDDEN_EKUS: tuple[str, ...] = (
    EKU_CODE_SIGNING,
    EKU_EMAIL_PROTECTION,
    EKU_TIME_STAMPING,
    EKU_OCSP_SIGNING,
    "1.3.6.1.4.1.11129.2.4.4",
)
"""EKUs CA/B BR §7.1.2.7.10 forbids beside serverAuth: codeSigning, emailProtection,
timeStamping, OCSPSigning and the CT Precertificate Signing Certificate (anyExtendedKeyUsage is
usage.eku-any's)."""
_EKU_WORDS = {"1.3.6.1.4.1.11129.2.4.4": "Precertificate Signing"}


@rule(
    id="usage.eku-forbidden",
    title="The Extended Key Usage has no purpose the Baseline Requirements forbid (code signing...)",
    severity=Severity.ERROR,
    rationale=(
        "A TLS server certificate is for serverAuth (and, for now, clientAuth): CA/B BR "
        "§7.1.2.7.10 forbids codeSigning, emailProtection, timeStamping, OCSPSigning and "
        "Precertificate Signing beside them, so one key cannot also sign code, e-mail or OCSP "
        "answers. A public CA must not issue such a certificate."
    ),
    remediation=(
        "Request the certificate with Extended Key Usage Server Authentication (and Client "
        "Authentication if the application needs it) only."
    ),
    references=("CA/B BR §7.1.2.7.10", "RFC 5280 §4.2.1.12"),
)
def eku_forbidden(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """No EKU that CA/B BR §7.1.2.7.10 forbids in a TLS subscriber certificate."""
    eku = ctx.leaf.extended_key_usage
    if eku is None:
        return
    forbidden = [oid for oid in eku if oid in FORBIDDEN_EKUS]
    if forbidden:
        listed = ", ".join(f"{_EKU_WORDS.get(oid, eku_name(oid))} ({oid})" for oid in forbidden)
        yield Violation(f"the Extended Key Usage asserts {listed}, forbidden in a TLS certificate")


@rule(
    id="usage.leaf-is-ca",
    title="The server certificate is not a CA certificate",
    severity=Severity.ERROR,
    rationale=(
        "A server certificate with basicConstraints cA=TRUE could issue certificates for any "
        "name; CA/B BR §7.1.2.7.8 requires cA=FALSE and browsers (Chrome, Firefox) reject a CA "
        "certificate presented as the server's own (RFC 5280 §4.2.1.9)."
    ),
    remediation="Request an end-entity certificate (basicConstraints CA:FALSE) for the server.",
    references=("RFC 5280 §4.2.1.9", "CA/B BR §7.1.2.7.8"),
)
def leaf_is_ca(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """basicConstraints cA is not TRUE on the leaf (RFC 5280 §4.2.1.9; CA/B BR §7.1.2.7.8)."""
    if ctx.leaf.is_ca:
        yield Violation("the server certificate is a CA certificate (basicConstraints CA:TRUE)")
