"""show: what each input holds, in the order it holds it, with the issuer links between them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certready.adapters.inputs import SKIPPED, PasswordSource, iter_inputs
from certready.adapters.profiles import load_policy
from certready.core.errors import InputError
from certready.core.facts import FactsCache, describe_key, key_facts, request_facts
from certready.core.model import ChainElement, Finding, KeyPairing
from certready.core.policy import Policy
from certready.services.chain import ChainAnalysis, ChainOptions, analyse_chain
from certready.services.lint import LintOptions, choose_leaf, key_pairing
from certready.services.request_lint import analyse_request

__all__ = ["Inspected", "inspect"]


@dataclass(frozen=True, slots=True)
class Inspected:
    """One input: its certificates (as given) and whether a key in it matches the leaf."""

    source: str
    format: str
    certificates: tuple[ChainElement, ...]
    leaf_index: int | None
    private_key: KeyPairing
    chain: ChainAnalysis | None = None
    """The built path of the leaf, when chain options were given and there is a leaf."""
    friendly_names: tuple[str | None, ...] = ()
    """The PKCS#12 friendly name of each certificate (``None`` where there is none)."""
    keys: tuple[str, ...] = ()
    """Each private key described (``RSA 2048``), never its value."""
    notes: tuple[str, ...] = ()
    key_owners: tuple[str | None, ...] = ()
    """For each private key, the location of the certificate it belongs to among every input
    given (``app.key`` next to ``app.pem``), or ``None`` when it belongs to none of them."""
    requests: tuple[ChainElement, ...] = ()
    """The certificate signing requests it holds: what each asks for, as facts."""
    request_findings: tuple[tuple[Finding, ...], ...] = ()
    """For each request, what the profile says of it (as ``certready lint`` does, no hosts)."""

    @property
    def key_count(self) -> int:
        """How many private keys the input holds."""
        return len(self.keys)


def inspect(
    paths: Sequence[str],
    password: PasswordSource | None = None,
    on_note: Callable[[str, str], None] | None = None,
    *,
    chain: ChainOptions | None = None,
    policy: Policy | None = None,
    stdin: BinaryIO | None = None,
) -> list[Inspected | InputError]:
    """Each input as given (``-``: ``stdin``); ``on_note(source, note)`` receives its non-fatal
    remarks."""
    results: list[Inspected | InputError] = []
    cache = chain.cache.facts if chain is not None else FactsCache()
    for item in iter_inputs(list(paths), password, stdin=stdin):
        if isinstance(item, InputError):
            results.append(item)
            continue
        if on_note is not None:
            for note in item.notes:
                on_note(item.source, note)
        if item.format == SKIPPED:  # a folder's README: the note says it was skipped
            continue
        facts = [cache.facts(c.certificate) for c in item.certificates]
        elements = tuple(
            ChainElement(f, c.location) for f, c in zip(facts, item.certificates, strict=True)
        )
        leaf = choose_leaf(facts, item.keys) if facts else None
        pairing = key_pairing(facts[leaf], item.keys) if leaf is not None else KeyPairing.ABSENT
        analysis = None
        if chain is not None and leaf is not None:
            analysis = analyse_chain(
                item.certificates[leaf],
                item.certificates,
                chain,
                policy or load_policy(),
                known_facts=facts,
            )
        options = LintOptions(policy=policy or load_policy())
        results.append(
            Inspected(
                item.source,
                item.format,
                elements,
                leaf,
                pairing,
                analysis,
                friendly_names=tuple(c.friendly_name for c in item.certificates),
                keys=tuple(describe_private_key(k.key) for k in item.keys),
                notes=item.notes,
                key_owners=tuple(key_facts(k.key.public_key()).spki_sha256 for k in item.keys),
                requests=tuple(
                    ChainElement(request_facts(r.request), r.location) for r in item.requests
                ),
                request_findings=tuple(
                    analyse_request(item.source, r, options, i).findings
                    for i, r in enumerate(item.requests)
                ),
            )
        )
    return _resolve_key_owners(results)


def _resolve_key_owners(results: list[Inspected | InputError]) -> list[Inspected | InputError]:
    """Replace each key's SPKI hash (left in ``key_owners``) by the certificate it belongs to."""
    owners: dict[str, str] = {}
    for r in results:
        if isinstance(r, Inspected):
            for e in (*r.certificates, *r.requests):
                owners.setdefault(e.certificate.public_key.spki_sha256, str(e.origin))
    return [
        replace(r, key_owners=tuple(owners.get(h or "") for h in r.key_owners))
        if isinstance(r, Inspected)
        else r
        for r in results
    ]


def describe_private_key(key: PrivateKeyTypes) -> str:
    """``RSA 2048``, ``EC P-256``: the kind and size of a private key, nothing of its value."""
    return describe_key(key_facts(key.public_key()))
