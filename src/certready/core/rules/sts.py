"""Rules: sts — the Security Token Service (WS-Federation token-signing) certificate.

The install guide names two certificate types, STS and SSL. The STS certificate signs tokens: it
needs its private key and the digitalSignature usage; the key, signature and validity rules apply
to it too (they are declared for both roles), the host-name rules do not.
"""

from __future__ import annotations

from collections.abc import Iterable

from certready.core.model import (
    KeyPairing,
    NoParameters,
    RuleContext,
    Severity,
    Violation,
)
from certready.core.rules.registry import STS, rule

GUIDE_STS = "Install guide, 'Certificate implementation': STS and SSL certificates"


@rule(
    id="sts.private-key-missing",
    title="The token-signing certificate is supplied with its private key",
    severity=Severity.ERROR,
    rationale=(
        "The Security Token Service signs every token with the certificate's private key; "
        "installed without it (a .cer instead of a .pfx), sign-in fails. A live server is never "
        "checked (it never shows its key)."
    ),
    remediation=(
        "Lint (and install) the PFX/PKCS#12 exported with its private key, or give the key "
        "file next to the certificate."
    ),
    references=(GUIDE_STS, "RFC 5280 §4.2.1.3"),
    roles=STS,
)
def sts_private_key_missing(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """A private key came with the STS certificate (silent for a live server)."""
    if ctx.private_key is KeyPairing.ABSENT and not ctx.served:
        yield Violation("the token-signing certificate was supplied without its private key")


@rule(
    id="sts.digital-signature",
    title="The token-signing certificate's Key Usage allows Digital Signature",
    severity=Severity.ERROR,
    rationale=(
        "Signing a token is a digital signature: a Key Usage extension without digitalSignature "
        "forbids it, and .NET/WIF token handlers refuse the certificate (RFC 5280 §4.2.1.3). No "
        "Key Usage extension at all allows every use."
    ),
    remediation="Request the STS certificate with Key Usage Digital Signature.",
    references=(GUIDE_STS, "RFC 5280 §4.2.1.3"),
    roles=STS,
)
def sts_digital_signature(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """Key Usage, when present, includes digitalSignature (RFC 5280 §4.2.1.3)."""
    bits = ctx.leaf.key_usage
    if bits is not None and "digital_signature" not in bits:
        yield Violation("the Key Usage does not include Digital Signature: it cannot sign tokens")
