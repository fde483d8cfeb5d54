"""Manifest errors name file, line and key; the schema is shipped current; init never clobbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certready.adapters.manifest import (
    SCHEMA_FILE,
    STARTER,
    json_schema_text,
    load_manifest,
    parse_manifest,
)
from certready.core.errors import ManifestError
from certready.interfaces.cli import ExitStatus
from tests.audit.lab import MANIFEST, make_lab
from tests.cli import run
from tests.pki import TestCA

GOOD = MANIFEST.format(app="app.example.test", mobile="m.example.test", external="x.example.test")


def _error(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "m.yaml")
    return info.value


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_good_manifest_parses_and_locates_entries(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(GOOD)
    d = load_manifest(path)
    assert [s.key for s in d.servers] == ["production/app", "production/mobile"]
    mobile = d.servers[1]
    assert mobile.external_fqdns == ("x.example.test",)
    assert mobile.location.key == "environments.production.servers[1]"
    assert str(mobile.location) == f"manifest:{path}:{_line_of(GOOD, '- name: mobile')}"
    assert d.servers[0].certificate is not None
    assert d.servers[0].certificate.path == str(tmp_path / "certs/app.pem")
    assert d.proxy_bypass == "*.sunrise.example;<local>"


def test_bad_yaml_names_the_line() -> None:
    text = GOOD.replace("roles: [app, sts]", "roles: [app, sts")
    err = _error(text)
    assert err.location is not None and err.location.startswith("m.yaml:")
    assert "not valid YAML" in err.message
    assert int(err.location.split(":")[1]) >= _line_of(text, "roles: [app, sts")


def test_unknown_key_names_line_and_key() -> None:
    text = GOOD.replace("external_fqdns:", "extrenal_fqdns:")
    err = _error(text)
    assert err.location == f"m.yaml:{_line_of(text, 'extrenal_fqdns')}"
    assert err.key == "environments.production.servers[1].extrenal_fqdns"
    assert "unknown key" in err.message


def test_wrong_value_names_line_and_key() -> None:
    text = GOOD.replace("platform: android", "platform: blackberry")
    err = _error(text)
    assert err.location == f"m.yaml:{_line_of(text, 'blackberry')}"
    assert err.key == "clients[2].platform"
    bad_host = GOOD.replace("fqdn: m.example.test", "fqdn: 'bad..example'")
    err = _error(bad_host)
    assert err.key == "environments.production.servers[1].fqdn"
    assert err.location == f"m.yaml:{_line_of(bad_host, 'bad..example')}"


def test_missing_required_key_and_duplicates() -> None:
    err = _error(GOOD.replace("deployment: Sunrise Home Health\n", ""))
    assert err.key == "deployment" and "required" in err.message
    dup = GOOD.replace("policy: homecare\n", "policy: homecare\npolicy: webpki\n")
    err = _error(dup)
    assert err.location == "m.yaml:3" and "duplicate key" in err.message


def test_two_servers_with_one_name(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(GOOD.replace("- name: mobile", "- name: app"))
    with pytest.raises(ManifestError, match="second server named 'app'"):
        load_manifest(path)


def test_empty_and_non_mapping_manifests() -> None:
    assert "empty" in _error("").message
    assert "mapping" in _error("- a\n- b\n").message


def test_shipped_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text("utf-8") == json_schema_text(), "regenerate manifest_schema.json"


def test_starter_manifest_is_valid() -> None:
    model, _ = parse_manifest(STARTER, "starter.yaml")
    assert model.deployment


def test_manifest_schema_command_prints_json() -> None:
    status, out, _ = run("manifest", "schema")
    assert status == ExitStatus.OK
    schema = json.loads(out)
    assert "environments" in schema["properties"]


def test_manifest_init_never_overwrites_without_force(tmp_path: Path) -> None:
    path = tmp_path / "certready.yaml"
    assert run("manifest", "init", str(path))[0] == ExitStatus.OK
    assert path.read_text() == STARTER
    path.write_text("mine")
    status, _, err = run("manifest", "init", str(path))
    assert status == ExitStatus.USAGE and "--force" in err
    assert path.read_text() == "mine"
    assert run("manifest", "init", str(path), "--force")[0] == ExitStatus.OK
    assert path.read_text() == STARTER


def test_audit_of_a_malformed_manifest_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(GOOD.replace("external_fqdns:", "extrenal_fqdns:"))
    status, _, err = run("audit", str(path))
    assert status == ExitStatus.USAGE
    assert f"{path}:{_line_of(GOOD, 'external_fqdns')}" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_certificate_file_names_the_manifest_line(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    (tmp_path / "certs" / "mobile.pem").unlink()
    status, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert status == ExitStatus.USAGE
    line = _line_of(lab.manifest.read_text(), "certificate: certs/mobile.pem")
    assert f"{lab.manifest}:{line}" in err and "mobile.pem" in err
    report = json.loads(out)
    assert any(t["status"] == "input-error" for t in report["targets"])


def test_unset_password_variable_is_an_input_error(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace(
        "certificate: certs/app.pem", "certificate: certs/app.pem\n        password_env: CR_NOPE"
    )
    lab.manifest.write_text(text)
    monkeypatch.delenv("CR_NOPE", raising=False)
    status, _, err = run("audit", str(lab.manifest))
    assert status == ExitStatus.USAGE and "CR_NOPE" in err
    monkeypatch.setenv("CR_NOPE", "secret-value")
    status, out, err = run("audit", str(lab.manifest))
    assert "CR_NOPE" not in err and "secret-value" not in out + err


def test_pfx_with_password_env_wrong_and_right(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.audit.lab import APP, write_pfx

    lab = make_lab(tmp_path, ca)
    write_pfx(tmp_path / "certs" / "app.pfx", ca.issue(APP), ca, b"right-one")
    text = lab.manifest.read_text().replace(
        "certificate: certs/app.pem", "certificate: certs/app.pfx\n        password_env: CR_PFX"
    )
    lab.manifest.write_text(text)
    line = _line_of(text, "certificate: certs/app.pfx")
    monkeypatch.setenv("CR_PFX", "wrong-one")
    status, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert status == ExitStatus.USAGE
    assert f"{lab.manifest}:{line}" in err and "app.pfx" in err and "password" in err
    assert "wrong-one" not in out + err
    monkeypatch.setenv("CR_PFX", "right-one")
    status, out, err = run("audit", str(lab.manifest), "--format", "json")
    report = json.loads(out)
    app = next(t for t in report["targets"] if t["target"] == "production/app")
    assert app["status"] == "ok" and app["private_key"] == "matches"
    assert "right-one" not in out + err
    assert not [f for f in report["findings"] if f["rule_id"] == "deployment.private-key-missing"]


def test_pfx_without_a_password_source_says_how_in_manifest_terms(
    tmp_path: Path, ca: TestCA
) -> None:
    from tests.audit.lab import APP, write_pfx

    lab = make_lab(tmp_path, ca)
    write_pfx(tmp_path / "certs" / "app.pfx", ca.issue(APP), ca, b"secret")
    text = lab.manifest.read_text().replace("certs/app.pem", "certs/app.pfx")
    lab.manifest.write_text(text)
    status, _, err = run("audit", str(lab.manifest))
    assert status == ExitStatus.USAGE
    assert "password_env:" in err and "--password-env" not in err
    assert f"{lab.manifest}:{_line_of(text, 'certs/app.pfx')}" in err


def test_unknown_policy_names_the_manifest_line(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace("policy: homecare", "policy: homecore")
    lab.manifest.write_text(text)
    status, _, err = run("audit", str(lab.manifest))
    assert status == ExitStatus.USAGE
    assert f"{lab.manifest}:{_line_of(text, 'homecore')}: policy:" in err
    (tmp_path / "strict.toml").write_text('[profile]\nextends = "homecare"\n')
    lab.manifest.write_text(text.replace("policy: homecore", "policy: strict.toml"))
    status, out, _ = run("audit", str(lab.manifest), "--format", "json")
    assert json.loads(out)["profile"] == "strict"


def test_wrong_shapes_are_said_in_yaml_terms() -> None:
    err = _error("deployment: x\nenvironments:\n  prod: 5\n")
    assert err.location == "m.yaml:3" and "must be a mapping" in err.message
    assert "Model" not in err.message
    err = _error("deployment: x\nenvironments:\n  prod:\n    servers: app\n")
    assert err.key == "environments.prod.servers" and "must be a list" in err.message
