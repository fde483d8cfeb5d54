"""An iOS/iPadOS configuration profile (.mobileconfig) carrying the plan's CA certificates."""

from __future__ import annotations

import plistlib
import uuid

from certready.core.plan import ClientGroup, InstallPlan, slug

_NAMESPACE = uuid.UUID("4f1b8c2e-5d0a-4c7e-9a43-2b8f6e1d7c10")


def _uuid(*parts: str) -> str:
    """Stable per deployment and certificate, so a regenerated profile replaces the old one."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts))).upper()


def mobileconfig(plan: InstallPlan, group: ClientGroup) -> bytes:
    """Roots as ``com.apple.security.root``, intermediates as ``com.apple.security.pkcs1``."""
    ident = f"org.certready.{slug(plan.deployment)}.{group.file_stem}"
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
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML)
