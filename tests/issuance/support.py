"""Helpers the issuance tests share: lint what the lab wrote, validate its chain, find secrets."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509 import verification

from certready.adapters.profiles import load_policy
from certready.core.model import Finding, Report, Severity
from certready.core.rules import get_rule
from certready.services.chain import make_chain_options
from certready.services.lab import IssuedFiles
from certready.services.lint import LintOptions, lint

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl CLI")


def require_rule(rule_id: str) -> None:
    """Skip while a rule another helper is building is not in the catalogue yet."""
    try:
        get_rule(rule_id)
    except KeyError:
        pytest.skip(f"rule {rule_id} not in catalogue yet")


def lint_issued(issued: IssuedFiles, hosts: Sequence[str], profile: str = "homecare") -> Report:
    """``certready lint`` (homecare) over what ``lab issue`` wrote: the chain file and the key."""
    return lint_files(issued.chain, issued.key, hosts, profile, trust=issued.lab_root)


def lint_files(
    chain: Path,
    key: Path | None,
    hosts: Sequence[str],
    profile: str = "homecare",
    *,
    trust: Path | None = None,
) -> Report:
    """Lint a chain file and its key, as an administrator would (the key is paired by SPKI),
    with chain analysis against ``trust`` (the lab root) when given."""
    options = LintOptions(
        policy=load_policy(profile),
        hosts=tuple(hosts),
        chain=make_chain_options([str(trust)]) if trust else None,
    )
    report = lint([str(chain)] + ([str(key)] if key else []), options)
    assert not report.input_errors, [t.reason for t in report.input_errors]
    return report


def errors(report: Report) -> list[Finding]:
    return [f for f in report.all_findings() if f.severity >= Severity.ERROR]


def load_chain(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def verify_chain(chain_path: Path, root_path: Path, host: str) -> list[x509.Certificate]:
    """Validate the chain file's leaf for ``host`` against ``root_path`` alone (RFC 5280 + CA/B
    server profile, cryptography.x509.verification); raises VerificationError when it fails."""
    leaf, *intermediates = load_chain(chain_path)
    roots = x509.load_pem_x509_certificates(root_path.read_bytes())
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(roots))
        .build_server_verifier(x509.DNSName(host))
    )
    return verifier.verify(leaf, intermediates)


def assert_no_secret(text: str, *secrets: str) -> None:
    """No PEM private key block and none of the given secrets appear in ``text``."""
    assert "PRIVATE KEY" not in text
    for secret in secrets:
        assert secret not in text
