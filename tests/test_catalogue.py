"""The catalogue is complete and documented (DESIGN §3): ids unique and dotted, every rule explained,
tested, and its check documented with its source."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from certready.adapters.profiles import load_policy
from certready.core.model import Rule
from certready.core.policy import BUILTIN_PROFILES
from certready.core.rules import catalogue
from certready.core.rules.registry import RULE_ID

TESTS = Path(__file__).resolve().parent

# The canonical ids of the certificate rules (the rules helper's areas): each must be declared.
CERTIFICATE_RULES = {
    "names.san-missing",
    "names.host-not-covered",
    "names.wildcard-invalid",
    "names.wildcard-public-suffix",
    "names.cn-not-in-san",
    "key.rsa-size",
    "key.ec-curve",
    "key.type-unsupported",
    "key.rsa-modulus-not-multiple-of-8",
    "key.private-key-mismatch",
    "key.private-key-missing",
    "signature.weak-hash",
    "usage.key-usage-missing",
    "usage.key-usage-rsa",
    "usage.key-usage-ec",
    "usage.eku-server-auth",
    "usage.eku-client-auth",
    "usage.eku-any",
    "usage.leaf-is-ca",
    "validity.expired",
    "validity.not-yet-valid",
    "validity.expiring-soon",
    "validity.lifetime-cabf",
    "validity.lifetime-apple",
    "sts.private-key-missing",
    "sts.digital-signature",
}


def _test_text() -> str:
    return "\n".join(
        p.read_text("utf-8") for p in TESTS.rglob("*.py") if p.name != Path(__file__).name
    )


def test_ids_are_unique_and_dotted() -> None:
    ids = [r.id for r in catalogue()]
    assert len(ids) == len(set(ids))
    assert all(RULE_ID.match(i) for i in ids)


def test_every_certificate_rule_is_declared() -> None:
    assert {r.id for r in catalogue()} >= CERTIFICATE_RULES


def test_every_rule_id_appears_in_some_test() -> None:
    text = _test_text()
    untested = [r.id for r in catalogue() if not re.search(rf"[\"']{re.escape(r.id)}[\"']", text)]
    assert untested == [], f"rules no test file mentions: {untested}"


@pytest.mark.parametrize("rule", catalogue(), ids=lambda r: r.id)
def test_every_rule_is_explained(rule: Rule) -> None:
    assert rule.title.strip()
    assert rule.rationale.strip() and rule.remediation.strip()
    assert rule.references and all(ref.strip() for ref in rule.references)
    assert rule.roles


@pytest.mark.parametrize("rule", catalogue(), ids=lambda r: r.id)
def test_every_check_has_a_docstring(rule: Rule) -> None:
    assert inspect.getdoc(rule.check), f"{rule.id}: its check needs a docstring citing its source"


def test_certificate_rules_live_in_their_area_module() -> None:
    for r in catalogue():
        if r.id not in CERTIFICATE_RULES:
            continue
        module = r.check.__module__.rsplit(".", 1)[-1]
        expected = {"key": "keys"}.get(r.area, r.area)
        assert module == expected, f"{r.id} is declared in {module}.py"


@pytest.mark.parametrize("name", BUILTIN_PROFILES)
def test_builtin_profiles_load_and_cover_the_catalogue(name: str) -> None:
    policy = load_policy(name)
    assert set(policy.settings) == {r.id for r in catalogue()}
