"""A PEM bundle of many server certificates is many targets (issue 16): each leaf judged with the
bundle's CA certificates as path candidates and the bundle's key that matches it, named by file,
position and line; a big bundle is read block by block, an unreadable block one error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from certready.adapters.inputs import pem_stream
from tests.cli import run
from tests.pki import Issued, TestCA

HOST = "a.example.com"


def _lint(*argv: str) -> tuple[int, dict[str, Any], str]:
    status, out, err = run("lint", *argv, "--format", "json")
    assert "Traceback" not in err
    return status, json.loads(out), err


def _line(data: bytes, marker: bytes) -> int:
    """The line (from 1) of the first occurrence of ``marker``."""
    return data[: data.index(marker)].count(b"\n") + 1


def _first_line(cert: Issued) -> bytes:
    return cert.cert_pem().splitlines()[1]


def test_a_bundle_of_three_leaves_is_three_targets_with_their_keys(
    tmp_path: Path, ca: TestCA
) -> None:
    a, b, c = (ca.issue(f"{n}.example.com") for n in "abc")
    data = (
        a.cert_pem()
        + ca.intermediate.cert_pem()
        + c.key_pem()  # a key before its certificate: paired all the same
        + b.cert_pem()
        + c.cert_pem()
        + a.key_pem()
    )
    fleet = tmp_path / "fleet.pem"
    fleet.write_bytes(data)
    status, report, _ = _lint(str(fleet), "--trust", str(ca.root_file(tmp_path)))
    targets = report["targets"]
    lines = [_line(data, _first_line(x)) - 1 for x in (a, b, c)]
    assert [t["target"] for t in targets] == [
        f"{fleet}#0 (line {lines[0]})",
        f"{fleet}#2 (line {lines[1]})",
        f"{fleet}#3 (line {lines[2]})",
    ]
    assert [t["location"] for t in targets] == [f"file:{fleet}#{i}" for i in (0, 2, 3)]
    assert [t["private_key"] for t in targets] == ["matches", "absent", "matches"]
    for t in targets:  # the bundle's intermediate completes every path, supplied or not
        rules = {f["rule_id"] for f in t["findings"]}
        assert "chain.missing-intermediate" not in rules
        assert "chain.unrelated-certificate" not in rules
        assert len(t["path"]) == 3
    assert status == 0


def test_control_fullchain_pem_stays_one_target(tmp_path: Path, ca: TestCA) -> None:
    a = ca.issue(HOST)
    full = tmp_path / "fullchain.pem"
    full.write_bytes(ca.chain_pem(a) + a.key_pem())
    status, report, _ = _lint(str(full), "--trust", str(ca.root_file(tmp_path)))
    (target,) = report["targets"]
    assert target["target"] == str(full)
    assert len(target["certificates"]) == 2  # its intermediate supplied with it, as before
    assert target["private_key"] == "matches"
    assert status == 0


def test_control_ca_certificates_only_stay_skipped(tmp_path: Path, ca: TestCA) -> None:
    cas = tmp_path / "cas.pem"
    cas.write_bytes(ca.intermediate.cert_pem() + ca.root.cert_pem())
    _, report, _ = _lint(str(cas))
    (target,) = report["targets"]
    assert target["status"] == "skipped" and target["target"] == str(cas)


def test_a_key_of_no_leaf_is_a_mismatch_on_each_leaf_without_its_key(
    tmp_path: Path, ca: TestCA, other_ca: TestCA
) -> None:
    a, b = ca.issue("a.example.com"), ca.issue("b.example.com")
    stray = other_ca.issue("elsewhere.example.com")
    fleet = tmp_path / "fleet.pem"
    fleet.write_bytes(a.cert_pem() + b.cert_pem() + b.key_pem() + stray.key_pem())
    _, report, _ = _lint(str(fleet), "--trust", str(ca.root_file(tmp_path)))
    assert [t["private_key"] for t in report["targets"]] == ["mismatch", "matches"]
    # negative control: every key belongs to a leaf, so the leaf without one has none
    fleet.write_bytes(a.cert_pem() + b.cert_pem() + b.key_pem())
    _, report, _ = _lint(str(fleet), "--trust", str(ca.root_file(tmp_path)))
    assert [t["private_key"] for t in report["targets"]] == ["absent", "matches"]


def test_an_oversized_block_is_one_error_and_the_others_are_still_linted(
    tmp_path: Path, ca: TestCA
) -> None:
    a, b = ca.issue("a.example.com"), ca.issue("b.example.com")
    huge = b"-----BEGIN CERTIFICATE-----\n" + (b"A" * 64 + b"\n") * 17_000
    huge += b"-----END CERTIFICATE-----\n"  # 1.1 MB: over the 1 MiB a block may be
    data = a.cert_pem() + ca.intermediate.cert_pem() + huge + b.cert_pem()
    fleet = tmp_path / "fleet.pem"
    fleet.write_bytes(data)
    status, report, err = _lint(str(fleet), "--trust", str(ca.root_file(tmp_path)))
    line = _line(data, huge[:40])
    targets = report["targets"]
    assert [t["status"] for t in targets] == ["ok", "input-error", "ok"]
    error = targets[1]
    assert error["target"] == f"{fleet}#2 (line {line})"
    assert error["reason"].startswith(f"line {line}: the CERTIFICATE block is over the 1 MiB")
    assert err.count("over the 1 MiB") == 1
    assert targets[0]["target"] == f"{fleet}#0 (line 1)"  # the leaves before and after it
    assert targets[2]["target"] == f"{fleet}#3 (line {_line(data, _first_line(b)) - 1})"
    assert status == 2


def test_a_bundle_over_the_file_limit_is_read_as_a_stream(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(The 16 MiB limit of a certificate file made small: a bigger PEM file is streamed.)"""
    monkeypatch.setattr(pem_stream, "MAX_INPUT_BYTES", 4096)
    leaves = [ca.issue(f"host{i}.example.com") for i in range(5)]
    fleet = tmp_path / "fleet.pem"
    fleet.write_bytes(ca.intermediate.cert_pem() + b"".join(x.cert_pem() for x in leaves))
    status, report, _ = _lint(str(fleet), "--trust", str(ca.root_file(tmp_path)))
    assert [t["target"].split(" ")[0] for t in report["targets"]] == [
        f"{fleet}#{i}" for i in range(1, 6)
    ]
    assert status == 0
    # the total a streamed bundle may be: the blocks after it are not read, one error says so
    monkeypatch.setattr(pem_stream, "MAX_BUNDLE_BYTES", 6000)
    status, report, _ = _lint(str(fleet), "--trust", str(ca.root_file(tmp_path)))
    states = [t["status"] for t in report["targets"]]
    assert states[-1] == "input-error" and "ok" in states
    assert "were not read" in report["targets"][-1]["reason"]
    assert status == 2


def test_jobs_2_gives_the_report_of_jobs_1_for_a_bundle(tmp_path: Path, ca: TestCA) -> None:
    folder = tmp_path / "certs"
    folder.mkdir()
    for i in range(4):
        (folder / f"a{i}.pem").write_bytes(ca.chain_pem(ca.issue(f"host{i}.example.com")))
    leaves = [ca.issue(f"fleet{i}.example.com") for i in range(5)]
    (folder / "b-fleet.pem").write_bytes(b"".join(x.cert_pem() for x in leaves))
    args = [str(folder), "--trust", str(ca.root_file(tmp_path))]
    s1, one, _ = _lint(*args, "--jobs", "1")
    s2, two, _ = _lint(*args, "--jobs", "2")
    one.pop("generated_at")
    two.pop("generated_at")
    assert one == two and s1 == s2 == 0
    assert len(one["targets"]) == 4 + 5
    # the fleet bundle's leaves have no intermediate of their own: the other files' completes
    assert all(len(t["path"]) == 3 for t in one["targets"])


def test_a_p7b_of_two_leaves_is_two_targets_by_position(tmp_path: Path, ca: TestCA) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

    a, b = ca.issue("a.example.com"), ca.issue("b.example.com")
    p7b = tmp_path / "issued.p7b"
    p7b.write_bytes(
        pkcs7.serialize_certificates([a.cert, ca.intermediate.cert, b.cert], Encoding.DER)
    )
    status, report, _ = _lint(str(p7b), "--trust", str(ca.root_file(tmp_path)))
    names = [t["target"] for t in report["targets"]]
    assert len(names) == 2 and all(n.startswith(f"{p7b}#") for n in names)
    assert "line" not in " ".join(names)  # DER: positions, no lines
    assert status == 0


def test_lint_help_states_the_limits(capsys: pytest.CaptureFixture[str]) -> None:
    run("lint", "--help")  # (click prints help straight to sys.stdout)
    out = " ".join(capsys.readouterr().out.split())
    assert "one target per leaf" in out
    assert "1 GiB and 1 MiB a block" in out and "16 MiB a file" in out


def test_a_bundle_on_standard_input_is_named_by_position_and_line(ca: TestCA) -> None:
    a, b = ca.issue("a.example.com"), ca.issue("b.example.com")
    data = a.cert_pem() + b.cert_pem()
    _, out, _ = run("lint", "-", "--format", "jsonl", stdin=data)
    lines = [json.loads(line) for line in out.splitlines()]
    second = _line(data, _first_line(b)) - 1
    assert [o["target"] for o in lines if o["type"] == "target"] == [
        "standard input#0 (line 1)",
        f"standard input#1 (line {second})",
    ]
    assert [o["location"] for o in lines if o["type"] == "target"] == ["stdin:#0", "stdin:#1"]


def test_a_certificate_that_issues_another_is_no_leaf_even_without_ca_true(
    tmp_path: Path, ca: TestCA
) -> None:
    """An old v1-style intermediate (no basicConstraints) issues the leaves: a path candidate,
    not a target; with one leaf the file stays one target, as it always was."""
    from tests.pki import build, new_key

    key = new_key("p256", fresh=True)
    old = build(
        subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old issuing CA")]),
        issuer=ca.root.cert.subject,
        public_key=key.public_key(),
        signing_key=ca.root.key,
        ca=False,
        basic_constraints=False,
    )
    issuer = Issued(old, key)
    a, b = (ca.issue(f"{n}.example.com", issuer=issuer) for n in "ab")
    one = tmp_path / "one.pem"
    one.write_bytes(a.cert_pem() + issuer.cert_pem())
    _, report, _ = _lint(str(one))
    assert [t["target"] for t in report["targets"]] == [str(one)]
    two = tmp_path / "two.pem"
    two.write_bytes(a.cert_pem() + issuer.cert_pem() + b.cert_pem())
    _, report, _ = _lint(str(two))
    assert [t["target"].split(" ")[0] for t in report["targets"]] == [f"{two}#0", f"{two}#2"]
