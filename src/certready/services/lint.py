"""lint: every rule of a policy over certificate files, one target per input file."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization

from certready.adapters.sources import (
    Bundle,
    LoadedCertificate,
    LoadedKey,
    PasswordSource,
    iter_inputs,
)
from certready.core.engine import evaluate
from certready.core.errors import InputError
from certready.core.facts import extract_facts
from certready.core.model import (
    CertFacts,
    ChainElement,
    KeyPairing,
    Report,
    Role,
    RuleContext,
    TargetResult,
    TargetStatus,
)
from certready.core.policy import Policy


@dataclass(frozen=True, slots=True)
class LintOptions:
    policy: Policy
    hosts: tuple[str, ...] = ()
    """Normalised reference identifiers (see :func:`certready.core.hostnames.normalise_host`)."""
    role: Role = Role.SSL
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def key_pairing(leaf: CertFacts, keys: Sequence[LoadedKey]) -> KeyPairing:
    """Whether any supplied private key belongs to the leaf (SubjectPublicKeyInfo compared)."""
    if not keys:
        return KeyPairing.ABSENT
    for loaded in keys:
        spki = loaded.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if hashlib.sha256(spki).hexdigest() == leaf.public_key.spki_sha256:
            return KeyPairing.MATCHES
    return KeyPairing.MISMATCH


def choose_leaf(facts: Sequence[CertFacts], keys: Sequence[LoadedKey]) -> int | None:
    """Index of the end-entity certificate of a bundle; ``None`` when it holds only CAs.

    The certificate a supplied key belongs to wins; otherwise the first non-CA certificate.
    """
    if keys:
        for i, f in enumerate(facts):
            if key_pairing(f, keys) is KeyPairing.MATCHES:
                return i
    for i, f in enumerate(facts):
        if not f.is_ca:
            return i
    return None


def analyse(
    target: str,
    certificates: Sequence[LoadedCertificate],
    keys: Sequence[LoadedKey],
    options: LintOptions,
    *,
    served: bool = False,
) -> TargetResult:
    """Every rule over one target: a leaf, the certificates that came with it, and its key."""
    facts = [extract_facts(c.certificate) for c in certificates]
    elements = tuple(ChainElement(f, c.location) for f, c in zip(facts, certificates, strict=True))
    leaf_index = choose_leaf(facts, keys)
    if leaf_index is None:
        return TargetResult(
            target=target,
            location=certificates[0].location if certificates else f"file:{target}",
            role=options.role,
            hosts=options.hosts,
            certificates=elements,
            reason="only CA certificates: not linted as a server certificate",
        )
    leaf = facts[leaf_index]
    ordered = (elements[leaf_index], *elements[:leaf_index], *elements[leaf_index + 1 :])
    pairing = key_pairing(leaf, keys)
    ctx = RuleContext(
        leaf=leaf,
        location=certificates[leaf_index].location,
        now=options.now,
        role=options.role,
        hosts=options.hosts,
        others=tuple(e.certificate for e in ordered[1:]),
        private_key=pairing,
        served=served,
    )
    return TargetResult(
        target=target,
        location=ctx.location,
        role=options.role,
        hosts=options.hosts,
        certificates=ordered,
        findings=evaluate(ctx, options.policy),
        private_key=pairing,
    )


def lint_bundle(bundle: Bundle, options: LintOptions) -> TargetResult:
    if not bundle.certificates:
        return TargetResult(
            target=bundle.source,
            location=f"file:{bundle.source}",
            status=TargetStatus.INPUT_ERROR,
            reason="holds a private key but no certificate",
            role=options.role,
        )
    return analyse(bundle.source, bundle.certificates, bundle.keys, options)


def input_error_result(error: InputError, options: LintOptions) -> TargetResult:
    where = error.location or "input"
    return TargetResult(
        target=where,
        location=f"file:{where}",
        status=TargetStatus.INPUT_ERROR,
        reason=error.message,
        role=options.role,
    )


def lint(
    paths: Sequence[str], options: LintOptions, password: PasswordSource | None = None
) -> Report:
    """Lint every input; unreadable inputs become INPUT_ERROR targets, the rest still run."""
    results = []
    for item in iter_inputs(list(paths), password):
        if isinstance(item, InputError):
            results.append(input_error_result(item, options))
        else:
            results.append(lint_bundle(item, options))
    return Report(
        command="lint",
        profile=options.policy.name,
        generated_at=options.now,
        targets=tuple(results),
    )
