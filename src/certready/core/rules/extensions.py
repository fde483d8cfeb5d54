"""Rules: extension. Extensions that cannot be read.

``core/facts.py`` reads each extension on its own when reading them together fails (one
malformed extension used to hide every other one: a certificate clients accept got "no
subjectAltName" errors). The malformed one is reported here, by OID and what is wrong with it;
every other rule judges the extensions that could be read.

Sources: RFC 5280 §4.1 (Extensions), §4.2 (each extension once; a critical extension a client
cannot process makes it reject the certificate) and the section of each extension's syntax.
"""

from __future__ import annotations

from collections.abc import Iterable

from certready.core.model import NoParameters, RuleContext, Severity, Violation
from certready.core.rules.registry import SSL_AND_STS, rule


@rule(
    id="extension.malformed",
    title="An extension cannot be read",
    severity=Severity.ERROR,
    rationale=(
        "An extension whose value does not follow its ASN.1 syntax (RFC 5280 §4.2) is ignored or "
        "refused by clients: a critical one makes every RFC 5280 client reject the certificate, a "
        "non-critical one silently loses what it says (names, usages, constraints). The other "
        "extensions are still judged."
    ),
    remediation=(
        "Have the CA reissue the certificate: the request or the CA's template produced the named "
        "extension with the wrong encoding."
    ),
    references=("RFC 5280 §4.1", "RFC 5280 §4.2"),
    roles=SSL_AND_STS,
)
def malformed(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """Each extension ``core/facts.py`` could not parse, by OID and reason (RFC 5280 §4.2); a
    non-critical one is a warning (clients that skip it still accept the certificate)."""
    for problem in ctx.leaf.extension_errors:
        if not problem.oid:  # the extensions' list itself cannot be walked
            yield Violation(f"the {problem.name}: {problem.problem}")
            continue
        criticality = "critical " if problem.critical else ""
        yield Violation(
            f"the {criticality}extension {problem.name} ({problem.oid}) cannot be read: "
            f"{problem.problem}",
            severity=None if problem.critical else Severity.WARNING,
        )
