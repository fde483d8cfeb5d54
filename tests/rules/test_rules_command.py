"""`certready rules RULE_ID`: one rule explained; an unknown id is a usage error with a guess."""

from __future__ import annotations

import json
from pathlib import Path

from certready.interfaces.cli import ExitStatus
from tests.cli import run


def test_one_rule_is_explained_with_severity_per_profile_and_sources() -> None:
    status, out, err = run("rules", "usage.eku-client-auth")
    assert status == ExitStatus.OK, err
    assert out.startswith("usage.eku-client-auth\n")
    assert "homecare: warning; webpki: off" in out or "homecare: error; webpki: off" in out
    for label in ("why:", "fix:", "see:"):
        assert label in out
    assert "usage.eku-any" not in out  # that one rule only
    # control: the full list names every rule, several of them
    status, full, _ = run("rules")
    assert status == ExitStatus.OK and "usage.eku-any" in full and "key.rsa-size" in full


def test_one_rule_shows_its_parameters_as_the_profile_sets_them(tmp_path: Path) -> None:
    status, out, _ = run("rules", "key.rsa-size")
    assert status == ExitStatus.OK and "min_bits = 2048 (homecare)" in out
    site = tmp_path / "site.toml"
    site.write_text(
        '[profile]\nname = "site"\nextends = "homecare"\n[rules."key.rsa-size"]\nmin_bits = 3072\n'
    )
    status, out, _ = run("rules", "key.rsa-size", "--profile", str(site))
    assert status == ExitStatus.OK
    assert "min_bits = 3072 (site)" in out and "site: error" in out and "homecare: error" in out


def test_one_rule_as_json() -> None:
    status, out, _ = run("rules", "key.rsa-size", "--format", "json")
    data = json.loads(out)
    assert status == ExitStatus.OK and data["id"] == "key.rsa-size"
    assert data["parameters"] == {"min_bits": "2048"} and data["references"]


def test_unknown_rule_id_exits_2_with_did_you_mean() -> None:
    status, out, err = run("rules", "names.wildcard-invlid")
    assert status == ExitStatus.USAGE and out == ""
    assert "no rule 'names.wildcard-invlid'" in err and "did you mean names.wildcard-invalid" in err
    assert len(err.strip().splitlines()) == 1
    status, _, err = run("rules", "rsa-size")  # the last word alone
    assert status == ExitStatus.USAGE and "did you mean key.rsa-size" in err
    status, _, err = run("rules", "zzzz")  # control: nothing close, no guess
    assert status == ExitStatus.USAGE and "did you mean" not in err
