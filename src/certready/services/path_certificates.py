"""What the chain service finds about each CA certificate of a path beyond its facts: where it
breaks the RFC 5280 CA profile (the raw extensions: AKI issuer and serial, Policy Constraints
criticality) and what the supplied CRLs say about it (signature, cRLSign, CRL Number, revocation
date). Results in words, for the chain rules to report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509

from certready.adapters.crls import LoadedCrl
from certready.services.issuer_graph import ChainCache, Node


def ca_profile(c: Node, root: bool, anchor: bool, cache: ChainCache) -> tuple[str, ...]:
    """Where the CA certificate ``c`` breaks the RFC 5280 CA profile, in words (remembered for
    the run: the same CAs recur in every analysis)."""
    key = (c.fp, root, anchor)
    problems = cache.ca_profile.get(key)
    if problems is None:
        try:
            problems = tuple(_ca_profile_problems(c.cert, root, anchor))
        except (ValueError, TypeError, x509.DuplicateExtension) as exc:
            problems = (f"an extension cannot be parsed ({exc})",)
        if len(cache.ca_profile) >= ChainCache.CA_PROFILE_MAX:
            cache.ca_profile.clear()
        cache.ca_profile[key] = problems
    return problems


def _ca_profile_problems(cert: x509.Certificate, root: bool, anchor: bool) -> list[str]:
    problems: list[str] = []
    exts = cert.extensions
    try:
        ski: x509.Extension[x509.SubjectKeyIdentifier] | None = exts.get_extension_for_class(
            x509.SubjectKeyIdentifier
        )
    except x509.ExtensionNotFound:
        ski = None
    try:
        aki: x509.Extension[x509.AuthorityKeyIdentifier] | None = exts.get_extension_for_class(
            x509.AuthorityKeyIdentifier
        )
    except x509.ExtensionNotFound:
        aki = None
    if ski is None:
        problems.append("no Subject Key Identifier")
    if root:
        if aki is not None:
            if aki.value.authority_cert_issuer or aki.value.authority_cert_serial_number:
                problems.append("Authority Key Identifier names an issuer and serial")
            if (
                ski is not None
                and aki.value.key_identifier is not None
                and aki.value.key_identifier != ski.value.digest
            ):
                problems.append("Authority Key Identifier differs from its Subject Key Identifier")
    elif aki is None and not anchor:
        problems.append("no Authority Key Identifier")
    # Name Constraints: RFC 5280 says critical, but CA/B BR 7.1.2.5.2 lets it be non-critical
    # (limbo's webpki::nc::permitted-dns-match-noncritical), so only Policy Constraints here.
    try:
        if not exts.get_extension_for_class(x509.PolicyConstraints).critical:
            problems.append("Policy Constraints not marked critical")
    except x509.ExtensionNotFound:
        pass
    return problems


def revocation(
    c: Node, issuer: Node, crls: Sequence[LoadedCrl], at: dt.datetime
) -> tuple[str, ...]:
    """Why ``c`` cannot be accepted according to the CRLs its issuer signed."""
    problems: list[str] = []
    name = c.facts.display_name
    for loaded in crls:
        crl = loaded.crl
        if crl.issuer != c.cert.issuer:
            continue
        try:
            if not crl.is_signature_valid(issuer.cert.public_key()):  # type: ignore[arg-type]
                continue
        except (TypeError, ValueError):
            continue
        if issuer.facts.key_usage is not None and "crl_sign" not in issuer.facts.key_usage:
            problems.append(
                f"the CRL {loaded.location} is signed by {issuer.facts.display_name}, whose Key "
                f"Usage lacks cRLSign: the revocation status of {name} is unknown"
            )
            continue
        unknown = f"the revocation status of {name} is unknown"
        try:
            number = crl.extensions.get_extension_for_class(x509.CRLNumber)
        except x509.ExtensionNotFound:
            problems.append(
                f"the CRL {loaded.location} has no CRL Number (RFC 5280 §5.2.3): {unknown}"
            )
            continue
        except (ValueError, x509.DuplicateExtension) as exc:
            problems.append(f"the CRL {loaded.location} is malformed ({exc}): {unknown}")
            continue
        if number.critical:
            problems.append(
                f"the CRL {loaded.location} marks its CRL Number critical (RFC 5280 §5.2.3): {unknown}"
            )
            continue
        revoked = crl.get_revoked_certificate_by_serial_number(c.cert.serial_number)
        if revoked is not None and revoked.revocation_date_utc <= at:
            problems.append(
                f"{name} (serial {c.facts.serial_number}) was revoked on "
                f"{revoked.revocation_date_utc:%Y-%m-%d} according to {loaded.location}"
            )
    return tuple(problems)
