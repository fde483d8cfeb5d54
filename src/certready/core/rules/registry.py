"""The rule catalogue: ``@rule(...)`` declares a rule once, beside its check, with everything
``certready rules`` shows.

A rule's id is stable and dotted (``area.what``); its area is the module it lives in. Whatever its
scope (one certificate, a chain, a handshake, a deployment) a rule is a declaration plus one check
that the engine runs, so the policy decides its severity and whether it runs, and a crashing check
becomes ``engine.rule-failed`` like any other. The decorator returns the :class:`Rule`: code refers
to a rule through its declaration (``expired.id``), never by spelling its id again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from certready.core.model import (
    Check,
    NoParameters,
    Role,
    Rule,
    Scope,
    Severity,
)

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(\.[a-z0-9]+(-[a-z0-9]+)*)+$")
SSL = frozenset({Role.SSL})
STS = frozenset({Role.STS})
SSL_AND_STS = frozenset({Role.SSL, Role.STS})

_RULES: dict[str, Rule] = {}
_SORTED: tuple[Rule, ...] | None = None
"""``registered()``'s answer, kept until the next declaration (the engine asks once per target)."""


def rule(
    *,
    id: str,
    title: str,
    severity: Severity,
    rationale: str,
    remediation: str,
    references: tuple[str, ...],
    parameters: type[Any] = NoParameters,
    roles: frozenset[Role] = SSL,
    scope: Scope = Scope.CERTIFICATE,
    supersedes: tuple[Rule, ...] = (),
) -> Callable[[Check], Rule]:
    """Declare and register a rule; the decorated function is its check, and the name it is bound
    to becomes the :class:`Rule` (callable: ``rule(context)`` runs the check with its defaults)."""

    def register(check: Check) -> Rule:
        return declare(
            Rule(
                id=id,
                title=title,
                severity=severity,
                rationale=rationale,
                remediation=remediation,
                references=references,
                check=check,
                params=parameters,
                roles=roles,
                scope=scope,
                supersedes=tuple(r.id for r in supersedes),
            )
        )

    return register


def declare(new: Rule) -> Rule:
    """Register ``new``; a malformed or duplicate id is a programming error."""
    if not RULE_ID.match(new.id):
        raise ValueError(f"rule id {new.id!r} is not dotted lower-case words")
    if new.id in _RULES:
        raise ValueError(f"rule id {new.id!r} is declared twice")
    global _SORTED
    _RULES[new.id] = new
    _SORTED = None
    return new


def registered() -> tuple[Rule, ...]:
    """Every declared rule, sorted by id."""
    global _SORTED
    if _SORTED is None:
        _SORTED = tuple(sorted(_RULES.values(), key=lambda r: r.id))
    return _SORTED


def lookup(rule_id: str) -> Rule:
    """The rule with this id; ``KeyError`` when there is none."""
    return _RULES[rule_id]
