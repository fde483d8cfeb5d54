"""Which certificate issued which, decided from their facts alone (no signature check).

Used where the question is about order or presence (what a server sent, how ``show`` lists a
bundle), not about trust: path building (:mod:`certready.services.chain`) verifies signatures.
"""

from __future__ import annotations

from certready.core.model import CertFacts


def issued_by(child: CertFacts, parent: CertFacts) -> bool:
    """Names chain (RFC 5280 §4.1.2.4) and, when both are present, AKI matches SKI (§4.2.1.1)."""
    if child.issuer != parent.subject:
        return False
    if child.authority_key_identifier and parent.subject_key_identifier:
        return child.authority_key_identifier == parent.subject_key_identifier
    return True
