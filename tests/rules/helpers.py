"""Run one rule over a certificate, the way the engine does, under a built-in profile."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import cache
from typing import Any

from cryptography import x509

from certready.adapters.profiles import load_policy
from certready.core.engine import evaluate
from certready.core.facts import extract_facts
from certready.core.model import CertFacts, Finding, RuleContext
from certready.core.policy import Policy
from certready.core.rules import get_rule
from tests.pki import NOW


@cache
def policy(name: str = "homecare") -> Policy:
    return load_policy(name)


def facts(cert: x509.Certificate, **changes: Any) -> CertFacts:
    """The certificate's facts, with ``changes`` for what cryptography cannot build (SHA-1, DSA)."""
    f = extract_facts(cert)
    return replace(f, **changes) if changes else f


def context(leaf: CertFacts | x509.Certificate, **kw: Any) -> RuleContext:
    f = leaf if isinstance(leaf, CertFacts) else extract_facts(leaf)
    kw.setdefault("now", NOW)
    return RuleContext(leaf=f, location="file:test.pem#0", **kw)


def run_rule(
    rule_id: str,
    leaf: CertFacts | x509.Certificate,
    *,
    profile: str = "homecare",
    **kw: Any,
) -> list[Finding]:
    """The findings of ``rule_id`` alone (none when the profile disables it or the role differs)."""
    found = evaluate(context(leaf, **kw), policy(profile), rules=[get_rule(rule_id)])
    assert all(f.rule_id == rule_id for f in found), found
    return list(found)


def messages(rule_id: str, leaf: CertFacts | x509.Certificate, **kw: Any) -> list[str]:
    return [f.message for f in run_rule(rule_id, leaf, **kw)]


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)
