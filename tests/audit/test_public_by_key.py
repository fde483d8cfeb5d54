"""audit and plan decide "public" as doctor and the chain analysis do, when no chain analysis
decided it: the top of a server file's chain is in the public store (by fingerprint) or is signed
by the key of a public root of its issuer's name, never public by a name alone. A private CA
named exactly like a public root is private: its root must be installed by hand.

Mozilla's real roots have no keys we hold, so one test CA's root plays a public program's root
(the store ``load_mozilla`` returns) and a second CA of the same names, with keys of another kind
(never one of the pooled keys the first drew), plays the impostor. The manifests list no
``trust:`` roots, so the chain analysis anchors nothing for the impostor and the decision falls to
:func:`certready.services.audit.private_chain`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certready.adapters.manifest import load_manifest
from certready.adapters.trust import TrustStore
from certready.core.location import MOZILLA
from certready.services.audit import private_chain
from certready.services.plan import build_plan
from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA

PRIVATE_ONLY = {"deployment.client-android-private-ca", "deployment.client-ios-trust-switch"}
"""Deployment rules that speak only of a private chain (the manifest has Android and iOS clients)."""


@pytest.fixture
def public_ca(monkeypatch: pytest.MonkeyPatch) -> TestCA:
    """A CA whose root is in the public program's store."""
    ca = TestCA()
    store = TrustStore(MOZILLA, (ca.root.cert,))
    for module in ("certready.services.chain_options", "certready.services.audit"):
        monkeypatch.setattr(f"{module}.load_mozilla", lambda: store)
    return ca


@pytest.fixture
def impostor(public_ca: TestCA) -> TestCA:
    """A private CA with the public CA's root and intermediate names, its own keys."""
    ca = TestCA(key_kind="p384")
    assert ca.root.cert.subject == public_ca.root.cert.subject  # the same names
    assert ca.intermediate.cert.subject == public_ca.intermediate.cert.subject
    assert ca.root.cert.public_key() != public_ca.root.cert.public_key()
    return ca


def _lab_without_trust(tmp: Path, ca: TestCA) -> Path:
    manifest = make_lab(tmp, ca).manifest
    text = manifest.read_text()
    text = text.replace("  roots: [pki/root.cer]\n", "")
    text = text.replace("  intermediates: [pki/issuing.cer]\n", "")
    manifest.write_text(text.replace("trust:\n", ""))
    return manifest


def _deployment_ids(manifest: Path) -> set[str]:
    _, out, _ = run("audit", str(manifest), "--format", "json")
    return {f["rule_id"] for f in json.loads(out)["findings"]}


def test_a_private_ca_named_like_a_public_root_is_private(tmp_path: Path, impostor: TestCA) -> None:
    manifest = _lab_without_trust(tmp_path, impostor)
    assert _deployment_ids(manifest) >= PRIVATE_ONLY
    plan = build_plan(load_manifest(manifest))
    assert plan.private is True
    assert private_chain([], [impostor.intermediate.cert]) is True  # the top, issued by a namesake
    assert private_chain([], [impostor.root.cert]) is True  # a namesake root itself


def test_control_the_public_root_is_public(tmp_path: Path, public_ca: TestCA) -> None:
    manifest = _lab_without_trust(tmp_path, public_ca)
    assert not PRIVATE_ONLY & _deployment_ids(manifest)
    assert build_plan(load_manifest(manifest)).private is False
    assert private_chain([], [public_ca.intermediate.cert]) is False
    assert private_chain([], [public_ca.root.cert]) is False
    assert private_chain([], []) is None  # nothing to decide from
