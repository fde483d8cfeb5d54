"""An iOS/iPadOS configuration profile (.mobileconfig) carrying the plan's CA certificates.

Identifiers are the organisation's reverse-DNS prefix (``--profile-identifier`` or the manifest's
``profile_identifier``) followed by ASCII slugs, so non-ASCII names still give valid identifiers.
Signed with a given certificate and key (CMS SignedData, the plist inside), iOS shows the profile
as verified; unsigned it shows "Not Verified" (the README says so).
"""

from __future__ import annotations

import plistlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from certready.core.plan import ClientGroup, InstallPlan, slug

_NAMESPACE = uuid.UUID("4f1b8c2e-5d0a-4c7e-9a43-2b8f6e1d7c10")


@dataclass(frozen=True, slots=True)
class ProfileSigner:
    """The certificate and key that sign the profiles, and the CA certificates sent with them."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: Sequence[x509.Certificate] = ()


def _uuid(*parts: str) -> str:
    """Stable per deployment and certificate, so a regenerated profile replaces the old one."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts))).upper()


def profile_identifier(plan: InstallPlan, group: ClientGroup) -> str:
    return f"{plan.profile_identifier}.{slug(plan.deployment)}.{group.file_stem}"


def mobileconfig(
    plan: InstallPlan, group: ClientGroup, signer: ProfileSigner | None = None
) -> bytes:
    """Roots as ``com.apple.security.root``, intermediates as ``com.apple.security.pkcs1``."""
    ident = profile_identifier(plan, group)
    payloads = [
        {
            "PayloadType": "com.apple.security.root"
            if cert.kind == "root"
            else "com.apple.security.pkcs1",
            "PayloadVersion": 1,
            "PayloadIdentifier": f"{ident}.{cert.thumbprint_sha1.lower()}",
            "PayloadUUID": _uuid(plan.deployment, cert.fingerprint_sha256),
            "PayloadDisplayName": cert.subject,
            "PayloadCertificateFileName": f"{cert.file_stem}.cer",
            "PayloadContent": cert.der,
        }
        for cert in plan.ca_certificates
    ]
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": ident,
        "PayloadUUID": _uuid(plan.deployment, group.file_stem),
        "PayloadDisplayName": f"{plan.deployment} certificates",
        "PayloadDescription": "The certificate authorities of "
        f"{plan.deployment}. After installing, enable full trust for the root in Settings > "
        "General > About > Certificate Trust Settings.",
        "PayloadRemovalDisallowed": False,
        "PayloadContent": payloads,
    }
    data = plistlib.dumps(profile, fmt=plistlib.FMT_XML)
    return data if signer is None else sign_profile(data, signer)


def sign_profile(data: bytes, signer: ProfileSigner) -> bytes:
    """CMS SignedData (DER) with the profile inside, as Apple Configurator writes it."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data)
    builder = builder.add_signer(signer.certificate, signer.key, hashes.SHA256())
    for cert in signer.chain:
        builder = builder.add_certificate(cert)
    return builder.sign(Encoding.DER, [pkcs7.PKCS7Options.Binary])
