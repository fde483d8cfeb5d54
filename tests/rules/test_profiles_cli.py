"""The rules through the lint service and `certready lint` under both built-in profiles."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.x509.oid import ExtendedKeyUsageOID

from certready.adapters.inputs import LoadedCertificate, LoadedKey
from certready.adapters.profiles import load_policy
from certready.core.hostnames import normalise_host
from certready.core.location import FileLocation
from certready.core.model import Role
from certready.interfaces.cli import ExitStatus
from certready.services.lint import LintOptions, analyse
from tests.cli import run
from tests.pki import Issued, TestCA, key_usage, new_key


def lint_issued(
    issued: Issued,
    *,
    with_key: bool,
    profile: str = "homecare",
    hosts: tuple[str, ...] = (),
    role: Role = Role.SSL,
) -> set[str]:
    """The rule ids the lint service reports for one certificate (and its key, if given)."""
    options = LintOptions(
        policy=load_policy(profile), hosts=tuple(normalise_host(h) for h in hosts), role=role
    )
    keys = (LoadedKey(issued.key, "file:test.key"),) if with_key else ()
    result = analyse(
        "test.pem", (LoadedCertificate(issued.cert, FileLocation("test.pem", 0)),), keys, options
    )
    return {f.rule_id for f in result.findings}


def test_an_install_guide_certificate_with_its_key_passes(ca: TestCA) -> None:
    leaf = ca.issue("hcappserver.mycompany.test")
    assert lint_issued(leaf, with_key=True, hosts=("HCAppServer.MyCompany.test",)) == set()
    assert lint_issued(leaf, with_key=False) == {"key.private-key-missing"}
    wrong = Issued(leaf.cert, new_key("rsa2048", fresh=True))
    assert lint_issued(wrong, with_key=True) == {"key.private-key-mismatch"}


def test_serverauth_only_ec_certificate_homecare_vs_webpki(ca: TestCA) -> None:
    leaf = ca.issue("portal.mycompany.test", key_kind="p256", eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    assert lint_issued(leaf, with_key=True) == {"usage.eku-client-auth"}
    assert lint_issued(leaf, with_key=True, profile="webpki") == set()


def test_sts_role_skips_name_rules_and_needs_the_key(ca: TestCA) -> None:
    leaf = ca.issue("", sans=[], cn="Token Signing", ku=key_usage(digital_signature=False))
    found = lint_issued(leaf, with_key=False, role=Role.STS, hosts=("app.mycompany.test",))
    assert found == {"sts.private-key-missing", "sts.digital-signature"}
    assert lint_issued(leaf, with_key=True, role=Role.STS) == {"sts.digital-signature"}


def test_cli_wrong_host_fails_and_names_it(tmp_path: Path, ca: TestCA) -> None:
    cert, _ = ca.issue("hcappserver.mycompany.test").write(tmp_path, "app")
    status, out, _ = run("lint", str(cert), "--host", "hctabletserver.mycompany.test")
    assert status == ExitStatus.FINDINGS
    assert "names.host-not-covered" in out and "hctabletserver.mycompany.test" in out
    trust = str(ca.root_file(tmp_path))
    status, out, _ = run(
        "lint",
        str(cert),
        "--host",
        "HCAppServer.MyCompany.test.",
        "-f",
        "json",
        "--chain",
        str(ca.intermediate.write(tmp_path, "inter")[0]),
        "--trust",
        trust,
    )
    assert status == ExitStatus.OK
    found = {f["rule_id"] for t in json.loads(out)["targets"] for f in t["findings"]}
    # the key was not given, and the root is a private one: information only
    assert found == {"key.private-key-missing", "chain.private-ca"}


def test_cli_certificate_with_its_key_file_passes(tmp_path: Path, ca: TestCA) -> None:
    cert, key = ca.issue("hcappserver.mycompany.test").write(tmp_path, "app")
    chain = str(ca.intermediate.write(tmp_path, "inter")[0])
    trust = str(ca.root_file(tmp_path))
    status, out, _ = run(
        "lint",
        str(cert),
        str(key),
        "--host",
        "hcappserver.mycompany.test",
        "-f",
        "json",
        "--chain",
        chain,
        "--trust",
        trust,
    )
    assert status == ExitStatus.OK, out
    found = {f["rule_id"] for t in json.loads(out)["targets"] for f in t["findings"]}
    assert found == {"chain.private-ca"}
