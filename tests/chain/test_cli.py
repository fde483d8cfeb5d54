"""``certready lint`` and ``show`` with --trust, --chain, --at, --crl (in-process CLI)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import NOW, TestCA

HOST = "app.example.test"


def _files(tmp_path: Path, ca: TestCA) -> dict[str, str]:
    leaf = ca.issue(HOST, aia_ca_issuers="http://ca.example.test/issuing.crt")
    paths = {
        "leaf": leaf.cert_pem(),
        "inter": ca.intermediate.cert_pem(),
        "root": ca.root.cert_pem(),
        "full": ca.chain_pem(leaf),
    }
    out = {}
    for name, data in paths.items():
        (tmp_path / f"{name}.pem").write_bytes(data)
        out[name] = str(tmp_path / f"{name}.pem")
    crl = ca.crl(leaf.cert).public_bytes(serialization.Encoding.PEM)
    (tmp_path / "revoked.crl").write_bytes(crl)
    out["crl"] = str(tmp_path / "revoked.crl")
    return out


def _rule_ids(out: str) -> list[str]:
    data = json.loads(out)
    return sorted(f["rule_id"] for t in data["targets"] for f in t["findings"])


def test_lint_missing_intermediate_then_complete_with_chain_and_trust(
    tmp_path: Path, ca: TestCA
) -> None:
    f = _files(tmp_path, ca)
    status, out, _ = run("lint", f["leaf"], "--host", HOST, "--trust", f["root"], "-f", "json")
    assert "chain.missing-intermediate" in _rule_ids(out)
    assert status == ExitStatus.FINDINGS
    status, out, _ = run(
        "lint", f["leaf"], "--chain", f["inter"], "--trust", f["root"], "--host", HOST, "-f", "json"
    )
    assert [r for r in _rule_ids(out) if r.startswith("chain.")] == ["chain.private-ca"]
    assert status == ExitStatus.OK
    path = json.loads(out)["targets"][0]["path"]
    assert [p["origin"] for p in path] == [
        f"file:{f['leaf']}#0",
        f"file:{f['inter']}#0",
        f"trust:file:{f['root']}",
    ]


def test_lint_untrusted_private_root_by_default(tmp_path: Path, ca: TestCA) -> None:
    f = _files(tmp_path, ca)
    _, out, _ = run("lint", f["full"], "-f", "json")  # default trust: Mozilla
    ids = _rule_ids(out)
    assert "chain.issuer-not-found" in ids  # the root is neither sent nor trusted (issue 12 #6)
    _, out, _ = run("lint", f["full"], "--chain", f["root"], "-f", "json")
    ids = _rule_ids(out)
    assert "chain.untrusted-root" in ids and "chain.private-ca" in ids


def test_lint_at_and_crl(tmp_path: Path, ca: TestCA) -> None:
    f = _files(tmp_path, ca)
    later = (NOW + dt.timedelta(days=1900)).date().isoformat()
    _, out, _ = run("lint", f["full"], "--trust", f["root"], "--at", later, "-f", "json")
    assert "chain.intermediate-expired" in _rule_ids(out)
    _, out, _ = run("lint", f["full"], "--trust", f["root"], "--crl", f["crl"], "-f", "json")
    assert "chain.revoked" in _rule_ids(out)
    _, out, _ = run("lint", f["full"], "--trust", f["root"], "-f", "json")
    assert "chain.revoked" not in _rule_ids(out)


def test_bad_chain_options_are_one_line_errors(tmp_path: Path, ca: TestCA) -> None:
    f = _files(tmp_path, ca)
    key = str(ca.issue("other.example.test").write(tmp_path, "other")[1])
    for args, word in (
        (["--trust", str(tmp_path / "missing.pem")], "missing.pem"),
        (["--at", "next tuesday"], "--at"),
        (["--crl", f["leaf"]], "not a CRL (neither a PEM 'X509 CRL' block nor DER; this is a PEM"),
        (["--crl", str(tmp_path)], "is a folder"),
        (["--crl", str(tmp_path / "nope.crl")], "--crl: no such file"),
        (["--chain", str(tmp_path / "nope.pem")], "nope.pem"),
        (["--chain", key], "--chain: holds a private key, no certificate"),
    ):
        status, _, err = run("lint", f["full"], *args)
        assert status == ExitStatus.USAGE, args
        assert word in err and "Traceback" not in err and "ParseError" not in err
    # negative control: the same options with the right files are accepted
    status, _, err = run("lint", f["full"], "--trust", f["root"], "--chain", f["full"])
    assert status != ExitStatus.USAGE, err


def test_show_displays_built_path_with_origins(tmp_path: Path, ca: TestCA) -> None:
    f = _files(tmp_path, ca)
    status, out, _ = run("show", f["full"], "--trust", f"mozilla,{f['root']}")
    assert status == ExitStatus.OK
    assert "Built path (3 certificates, private CA)" in out
    assert f"trust store file:{f['root']}" in out
    assert "certready test Root CA" in out
    assert "🆎" not in out  # fingerprints are printed as text, never as emoji
    status, out, _ = run("show", f["leaf"])
    assert "Built path: none" in out and "chain.missing-intermediate" in out
    _, out, _ = run("show", f["full"], "--trust", f["root"], "-f", "json")
    data = json.loads(out)
    assert len(data[0]["path"]) == 3
