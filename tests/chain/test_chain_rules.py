"""The chain rules judge path facts handed to them as data: each check over a ChainContext built
by hand, with a negative control, and the de-duplications the declarations state."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from certready.adapters.profiles import load_policy
from certready.core.chain_facts import (
    ChainContext,
    Duplicate,
    PathCertificate,
    SuppliedCertificate,
    UnanchoredTop,
)
from certready.core.engine import evaluate
from certready.core.model import Scope
from certready.core.rules import catalogue
from certready.core.rules import chain as rules
from tests.reporting.sample import facts

AT = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
LEAF = facts("app.example.test")
INTER = facts("Example Issuing CA", issuer="CN=Example Root,O=Example", ca=True, serial="02")
ROOT = facts("Example Root", issuer="CN=Example Root,O=Example", ca=True, serial="03")


def _cert(f=LEAF, origin="file:app.pem#0", *, root=False, anchor=False, **kw) -> PathCertificate:  # type: ignore[no-untyped-def]
    return PathCertificate(f, origin, origin, 1, root, anchor, **kw)


def _ids(ctx: ChainContext) -> list[str]:
    return sorted(f.rule_id for f in evaluate(ctx, load_policy("homecare")))


def test_every_chain_rule_has_the_chain_scope_and_a_real_check() -> None:
    chain_rules = [r for r in catalogue() if r.area == "chain"]
    assert len(chain_rules) == 17
    assert all(r.scope is Scope.CHAIN for r in chain_rules)
    assert all(r.check.__module__ == rules.__name__ for r in chain_rules)


def test_a_complete_public_path_yields_nothing_but_a_private_one_is_named() -> None:
    path = (
        _cert(),
        _cert(INTER, "file:app.pem#1"),
        _cert(ROOT, "trust:mozilla", root=True, anchor=True),
    )
    public = ChainContext(
        LEAF, "file:app.pem#0", AT, path=path, anchored=True, issuer_is_public=True
    )
    assert _ids(public) == []
    private = ChainContext(
        LEAF, "file:app.pem#0", AT, path=path, anchored=True, issuer_is_public=False
    )
    [finding] = evaluate(private, load_policy("homecare"))
    assert finding.rule_id == rules.private_ca.id
    assert "(from trust:mozilla)" in finding.message
    assert finding.location == "file:app.pem#0"


def test_missing_intermediate_supersedes_the_verifiers_reason() -> None:
    top = UnanchoredTop(LEAF, "file:app.pem#0", self_signed=False, public=False)
    ctx = ChainContext(
        LEAF, "file:app.pem#0", AT, path=(_cert(),), unanchored_top=top, verifier_error="no issuer"
    )
    assert _ids(ctx) == [rules.missing_intermediate.id]
    # control: the same verifier failure with nothing more precise to say is path-invalid
    alone = ChainContext(LEAF, "file:app.pem#0", AT, path=(_cert(),), verifier_error="no issuer")
    assert _ids(alone) == [rules.path_invalid.id]
    assert rules.path_invalid.id in rules.missing_intermediate.supersedes


def test_a_walk_stopping_at_a_ca_is_issuer_not_found_not_a_missing_intermediate() -> None:
    """Issue 12 item 6: leaf + issuing CA given, the CA's issuer unknown (a private root not
    passed with --trust, or a missing intermediate): one finding, leading with --trust."""
    top = UnanchoredTop(INTER, "file:app.pfx#1", self_signed=False, public=False)
    path = (_cert(), _cert(INTER, "file:app.pfx#1"))
    ctx = ChainContext(
        LEAF, "file:app.pfx#0", AT, path=path, unanchored_top=top, verifier_error="x"
    )
    assert _ids(ctx) == [rules.issuer_not_found.id]
    [finding] = evaluate(ctx, load_policy("homecare"))
    assert finding.message.index("--trust FILE") < finding.message.index("intermediate, add")
    # control: the walk stopping at the leaf itself is a missing intermediate
    at_leaf = UnanchoredTop(LEAF, "file:app.pem#0", self_signed=False, public=False)
    ctx = ChainContext(LEAF, "file:app.pem#0", AT, path=(_cert(),), unanchored_top=at_leaf)
    assert _ids(ctx) == [rules.missing_intermediate.id]


def test_an_untrusted_private_root_is_untrusted_and_private_a_public_one_only_untrusted() -> None:
    private = UnanchoredTop(ROOT, "file:app.pem#2", self_signed=True, public=False)
    ctx = ChainContext(LEAF, "file:app.pem#0", AT, unanchored_top=private)
    assert _ids(ctx) == [rules.private_ca.id, rules.untrusted_root.id]
    public = UnanchoredTop(ROOT, "file:app.pem#2", self_signed=True, public=True)
    ctx = ChainContext(LEAF, "file:app.pem#0", AT, unanchored_top=public)
    [finding] = evaluate(ctx, load_policy("homecare"))
    assert finding.rule_id == rules.untrusted_root.id
    assert "add --trust mozilla" in finding.message
    assert finding.location == "file:app.pem#2"


def test_bundle_facts_duplicates_unrelated_root_sent_order() -> None:
    ctx = ChainContext(
        LEAF,
        "file:app.pem#0",
        AT,
        duplicates=(Duplicate(INTER, "file:app.pem#3", "file:app.pem#1"),),
        supplied=(
            SuppliedCertificate(INTER, "file:app.pem#1", related=True, self_signed=False),
            SuppliedCertificate(ROOT, "file:app.pem#2", related=True, self_signed=True),
            SuppliedCertificate(
                facts("other.test"), "file:app.pem#4", related=False, self_signed=False
            ),
        ),
        in_issuing_order=False,
    )
    found = {f.rule_id: f for f in evaluate(ctx, load_policy("homecare"))}
    assert sorted(found) == sorted(
        r.id
        for r in (
            rules.duplicate_certificate,
            rules.root_sent,
            rules.unrelated_certificate,
            rules.wrong_order,
        )
    )
    assert found[rules.duplicate_certificate.id].location == "file:app.pem#3"
    assert "first at file:app.pem#1" in found[rules.duplicate_certificate.id].message
    # control: a clean bundle in order
    clean = ChainContext(
        LEAF,
        "file:app.pem#0",
        AT,
        supplied=(SuppliedCertificate(INTER, "file:app.pem#1", related=True, self_signed=False),),
    )
    assert _ids(clean) == []


def test_path_certificates_expired_only_when_the_dates_are_for_the_rules_to_check() -> None:
    old = facts("Example Issuing CA", ca=True, days_before=800, days_left=-1, serial="05")
    path = (_cert(), _cert(old, "file:app.pem#1"))
    expired = ChainContext(
        LEAF, "file:app.pem#0", dt.datetime.now(dt.UTC), path=path, check_dates=True
    )
    assert _ids(expired) == [rules.intermediate_expired.id]
    vouched = ChainContext(LEAF, "file:app.pem#0", dt.datetime.now(dt.UTC), path=path)
    assert _ids(vouched) == []


def test_no_chain_rule_id_is_spelled_outside_its_declaration() -> None:
    ids = {r.id for r in catalogue() if r.area == "chain"}
    src = Path(rules.__file__).resolve().parents[2]
    spelled = []
    for module in src.rglob("*.py"):
        if module.resolve() == Path(rules.__file__).resolve():
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ids:
                spelled.append(f"{module.relative_to(src)}:{node.lineno}: {node.value}")
    assert spelled == []
