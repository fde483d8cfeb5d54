"""Windows-made manifests: UTF-16 and BOM files, backslash paths, passwords written in the
manifest, typos, and every error at once (issue 12, "Windows-made input")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, pkcs12

from certready.adapters.manifest import load_manifest, parse_manifest
from certready.core.errors import ManifestError
from certready.interfaces.cli import ExitStatus
from tests.audit.lab import APP, EXTERNAL, MANIFEST, MOBILE, make_lab
from tests.cli import run
from tests.pki import TestCA


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _error(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "m.yaml")
    return info.value


def make_manifest_text() -> str:
    """The lab's manifest text (no files are read by :func:`parse_manifest`)."""
    return MANIFEST.format(app=APP, mobile=MOBILE, external=EXTERNAL)


def _targets(out: str) -> dict[str, str]:
    return {t["target"]: t["status"] for t in json.loads(out)["targets"]}


# -- encodings ----------------------------------------------------------------------------------


def test_utf16_manifest_from_powershell_is_read_with_a_note(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text()
    # PowerShell 5: `Get-Content m.yaml | Out-File certready.yaml` writes UTF-16 LE, BOM, CRLF
    lab.manifest.write_bytes(text.replace("\n", "\r\n").encode("utf-16"))
    assert lab.manifest.read_bytes()[:2] == b"\xff\xfe"
    status, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert status != ExitStatus.USAGE, err
    assert _targets(out)["production/app"] == "ok"
    assert "certready: note:" in err and "UTF-16" in err
    assert load_manifest(lab.manifest).notes
    # control: the same manifest as plain UTF-8 reads the same, without a note
    lab.manifest.write_text(text)
    control, out2, err = run("audit", str(lab.manifest), "--format", "json")
    assert control == status and "note:" not in err and _targets(out2) == _targets(out)
    assert load_manifest(lab.manifest).notes == ()


def test_utf8_manifest_with_a_byte_order_mark_from_notepad(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    lab.manifest.write_bytes(b"\xef\xbb\xbf" + lab.manifest.read_bytes())
    status, _, err = run("audit", str(lab.manifest))
    assert status != ExitStatus.USAGE, err
    assert "byte-order mark" in err
    deployment = load_manifest(lab.manifest)
    assert deployment.name == "Sunrise Home Health"  # not "\ufeffdeployment" as an unknown key


def test_utf16_without_a_mark_is_still_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes("deployment: x\n".encode("utf-16-le"))  # no BOM: not guessed
    status, _, err = run("audit", str(path))
    assert status == ExitStatus.USAGE and "cannot read manifest" in err and "UTF-16" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_utf8_mark_and_crlf_from_notepad_keep_line_numbers(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace(
        "        fqdn: hctab", "        colour: red\n        fqdn: hctab"
    )
    line = _line_of(text, "colour: red")
    lab.manifest.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    status, _, err = run("audit", str(lab.manifest))
    assert status == ExitStatus.USAGE
    assert f"{lab.manifest}:{line}: environments.production.servers[1].colour" in err, err
    # control: the same manifest as plain UTF-8 with LF names the same line
    lab.manifest.write_text(text)
    _, _, plain = run("audit", str(lab.manifest))
    assert f"{lab.manifest}:{line}: environments.production.servers[1].colour" in plain


def test_ansi_manifest_names_the_line_and_says_save_as_utf8(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace("deployment: Sunrise", "# Café\ndeployment: Sunrise")
    lab.manifest.write_bytes(text.encode("cp1252"))  # Notepad's "ANSI"
    status, _, err = run("audit", str(lab.manifest))
    assert status == ExitStatus.USAGE and "Traceback" not in err and "codec" not in err
    assert f"{lab.manifest}:1: cannot read manifest: byte 0xE9 is not UTF-8" in err
    assert "save it as UTF-8" in err and len(err.strip().splitlines()) == 1
    # control: the same text in UTF-8 is read (the comment's é included)
    lab.manifest.write_text(text, encoding="utf-8")
    assert load_manifest(lab.manifest).name == "Sunrise Home Health"


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("        fqdn: hcapp", "\t\tfqdn: hcapp", "fqdn: hcapp"),  # tabs for the 8 spaces
        ("      - name: mobile", "\t- name: mobile", "- name: mobile"),
        ("  production:", "\tproduction:", "production:"),
    ],
)
def test_a_tab_indent_is_named_with_its_fix(old: str, new: str, line: str) -> None:
    good = make_manifest_text()
    bad = good.replace(old, new)
    assert bad != good
    error = _error(bad)
    assert "YAML indents with spaces only" in error.message, error.message
    assert error.location == f"m.yaml:{_line_of(bad, line)}"
    parse_manifest(good, "m.yaml")  # control: the same manifest indented with spaces


def test_control_tabs_that_are_not_indentation_and_other_yaml_errors_get_no_tab_hint() -> None:
    good = make_manifest_text()
    # a tab between a key and its value, or before a comment, is valid YAML
    parse_manifest(
        good.replace("fqdn: hcapp", "fqdn:\thcapp").replace("certs/app.pem", "certs/app.pem\t# x"),
        "m.yaml",
    )
    error = _error(good.replace("roles: [app, sts]", "roles: [app, sts"))
    assert "not valid YAML" in error.message and "tab" not in error.message


# -- backslash paths ----------------------------------------------------------------------------


def test_backslash_path_is_read_relative_to_the_manifest(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    good = lab.manifest.read_text()
    lab.manifest.write_text(
        good.replace("certificate: certs/app.pem", "certificate: certs\\app.pem")
    )
    deployment = load_manifest(lab.manifest)
    assert deployment.servers[0].certificate is not None
    assert deployment.servers[0].certificate.path == str(tmp_path / "certs" / "app.pem")
    status, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert status != ExitStatus.USAGE, err
    assert _targets(out)["production/app"] == "ok"
    # single quotes keep the backslash as written: the same file
    lab.manifest.write_text(good.replace("certs/app.pem", "'certs\\app.pem'"))
    ref = load_manifest(lab.manifest).servers[0].certificate
    assert ref is not None and ref.path == str(tmp_path / "certs" / "app.pem")
    # control: a backslash path to a file that is not there is the usual missing-file error
    lab.manifest.write_text(good.replace("certs/app.pem", "certs\\nope.pem"))
    status, _, err = run("audit", str(lab.manifest))
    assert status == ExitStatus.USAGE and "nope.pem" in err


def test_backslash_in_double_quotes_names_the_line_and_says_use_slash(tmp_path: Path) -> None:
    from tests.audit.test_manifest import GOOD

    # "\m" is no YAML escape: the YAML error itself
    text = GOOD.replace("certificate: certs/mobile.pem", 'certificate: "certs\\mobile.pem"')
    err = _error(text)
    assert err.location == f"m.yaml:{_line_of(text, 'mobile.pem')}"
    assert "unknown escape character" in err.message  # libyaml does not name the character
    assert "write the path with / (certs/app.pfx), or in single quotes" in err.message
    # "\a" is one (BEL): YAML reads "certs<BEL>pp.pem" without complaint; certready does not
    text = GOOD.replace("certificate: certs/app.pem", 'certificate: "certs\\app.pem"')
    err = _error(text)
    assert err.location == f"m.yaml:{_line_of(text, 'certs' + chr(92) + 'app.pem')}"
    assert err.key == "environments.production.servers[0].certificate"
    assert "\\a inside double quotes is an escape" in err.message and "with /" in err.message
    # control: forward slashes in double quotes are fine
    parse_manifest(GOOD.replace("certificate: certs/app.pem", 'certificate: "certs/app.pem"'), "m")


def test_windows_absolute_path_gets_a_hint() -> None:
    from tests.audit.test_manifest import GOOD

    text = GOOD.replace("certificate: certs/app.pem", "certificate: 'C:\\certs\\app.pfx'")
    err = _error(text)
    assert err.key == "environments.production.servers[0].certificate"
    assert "Windows absolute path" in err.message and "relative to the manifest" in err.message
    parse_manifest(GOOD.replace("certs/app.pem", "/srv/certs/app.pem"), "m")  # control: POSIX


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
    pfx = GOOD.replace("certs/app.pem", "certs/app.pem\n        pfx_password: a")
    assert "use password_env or password_file" in _error(pfx).message  # keys that exist
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


@pytest.mark.parametrize("prefix", ["", "sts_"])
def test_password_env_and_password_file_together_is_an_error(prefix: str) -> None:
    """One of the two would be silently ignored (password_env won): the file named may not even
    exist. Said at the file's line."""
    anchor = f"        {prefix or ''}certificate: certs/{'sts' if prefix else 'app'}.pem\n"
    good = make_manifest_text()
    assert anchor in good
    both = good.replace(
        anchor, f"{anchor}        {prefix}password_env: PW\n        {prefix}password_file: pw.txt\n"
    )
    error = _error(both)
    assert f"give {prefix}password_env or {prefix}password_file, not both" in error.message
    assert error.location == f"m.yaml:{_line_of(both, f'{prefix}password_file:')}"
    # control: either one alone is fine
    parse_manifest(good.replace(anchor, f"{anchor}        {prefix}password_env: PW\n"), "m.yaml")
    parse_manifest(
        good.replace(anchor, f"{anchor}        {prefix}password_file: pw.txt\n"), "m.yaml"
    )


def test_a_certificate_given_as_the_manifest_points_to_lint(tmp_path: Path, ca: TestCA) -> None:
    """audit/plan/doctor app.pfx: not "NUL bytes (UTF-16?)" nor "a manifest is a mapping"."""
    leaf = ca.issue("app.example.test")
    files = {
        "app.pfx": pkcs12.serialize_key_and_certificates(
            b"app",
            leaf.key,
            leaf.cert,
            None,
            NoEncryption(),  # type: ignore[arg-type]
        ),
        "app.cer": leaf.cert.public_bytes(Encoding.DER),
        "app.pem": leaf.cert_pem() + leaf.key_pem(),
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        for command in ("audit", "plan"):
            status, _, err = run(command, str(path))
            assert status == ExitStatus.USAGE and len(err.strip().splitlines()) == 1, err
            assert "not a deployment manifest" in err and f"certready lint {path}" in err
    # control: a manifest is read as one
    lab = make_lab(tmp_path / "lab", ca)
    assert load_manifest(lab.manifest).name == "Sunrise Home Health"


def test_a_value_outside_a_choice_names_the_value_and_the_choices() -> None:
    good = make_manifest_text()
    error = _error(good.replace("platform: ios", "platform: iPhone"))
    assert "clients[1].platform: 'iPhone' is not one of windows, macos, linux, ios" in error.message
    roles = _error(good.replace("roles: [app, sts]", "roles: [app, web]"))
    assert "roles[1]: 'web' is not one of app, sts, mobile-phone" in roles.message
    parse_manifest(good, "m.yaml")  # control: the lab's values are among the choices
