"""The rules, one module per area. Importing this package registers every rule.

- :mod:`.names`: subjectAltName, host coverage, wildcards (RFC 9525, RFC 6125, the install guide).
- :mod:`.keys`: key type and size, key pairing (install guide, CA/B BR §6.1.5).
- :mod:`.signature`: signature hash strength.
- :mod:`.usage`: Key Usage, Extended Key Usage, basic constraints.
- :mod:`.extensions`: extensions that cannot be read (each reported on its own).
- :mod:`.validity`: dates and lifetimes (CA/B SC-081, Apple).
- :mod:`.sts`: the token-signing certificate.
- :mod:`.chain`: path building and trust (over the path facts the chain service computes).
- :mod:`.tls`: what a live server presents, judged per handshake.
- :mod:`.client`: one client machine's stores and proxies (``certready doctor``).
- :mod:`.deployment`: each server's certificates across a whole deployment.
- :mod:`.deployment_clients`: the clients of a deployment: names, private CA, proxy.
- :mod:`.meta`: what the engine itself reports (``engine.rule-failed``).
- :mod:`.pfx`: a PFX file's encryption and the Windows that can import it (emitted by the audit).
"""

from __future__ import annotations

from certready.core.model import Rule
from certready.core.rules import (  # noqa: F401 - imported to register their rules
    chain,
    client,
    deployment,
    deployment_clients,
    extensions,
    keys,
    meta,
    names,
    pfx,
    signature,
    sts,
    tls,
    usage,
    validity,
)
from certready.core.rules.registry import lookup, registered


def catalogue() -> tuple[Rule, ...]:
    """Every rule certready knows, sorted by id."""
    return registered()


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; ``KeyError`` when there is none."""
    return lookup(rule_id)
