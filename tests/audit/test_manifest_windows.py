"""Windows-made manifests: UTF-16 and BOM files, backslash paths, passwords written in the
manifest, typos, and every error at once (issue 12, "Windows-made input")."""

from __future__ import annotations

from pathlib import Path

import pytest

from certready.adapters.manifest import parse_manifest
from certready.core.errors import ManifestError
from certready.interfaces.cli import ExitStatus
from tests.cli import run


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _error(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "m.yaml")
    return info.value


# -- passwords, typos, every error at once -----------------------------------------------------


def test_password_in_the_manifest_is_refused_with_the_keys_to_use() -> None:
    from tests.audit.test_manifest import GOOD

    text = GOOD.replace(
        "certificate: certs/app.pem", "certificate: certs/app.pem\n        password: hunter2"
    )
    err = _error(text)
    assert err.location == f"m.yaml:{_line_of(text, 'hunter2')}"
    assert err.key == "environments.production.servers[0].password"
    assert "passwords never go in the manifest: use password_env or password_file" in err.message
    assert "hunter2" not in str(err)
    sts = GOOD.replace(
        "sts_certificate: certs/sts.pem", "sts_certificate: x\n        sts_password: a"
    )
    assert "use sts_password_env or sts_password_file" in _error(sts).message
    # control: password_env is a key the manifest knows
    parse_manifest(GOOD.replace("certs/app.pem", "certs/app.pem\n        password_env: PFX"), "m")


def test_unknown_key_gets_a_did_you_mean_at_its_own_level() -> None:
    from tests.audit.test_manifest import GOOD

    err = _error(GOOD.replace("external_fqdns:", "extrenal_fqdns:"))
    assert err.message.endswith("unknown key (did you mean `external_fqdns`?)")
    err = _error(GOOD.replace("  roots:", "  rots:"))
    assert "did you mean `roots`?" in err.message  # trust's keys, not a server's
    err = _error(GOOD.replace("policy: homecare", "polcy: homecare"))
    assert "did you mean `policy`?" in err.message
    # control: nothing close, no guess
    err = _error(GOOD.replace("external_fqdns:", "colour:"))
    assert err.message.endswith("unknown key") and "did you mean" not in err.message


def test_every_manifest_error_is_reported_at_once(tmp_path: Path) -> None:
    from tests.audit.test_manifest import GOOD

    text = (
        GOOD.replace("external_fqdns:", "extrenal_fqdns:")
        .replace("platform: android", "platform: blackberry")
        .replace("policy: homecare\n", "policy: homecare\npolicy: webpki\n")
        .replace("certs/app.pem", "certs/app.pem\n        password: hunter2")
    )
    err = _error(text)
    keys = [e.key for e in err.errors]
    assert keys == [
        "policy",
        "environments.production.servers[0].password",
        "environments.production.servers[1].extrenal_fqdns",
        "clients[2].platform",
    ]
    path = tmp_path / "m.yaml"
    path.write_text(text)
    status, _, out = run("audit", str(path))
    lines = out.strip().splitlines()
    assert status == ExitStatus.USAGE and len(lines) == 4, out
    for line, needle in zip(
        lines, ("policy: webpki", "hunter2", "extrenal", "blackberry"), strict=True
    ):
        assert line.startswith(f"certready: error: {path}:{_line_of(text, needle)}: ")
    assert "hunter2" not in out
    # control: one mistake is one line (and the duplicate server name, found after validation)
    path.write_text(GOOD.replace("platform: android", "platform: blackberry"))
    assert len(run("audit", str(path))[2].strip().splitlines()) == 1
    path.write_text(GOOD.replace("- name: mobile", "- name: app"))
    assert len(run("audit", str(path))[2].strip().splitlines()) == 1
