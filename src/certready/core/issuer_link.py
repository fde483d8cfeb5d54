"""Is this certificate issued by that one? Decided from names and key identifiers, here only.

The signature is not checked here: the chain service verifies signatures when it builds paths
(and reports a weak one); this is the cheap link ``show`` draws between neighbours, the ``tls.*``
rules use for the order a server sent, and the lab uses to recognise its own certificates.
"""

from __future__ import annotations

from certready.core.model import CertFacts


def issued_by(
    child: CertFacts, parent: CertFacts, *, key_identifiers_required: bool = False
) -> bool:
    """Names chain (RFC 5280 §4.1.2.4) and, when both are present, the child's authority key
    identifier is the parent's subject key identifier (§4.2.1.1).

    ``key_identifiers_required``: both identifiers must be there (a CA that always writes them,
    like the lab's, issued nothing that lacks them).
    """
    if child.issuer != parent.subject:
        return False
    aki, ski = child.authority_key_identifier, parent.subject_key_identifier
    if aki and ski:
        return aki == ski
    return not key_identifiers_required
