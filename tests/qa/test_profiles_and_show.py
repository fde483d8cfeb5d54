"""A profile error names the key; show refuses a format it cannot write."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import run
from tests.pki import TestCA


@pytest.fixture(scope="module")
def leaf(tmp_path_factory: pytest.TempPathFactory, ca: TestCA) -> Path:
    path = tmp_path_factory.mktemp("qa") / "leaf.pem"
    path.write_bytes(ca.issue("app.example.test").cert_pem())
    return path


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('[rules."key.rsa-size"]\nmin_bits = "big"\n', "rules.key.rsa-size.min_bits: must be int"),
        ('[rules."key.rsa-size"]\nseverity = "fatal"\n', "rules.key.rsa-size.severity: unknown"),
        ('[rules."key.rsa-size"]\nenabled = 1\n', "rules.key.rsa-size.enabled: must be true"),
    ],
)
def test_a_profile_error_names_the_key(tmp_path: Path, leaf: Path, body: str, says: str) -> None:
    profile = tmp_path / "site.toml"
    profile.write_text(body)
    status, _, err = run("lint", str(leaf), "--profile", str(profile))
    assert status == 2
    assert err == f"certready: error: {profile}: {says}" + err.split(says, 1)[1]
    assert err.count("\n") == 1


def test_a_key_already_named_is_not_repeated(tmp_path: Path, leaf: Path) -> None:
    """Negative control: 'unknown parameter' messages name the rule once, the key once."""
    profile = tmp_path / "site.toml"
    profile.write_text('[rules."key.rsa-size"]\nmin_bits = 2048\n')
    assert run("lint", str(leaf), "--profile", str(profile))[0] in (0, 1)
    profile.write_text("[bogus]\n")
    err = run("lint", str(leaf), "--profile", str(profile))[2]
    assert err.count("bogus") == 1


def test_show_refuses_a_report_format(leaf: Path) -> None:
    status, out, err = run("show", str(leaf), "--format", "html")
    assert status == 2 and out == ""
    assert "show writes text or json" in err
    # negative control
    assert run("show", str(leaf), "--format", "json")[0] == 0
