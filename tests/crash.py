"""Inject a crash into one declared rule's check for the length of a test: the engine's safety net
(``engine.rule-failed``) must catch it whatever the rule's scope, and the batch must go on."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pytest

from certready.core.model import Rule, Violation
from certready.core.rules import registry

INJECTED = "injected into the check"


def crash_check_of(monkeypatch: pytest.MonkeyPatch, rule: Rule) -> None:
    """From now until the test ends, ``rule``'s check raises. Load the policy afterwards (a policy
    plans its rules once, from the catalogue as it is then)."""

    def crashing(ctx: object, params: object) -> Iterable[Violation]:
        raise RuntimeError(INJECTED)

    monkeypatch.setitem(registry._RULES, rule.id, dataclasses.replace(rule, check=crashing))
    monkeypatch.setattr(registry, "_SORTED", None)
