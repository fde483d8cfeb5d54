"""show: what each input holds, in the order it holds it, with the issuer links between them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from certready.adapters.sources import PasswordSource, iter_inputs
from certready.core.errors import InputError
from certready.core.facts import extract_facts
from certready.core.model import CertFacts, ChainElement, KeyPairing
from certready.core.policy import Policy, load_policy
from certready.services.chain import ChainAnalysis, ChainOptions, analyse_chain
from certready.services.lint import choose_leaf, key_pairing


@dataclass(frozen=True, slots=True)
class Inspected:
    """One input: its certificates (as given) and whether a key in it matches the leaf."""

    source: str
    format: str
    certificates: tuple[ChainElement, ...]
    leaf_index: int | None
    private_key: KeyPairing
    key_count: int
    chain: ChainAnalysis | None = None
    """The built path of the leaf, when chain options were given and there is a leaf."""


def issued_by(child: CertFacts, parent: CertFacts) -> bool:
    """Name chaining plus key identifiers when both are present (RFC 5280 §4.2.1.1)."""
    if child.issuer != parent.subject:
        return False
    if child.authority_key_identifier and parent.subject_key_identifier:
        return child.authority_key_identifier == parent.subject_key_identifier
    return True


def inspect(
    paths: Sequence[str],
    password: PasswordSource | None = None,
    on_note: Callable[[str, str], None] | None = None,
    *,
    chain: ChainOptions | None = None,
    policy: Policy | None = None,
) -> list[Inspected | InputError]:
    """Each input as given; ``on_note(source, note)`` receives its non-fatal remarks."""
    results: list[Inspected | InputError] = []
    for item in iter_inputs(list(paths), password):
        if isinstance(item, InputError):
            results.append(item)
            continue
        if on_note is not None:
            for note in item.notes:
                on_note(item.source, note)
        facts = [extract_facts(c.certificate) for c in item.certificates]
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
        results.append(
            Inspected(item.source, item.format, elements, leaf, pairing, len(item.keys), analysis)
        )
    return results
