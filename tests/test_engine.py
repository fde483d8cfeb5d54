"""The engine runs every scope the same way: typed parameters, crash net, supersedes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from certready.adapters.profiles import load_policy
from certready.core.engine import evaluate
from certready.core.errors import PolicyError
from certready.core.model import (
    CertFacts,
    NoParameters,
    Role,
    Rule,
    RuleContext,
    Scope,
    Severity,
    Violation,
)
from certready.core.policy import RuleSetting, default_settings
from certready.core.rules.meta import rule_failed
from tests.reporting.sample import facts, policy

NOW = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def _rule(rule_id: str, check: object, *, scope: Scope = Scope.CERTIFICATE, **kw: object) -> Rule:
    return Rule(
        id=rule_id,
        title=rule_id,
        severity=Severity.ERROR,
        rationale="why",
        remediation="fix",
        references=("test",),
        check=check,  # type: ignore[arg-type]
        scope=scope,
        **kw,  # type: ignore[arg-type]
    )


def _fires(ctx: object, params: NoParameters) -> Iterable[Violation]:
    yield Violation("it fires")


def _silent(ctx: object, params: NoParameters) -> Iterable[Violation]:
    return ()


def _crashes(ctx: object, params: NoParameters) -> Iterable[Violation]:
    raise ZeroDivisionError("boom")


def _policy_for(*rules: Rule):  # type: ignore[no-untyped-def]
    base = policy()
    settings = dict(base.settings)
    settings.update(default_settings(rules))
    settings[rule_failed.id] = RuleSetting(True, Severity.ERROR, NoParameters())
    from dataclasses import replace

    return replace(base, settings=settings)


def _leaf_context() -> RuleContext:
    return RuleContext(leaf=facts("app.example.com"), location="file:app.pem#0", now=NOW)


@dataclass(frozen=True)
class _DeploymentContext:
    """A context of another scope: the engine needs only these four members."""

    scope: ClassVar[Scope] = Scope.DEPLOYMENT
    location: str = "manifest:deployment.yaml:1"
    role: Role | None = None
    subject_certificate: CertFacts | None = None


def test_a_crashing_certificate_rule_becomes_rule_failed_and_the_others_still_run() -> None:
    crashing, good = _rule("test.crashes", _crashes), _rule("test.fires", _fires)
    found = evaluate(_leaf_context(), _policy_for(crashing, good), [crashing, good])
    assert [f.rule_id for f in found] == [rule_failed.id, "test.fires"]
    assert "test.crashes failed: ZeroDivisionError: boom" in found[0].message
    assert found[0].location == "file:app.pem#0" and found[0].subject
    # control: without the crash, no rule-failed finding
    found = evaluate(_leaf_context(), _policy_for(good), [good])
    assert [f.rule_id for f in found] == ["test.fires"]


def test_a_crashing_rule_of_another_scope_is_caught_the_same_way() -> None:
    crashing = _rule("test.deploy-crashes", _crashes, scope=Scope.DEPLOYMENT)
    good = _rule("test.deploy-fires", _fires, scope=Scope.DEPLOYMENT)
    leaf_rule = _rule("test.leaf-fires", _fires)
    rules = [crashing, good, leaf_rule]
    found = evaluate(_DeploymentContext(), _policy_for(*rules), rules)
    assert [f.rule_id for f in found] == [rule_failed.id, "test.deploy-fires"]
    assert found[0].location == "manifest:deployment.yaml:1" and found[0].subject is None


def test_a_superseding_finding_drops_the_superseded_one() -> None:
    narrow = _rule("test.narrow", _fires)
    broad = _rule("test.broad", _fires, supersedes=(narrow.id,))
    found = evaluate(_leaf_context(), _policy_for(narrow, broad), [narrow, broad])
    assert [f.rule_id for f in found] == ["test.broad"]
    # control: when the superseding rule finds nothing, the other's finding stays
    quiet = _rule("test.broad", _silent, supersedes=(narrow.id,))
    found = evaluate(_leaf_context(), _policy_for(narrow, quiet), [narrow, quiet])
    assert [f.rule_id for f in found] == ["test.narrow"]


def test_a_parameter_of_the_wrong_type_fails_at_load_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "loud.toml"
    bad.write_text(
        '[profile]\nextends = "homecare"\n\n'
        '[rules."usage.eku-client-auth"]\npublic_ca_severity = "loud"\n'
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(str(bad))
    text = str(caught.value)
    assert "loud.toml" in text and "rules.usage.eku-client-auth.public_ca_severity" in text
    assert "unknown severity 'loud'" in text
    # control: a real severity loads, typed
    good = tmp_path / "good.toml"
    good.write_text(bad.read_text().replace('"loud"', '"error"'))
    loaded = load_policy(str(good)).setting("usage.eku-client-auth").parameters
    assert loaded.public_ca_severity is Severity.ERROR


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ("key.rsa-size", 'min_bits = "3072"', "must be int"),
        ("names.cn-not-in-san", "exact = 1", "must be bool"),
        ("key.ec-curve", 'curves = "secp256r1"', "must be a list of strings"),
        ("key.rsa-size", "min_bit = 3072", "unknown parameter 'min_bit'"),
    ],
)
def test_every_parameter_type_is_checked(
    tmp_path: Path, table: str, line: str, message: str
) -> None:
    path = tmp_path / "p.toml"
    path.write_text(f'[rules."{table}"]\n{line}\n')
    with pytest.raises(PolicyError, match=message):
        load_policy(str(path))


def test_rule_failed_is_in_the_catalogue() -> None:
    from certready.core.rules import get_rule

    assert get_rule("engine.rule-failed") is rule_failed
