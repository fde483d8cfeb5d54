"""Public or private is decided once per target, from the kind of the store that holds the anchor.

A root is public when a public root program's store holds it, whether or not the manifest ALSO
lists it under ``trust.roots``: every reader (chain rules, leaf rules, deployment rules, the JSON
path) must then agree. Mozilla's real roots have no keys we hold, so the test CA's root plays a
public program's root (the store that ``load_mozilla`` returns, of kind ``public-program``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certready.adapters.manifest import load_manifest
from certready.adapters.trust import TrustStore
from certready.core.location import MOZILLA
from certready.services.plan import build_plan
from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA, new_root

PRIVATE_ONLY = (
    "chain.private-ca",
    "deployment.client-android-private-ca",
    "deployment.client-ios-trust-switch",
)
"""Rules that speak only of a private chain."""
PUBLIC_ONLY = "validity.lifetime-cabf"
"""A leaf rule that runs only when the chain ends in a public root (the lab leaves live 825 days)."""


def _audit(manifest: Path) -> dict[str, object]:
    _, out, _ = run("audit", str(manifest), "--format", "json")
    report: dict[str, object] = json.loads(out)
    return report


def _all_ids(report: dict[str, object]) -> set[str]:
    ids = {f["rule_id"] for f in report["findings"]}  # type: ignore[attr-defined]
    for t in report["targets"]:  # type: ignore[attr-defined]
        ids |= {f["rule_id"] for f in t["findings"]}
    return ids


@pytest.fixture
def public_root(monkeypatch: pytest.MonkeyPatch, ca: TestCA) -> None:
    """The test CA's root is in the public program's store (what ``load_mozilla`` returns)."""
    store = TrustStore(MOZILLA, (ca.root.cert,))
    for module in ("certready.services.chain_options", "certready.services.audit"):
        monkeypatch.setattr(f"{module}.load_mozilla", lambda: store)


def _without_trust_roots(manifest: Path) -> None:
    manifest.write_text(manifest.read_text().replace("  roots: [pki/root.cer]\n", ""))


@pytest.mark.usefixtures("public_root")
def test_a_public_root_listed_in_trust_roots_is_public_for_every_rule(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca)
    report = _audit(lab.manifest)
    ids = _all_ids(report)
    assert not ids & set(PRIVATE_ONLY), sorted(ids & set(PRIVATE_ONLY))
    assert PUBLIC_ONLY in ids
    assert build_plan(load_manifest(lab.manifest)).private is False  # the plan agrees


@pytest.mark.usefixtures("public_root")
def test_the_same_root_not_listed_is_public_too(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    _without_trust_roots(lab.manifest)
    ids = _all_ids(_audit(lab.manifest))
    assert not ids & set(PRIVATE_ONLY)
    assert PUBLIC_ONLY in ids


def test_control_a_private_root_is_private_for_every_rule(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    ids = _all_ids(_audit(lab.manifest))
    assert set(PRIVATE_ONLY) <= ids
    assert PUBLIC_ONLY not in ids
    assert build_plan(load_manifest(lab.manifest)).private is True


def test_control_a_namesake_of_a_public_root_is_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca: TestCA
) -> None:
    """Public means the very certificate is in the program's store, not one with the same name."""
    lab = make_lab(tmp_path, ca)
    # same subject as the test CA's root, another key (an EC one: the RSA key pool's rotation,
    # which other tests' CAs draw from, stays untouched)
    namesake = new_root(f"{ca.name} Root CA", "p256").cert
    assert namesake.subject == ca.root.cert.subject
    store = TrustStore(MOZILLA, (namesake,))
    for module in ("certready.services.chain_options", "certready.services.audit"):
        monkeypatch.setattr(f"{module}.load_mozilla", lambda: store)
    assert build_plan(load_manifest(lab.manifest)).private is True
    assert set(PRIVATE_ONLY) <= _all_ids(_audit(lab.manifest))
