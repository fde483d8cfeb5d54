"""Item 2: one unreadable extension no longer hides them all.

A certificate whose Key Usage value is not a BIT STRING used to read as if it had no extensions
at all: "no subjectAltName", "no serverAuth", and a CA whose basicConstraints was lost linted as
a server. Each extension is now read on its own; the malformed one is its own finding.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from certready.core.facts import extract_facts
from certready.core.model import RuleContext, Severity
from certready.core.rules.extensions import malformed
from certready.core.rules.names import san_missing
from certready.core.rules.usage import eku_server_auth
from tests.cli import run
from tests.pki import NOW, TestCA, _name, build, new_key
from tests.realworld.setups import malformed_key_usage, server, write_pem

HOST = "app.example.test"


def _lint(path: Path, *argv: str) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    status, out, err = run("lint", str(path), "--host", HOST, *argv, "--format", "json")
    assert "Traceback" not in err
    return status, json.loads(out)["targets"][0]["findings"]


def test_the_other_extensions_are_read(ca: TestCA) -> None:
    facts = extract_facts(malformed_key_usage(ca, HOST).cert)
    assert facts.subject_alt_name is not None and facts.subject_alt_name.dns_names == (HOST,)
    assert facts.extended_key_usage is not None and facts.basic_constraints is not None
    assert facts.key_usage is None
    (problem,) = facts.extension_errors
    assert (problem.oid, problem.name, problem.critical) == ("2.5.29.15", "keyUsage", True)
    assert problem.problem == "its value is an INTEGER, not a BIT STRING (RFC 5280 §4.2.1.3)"


def test_the_malformed_extension_is_its_own_finding(tmp_path: Path, ca: TestCA) -> None:
    path = write_pem(tmp_path / "app.pem", malformed_key_usage(ca, HOST).cert, ca.intermediate.cert)
    status, findings = _lint(path, "--trust", str(ca.root_file(tmp_path)))
    ids = {f["rule_id"] for f in findings}
    assert san_missing.id not in ids and eku_server_auth.id not in ids
    assert malformed.id == "extension.malformed"
    (finding,) = [f for f in findings if f["rule_id"] == malformed.id]
    assert "2.5.29.15" in finding["message"] and "not a BIT STRING" in finding["message"]
    assert finding["severity"] == "error"  # critical: RFC 5280 clients refuse the certificate
    assert status == 1


def test_a_non_critical_malformed_extension_is_a_warning(ca: TestCA) -> None:
    facts = extract_facts(malformed_key_usage(ca, HOST, critical=False).cert)
    (violation,) = malformed(RuleContext(leaf=facts, location="file:x#0", now=NOW))
    assert violation.severity is Severity.WARNING


def test_a_ca_with_a_malformed_extension_keeps_its_ca_flag(ca: TestCA) -> None:
    key = new_key("p256", fresh=True)
    cert = build(
        subject=_name("Broken Policies CA"),
        issuer=ca.root.cert.subject,
        public_key=key.public_key(),
        signing_key=ca.root.key,
        ca=True,
        extra=[(x509.UnrecognizedExtension(ExtensionOID.CERTIFICATE_POLICIES, b"\x05\x00"), False)],
    )
    facts = extract_facts(cert)
    assert facts.is_ca
    assert [p.oid for p in facts.extension_errors] == ["2.5.29.32"]


def test_control_a_well_formed_certificate_has_no_extension_finding(
    tmp_path: Path, ca: TestCA
) -> None:
    path = write_pem(tmp_path / "app.pem", server(ca, HOST).cert, ca.intermediate.cert)
    status, findings = _lint(path, "--trust", str(ca.root_file(tmp_path)))
    assert malformed.id not in {f["rule_id"] for f in findings}
    assert extract_facts(server(ca, HOST).cert).extension_errors == ()
    assert status == 0
