"""Rules: keys — key type and size, and whether the private key came with the certificate.

Sources: the install guide ('SSL certificate requirements': RSA >= 2048 bits or ECC >= 256 bits),
CA/B Forum Baseline Requirements §6.1.5-6.1.6, Mozilla Root Store Policy §5.1, RFC 8446 §4.2.3.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from certready.core.facts import CURVE_DISPLAY, describe_key
from certready.core.model import (
    KeyPairing,
    NoParameters,
    RuleContext,
    Severity,
    Violation,
)
from certready.core.rules.registry import SSL, SSL_AND_STS, rule

GUIDE_KEYS = "Install guide, 'SSL certificate requirements': RSA >= 2048 bits or ECC >= 256 bits"
GUIDE_HOST_KEY = (
    "Install guide, 'Certificate implementation': one SSL certificate with a private key per host"
)

ALLOWED_CURVES = ("secp256r1", "secp384r1", "secp521r1")
REFUSED_BY: dict[str, str] = {
    "dsa": (
        "DSA is not a TLS 1.3 signature algorithm and Chrome, Firefox, Safari, Edge, Windows "
        "Schannel, Android and iOS do not accept DSA server certificates; CA/B BR §6.1.5 allows "
        "only RSA and ECDSA"
    ),
    "ed25519": (
        "Ed25519 server certificates are refused by Chrome, Edge, Safari/iOS/macOS, Windows "
        "Schannel and Android's platform verifier (only some OpenSSL/Firefox builds accept "
        "them); CA/B BR §6.1.5 allows only RSA and ECDSA"
    ),
    "ed448": (
        "Ed448 server certificates are refused by every major browser, Windows, iOS and "
        "Android; CA/B BR §6.1.5 allows only RSA and ECDSA"
    ),
    "unknown": "no browser or operating system TLS stack accepts an unknown key algorithm",
}


@dataclass(frozen=True, slots=True)
class RsaSizeParams:
    min_bits: int = 2048
    """The smallest RSA modulus accepted, in bits."""


@rule(
    id="key.rsa-size",
    title="RSA keys have at least `min_bits` bits (2048 by default)",
    severity=Severity.ERROR,
    rationale=(
        "The install guide requires a public key of 2048 bits or more; CA/B BR §6.1.5 and NIST "
        "SP 800-131A retire RSA below 2048 bits and browsers and Windows refuse 1024-bit keys."
    ),
    remediation=(
        "Generate a new RSA key of 2048 bits or more (3072 for a longer life) or a P-256 EC key, "
        "and request a new certificate for it."
    ),
    references=(GUIDE_KEYS, "CA/B BR §6.1.5", "NIST SP 800-131A Rev. 2"),
    parameters=RsaSizeParams,
    roles=SSL_AND_STS,
)
def rsa_size(ctx: RuleContext, params: RsaSizeParams) -> Iterable[Violation]:
    """RSA modulus >= ``min_bits`` (install guide; CA/B BR §6.1.5)."""
    key = ctx.leaf.public_key
    min_bits = params.min_bits
    if key.key_type == "rsa" and key.size_bits < min_bits:
        yield Violation(f"RSA key of {key.size_bits} bits; at least {min_bits} required")


@dataclass(frozen=True, slots=True)
class EcCurveParams:
    min_bits: int = 256
    """The smallest EC key accepted, in bits."""
    curves: tuple[str, ...] = ALLOWED_CURVES
    """Named curves accepted, as cryptography spells them (``secp256r1``)."""


@rule(
    id="key.ec-curve",
    title="EC keys use P-256, P-384 or P-521 (>= 256 bits)",
    severity=Severity.ERROR,
    rationale=(
        "The install guide asks for an ECC key of 256 bits or more. Browsers, Windows Schannel, "
        "Apple and Android accept only the NIST curves P-256, P-384 and P-521 for certificates "
        "(CA/B BR §6.1.5, RFC 8446 §4.2.3); P-192/P-224 are too small and secp256k1 or Brainpool "
        "curves are refused even though they have 256 bits."
    ),
    remediation="Generate a P-256 (or P-384) key and request a new certificate for it.",
    references=(GUIDE_KEYS, "CA/B BR §6.1.5", "RFC 8446 §4.2.3", "Mozilla Root Store Policy §5.1"),
    parameters=EcCurveParams,
    roles=SSL_AND_STS,
)
def ec_curve(ctx: RuleContext, params: EcCurveParams) -> Iterable[Violation]:
    """EC key on an allowed named curve of >= ``min_bits`` bits (CA/B BR §6.1.5)."""
    key = ctx.leaf.public_key
    if key.key_type != "ec":
        return
    curves = params.curves
    min_bits = params.min_bits
    name = CURVE_DISPLAY.get(key.curve or "", key.curve or "unnamed curve")
    if key.size_bits < min_bits:
        yield Violation(f"EC key on {name} has {key.size_bits} bits; at least {min_bits} required")
    elif key.curve not in curves:
        allowed = ", ".join(CURVE_DISPLAY.get(c, c) for c in curves)
        yield Violation(f"EC key on {name}: clients accept only {allowed}")


@rule(
    id="key.type-unsupported",
    title="The key is RSA or ECDSA (not DSA, Ed25519, Ed448 or unknown)",
    severity=Severity.ERROR,
    rationale=(
        "Only RSA and ECDSA server certificates work with every browser, Windows, iOS and "
        "Android client (CA/B BR §6.1.5). DSA is gone from TLS 1.3 and from browsers; Ed25519 "
        "and Ed448 certificates are refused by Chrome, Safari, Windows and Android."
    ),
    remediation="Generate an RSA 2048+ or P-256 key and request a new certificate for it.",
    references=(GUIDE_KEYS, "CA/B BR §6.1.5", "RFC 8446 §4.2.3"),
    roles=SSL_AND_STS,
)
def type_unsupported(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """Key type is RSA or EC (CA/B BR §6.1.5); anything else names the clients that refuse it."""
    key = ctx.leaf.public_key
    reason = REFUSED_BY.get(key.key_type)
    if reason is not None:
        yield Violation(f"{describe_key(key)} key: {reason}")


@rule(
    id="key.rsa-modulus-not-multiple-of-8",
    title="The RSA modulus size is a multiple of 8 bits",
    severity=Severity.ERROR,
    rationale=(
        "CA/B BR §6.1.5 and Mozilla Root Store Policy §5.1 require an RSA modulus whose size in "
        "bits is divisible by 8; odd sizes (2047 bits) come from broken key generators and some "
        "TLS stacks refuse them."
    ),
    remediation="Generate a fresh RSA key with a standard size (2048, 3072 or 4096 bits).",
    references=("CA/B BR §6.1.5", "Mozilla Root Store Policy §5.1"),
    roles=SSL_AND_STS,
)
def rsa_modulus_multiple_of_8(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """RSA modulus size divisible by 8 (CA/B BR §6.1.5; Mozilla Root Store Policy §5.1)."""
    key = ctx.leaf.public_key
    if key.key_type == "rsa" and key.size_bits % 8 != 0:
        yield Violation(f"RSA modulus of {key.size_bits} bits is not a multiple of 8")


@rule(
    id="key.invalid",
    title="The RSA or EC public key is well formed (odd modulus and exponent, point on its curve)",
    severity=Severity.ERROR,
    rationale=(
        "An RSA key needs an odd modulus with no small factors and an odd public exponent of at "
        "least 3 (RFC 8017 §3.1, CA/B BR §6.1.6); an EC key is a point on its named curve (RFC "
        "5480 §2.2, SEC 1 §3.2.2.1). A key that breaks these is a broken key generator's or a "
        "tampered certificate's: TLS libraries refuse it, or (an even modulus) anyone can factor it."
    ),
    remediation=(
        "Generate a new key with a standard tool (openssl, certreq, the CA's own) and request a "
        "new certificate for it; revoke the certificate holding the broken key."
    ),
    references=("RFC 8017 §3.1", "CA/B BR §6.1.6", "RFC 5480 §2.2", "SEC 1 §3.2.2.1"),
    roles=SSL_AND_STS,
    supersedes=(rsa_size, ec_curve, type_unsupported, rsa_modulus_multiple_of_8),
)
def invalid(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """What is wrong with an RSA or EC key that no client can use (RFC 8017 §3.1; RFC 5480 §2.2)."""
    problem = ctx.leaf.public_key.problem
    if problem is not None:
        yield Violation(f"invalid public key: {problem}")


@rule(
    id="key.private-key-mismatch",
    title="The private key supplied belongs to the certificate",
    severity=Severity.ERROR,
    rationale=(
        "A certificate installed with a key that is not its own cannot complete a TLS handshake "
        "(or sign a token): Windows shows it without 'You have a private key that corresponds "
        "to this certificate' and IIS/the STS cannot use it (install guide: one certificate "
        "with its private key per host)."
    ),
    remediation=(
        "Find the key the CSR was generated with (or the PFX exported from the machine that made "
        "the request), or generate a new key and CSR and have the certificate reissued."
    ),
    references=(GUIDE_HOST_KEY, "RFC 5280 §4.1.2.7"),
    roles=SSL_AND_STS,
)
def private_key_mismatch(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """The supplied private key's public half equals the certificate's SubjectPublicKeyInfo."""
    if ctx.private_key is not KeyPairing.MISMATCH:
        return
    foreign = ctx.foreign_key
    if foreign is None:
        yield Violation("the private key supplied does not belong to this certificate")
        return
    where = "standard input" if foreign.location.is_stdin else foreign.location.path
    owner = (
        f"; it belongs to {foreign.belongs_to}"
        if foreign.belongs_to
        else "; it belongs to none of the certificates given"
    )
    yield Violation(f"the private key in {where} does not belong to this certificate{owner}")


@rule(
    id="key.private-key-missing",
    title="The server certificate is supplied with its private key",
    severity=Severity.INFO,
    rationale=(
        "The install guide requires 'one individual SSL certificate with a private key' on each "
        "host: a certificate file without its key (a .cer/.pem instead of a .pfx) cannot be bound "
        "in IIS. A live server is never checked (it never shows its key)."
    ),
    remediation=(
        "Lint the PFX/PKCS#12 exported with its private key, or give the key file next to the "
        "certificate (certready lint app.pem app.key)."
    ),
    references=(GUIDE_HOST_KEY,),
    roles=SSL,
)
def private_key_missing(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """A private key came with the certificate (install guide); silent for a live server."""
    if ctx.private_key is KeyPairing.ABSENT and not ctx.served:
        remediation = None
        if ctx.judged_for.audit:
            remediation = (
                "Name the server's private key with its key: entry in the manifest (key: "
                "certs/app.key), or point certificate: at the PFX exported with its private key."
            )
        yield Violation("no private key was supplied with the certificate", remediation=remediation)
