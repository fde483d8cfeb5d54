"""core.issuer_link.issued_by: the one "is this issued by that?" check (names, key identifiers)."""

from __future__ import annotations

from dataclasses import replace

from certready.core.facts import extract_facts
from certready.core.issuer_link import issued_by
from tests.pki import TestCA


def test_names_and_key_identifiers(ca: TestCA, other_ca: TestCA) -> None:
    leaf = extract_facts(ca.issue("app.example.test").cert)
    issuing, root = extract_facts(ca.intermediate.cert), extract_facts(ca.root.cert)
    assert issued_by(leaf, issuing) and issued_by(issuing, root)
    assert not issued_by(leaf, root)  # control: another subject
    assert not issued_by(issuing, leaf)
    # same name, another key: the key identifiers tell them apart
    impostor = replace(extract_facts(other_ca.intermediate.cert), subject=issuing.subject)
    assert not issued_by(leaf, impostor)


def test_missing_key_identifiers(ca: TestCA) -> None:
    leaf = extract_facts(ca.issue("app.example.test").cert)
    issuing = extract_facts(ca.intermediate.cert)
    bare = replace(leaf, authority_key_identifier=None)
    assert issued_by(bare, issuing)  # names alone chain
    assert not issued_by(bare, issuing, key_identifiers_required=True)
    assert issued_by(leaf, issuing, key_identifiers_required=True)  # control: both present
