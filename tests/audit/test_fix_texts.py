"""Issue 12 item 11: fix texts fit the command. An audit names manifest keys (trust.roots,
trust.intermediates, a full-chain certificate: file, key:), never lint's flags; a PFX (IIS) gets
the Intermediate Certification Authorities store and no chain.root-sent; a scan of an address
without --sni says "scan by name or pass --sni", not "reissue". Each with its control."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12

from tests.audit.lab import APP, make_lab
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers


def _findings(*argv: str) -> list[dict[str, Any]]:
    _, out, err = run(*argv, "--format", "json")
    assert "Traceback" not in err, err
    report = json.loads(out)
    found: list[dict[str, Any]] = list(report.get("findings", []))
    for target in report["targets"]:
        found.extend(target["findings"])
    return found


def _fix(found: list[dict[str, Any]], rule_id: str) -> str:
    (one,) = [f for f in found if f["rule_id"] == rule_id]
    return str(one["remediation"]) + " " + str(one["message"])


def test_audit_missing_intermediate_names_manifest_keys(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    leaf = ca.issue(APP)
    (tmp_path / "certs" / "app.pem").write_bytes(leaf.cert_pem() + leaf.key_pem())
    text = lab.manifest.read_text().replace("  intermediates: [pki/issuing.cer]\n", "")
    lab.manifest.write_text(text)
    fix = _fix(_findings("audit", str(lab.manifest)), "chain.missing-intermediate")
    assert "trust.intermediates" in fix and "full chain" in fix
    assert "--chain" not in fix and "--trust" not in fix
    # control: lint of the same file keeps lint's flags
    lint_fix = _fix(
        _findings(
            "lint", str(tmp_path / "certs" / "app.pem"), "--trust", str(ca.root_file(tmp_path))
        ),
        "chain.missing-intermediate",
    )
    assert "--chain" in lint_fix


def test_audit_private_root_names_trust_roots(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace("  roots: [pki/root.cer]\n", "")
    lab.manifest.write_text(text)
    found = _findings("audit", str(lab.manifest))
    texts = [
        str(f["remediation"]) + str(f["message"])
        for f in found
        if f["rule_id"].startswith("chain.")
    ]
    assert texts and any("trust.roots" in t for t in texts)
    assert not any("--trust" in t or "--chain" in t for t in texts)
    # control: lint of the app's file without --trust names --trust
    lint_found = _findings("lint", str(tmp_path / "certs" / "app.pem"))
    lint_texts = [
        str(f["remediation"]) + str(f["message"])
        for f in lint_found
        if f["rule_id"].startswith("chain.")
    ]
    assert any("--trust" in t for t in lint_texts)


def test_audit_key_missing_names_the_key_entry(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    leaf = ca.issue(APP)
    (tmp_path / "certs" / "app.pem").write_bytes(ca.chain_pem(leaf))
    fix = _fix(_findings("audit", str(lab.manifest)), "key.private-key-missing")
    assert "key:" in fix and "certready lint" not in fix
    lint_fix = _fix(
        _findings("lint", str(tmp_path / "certs" / "app.pem")), "key.private-key-missing"
    )
    assert "certready lint" in lint_fix  # control


def _pfx(path: Path, ca: TestCA, *, intermediate: bool, root: bool) -> Path:
    leaf = ca.issue(APP)
    extra = ([ca.intermediate.cert] if intermediate else []) + ([ca.root.cert] if root else [])
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"app", leaf.key, leaf.cert, extra or None, NoEncryption()
        )  # type: ignore[arg-type]
    )
    return path


def test_pfx_fixes_speak_of_the_windows_stores(tmp_path: Path, ca: TestCA) -> None:
    trust = str(ca.root_file(tmp_path))
    bare = _pfx(tmp_path / "bare.pfx", ca, intermediate=False, root=False)
    fix = _fix(_findings("lint", str(bare), "--trust", trust), "chain.missing-intermediate")
    assert "Intermediate Certification Authorities store" in fix
    assert "certificate file" not in fix
    whole = _pfx(tmp_path / "whole.pfx", ca, intermediate=True, root=True)
    assert "chain.root-sent" not in {
        f["rule_id"] for f in _findings("lint", str(whole), "--trust", trust)
    }
    # control: the same certificates as a PEM chain file, which nginx/Apache would send as is
    leaf = ca.issue(APP)
    pem = tmp_path / "chain.pem"
    pem.write_bytes(ca.chain_pem(leaf, with_root=True) + leaf.key_pem())
    assert "chain.root-sent" in {
        f["rule_id"] for f in _findings("lint", str(pem), "--trust", trust)
    }


def test_scan_of_an_address_without_sni_says_scan_by_name(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test")  # DNS names only
    with Servers() as s:
        port = s.tls([leaf, ca.intermediate])
        fix = _fix(
            _findings("scan", f"127.0.0.1:{port}", "--no-protocol-probe"), "names.host-not-covered"
        )
        assert "scan by name" in fix.lower() and "--sni app.example.test" in fix
        # control: a name was sent and is not covered: the certificate is what is wrong
        named = _fix(
            _findings(
                "scan", f"127.0.0.1:{port}", "--sni", "other.example.test", "--no-protocol-probe"
            ),
            "names.host-not-covered",
        )
        assert "--sni" not in named and "Reissue" in named


def test_issuer_not_found_fix_names_the_private_root_first(tmp_path: Path, ca: TestCA) -> None:
    """An IIS PFX holds the leaf and its issuing CA, not the root: the fix leads with the root
    (Trusted Root store, --trust), then the intermediate case; never the intermediate alone."""
    pfx = _pfx(tmp_path / "app.pfx", ca, intermediate=True, root=False)
    fix = _fix(_findings("lint", str(pfx)), "chain.issuer-not-found")
    assert fix.index("private root") < fix.index("Intermediate Certification Authorities")
    assert "Trusted Root Certification Authorities" in fix and "--trust FILE" in fix
    assert "trust.roots" not in fix.split(" the chain ends at")[0]  # the fix itself: lint's flags
    # control: a PFX without its intermediate, whose root is trusted: the intermediate only
    bare = _pfx(tmp_path / "bare.pfx", ca, intermediate=False, root=False)
    trust = str(ca.root_file(tmp_path))
    other = _fix(_findings("lint", str(bare), "--trust", trust), "chain.missing-intermediate")
    assert "private root" not in other and "Intermediate Certification Authorities" in other


def test_audit_issuer_not_found_fix_names_trust_roots_then_trust_intermediates(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace("  roots: [pki/root.cer]\n", "")
    lab.manifest.write_text(text)
    found = [f for f in _findings("audit", str(lab.manifest)) if f["rule_id"].startswith("chain.")]
    fixes = {f["remediation"] for f in found if f["rule_id"] == "chain.issuer-not-found"}
    assert fixes, [f["rule_id"] for f in found]
    for fix in fixes:
        assert fix.index("trust.roots") < fix.index("trust.intermediates")
        assert "--trust" not in fix and "--chain" not in fix
    # "its certificate file", not "it's"
    assert not any("it's" in f["message"] + f["remediation"] for f in found)
    assert any("list its certificate file under trust.roots" in f["message"] for f in found)
    # control: with trust.roots listed, no chain finding asks for the root
    lab.manifest.write_text(text.replace("trust:\n", "trust:\n  roots: [pki/root.cer]\n"))
    listed = [f for f in _findings("audit", str(lab.manifest)) if f["rule_id"].startswith("chain.")]
    assert not [f for f in listed if f["rule_id"] == "chain.issuer-not-found"]


def test_audit_host_not_covered_names_the_manifest_keys_not_host(
    tmp_path: Path, ca: TestCA
) -> None:
    """The names an audit checks come from the manifest, which may be what is wrong. (The mobile
    server's fqdn: a missing external name is deployment.mobile-external-name's finding.)"""
    lab = make_lab(tmp_path, ca)
    mobile_leaf = ca.issue("mobile.sunrise-health.example")  # not the fqdn hctabletserver...
    (tmp_path / "certs" / "mobile.pem").write_bytes(
        ca.chain_pem(mobile_leaf) + mobile_leaf.key_pem()
    )
    report = json.loads(run("audit", str(lab.manifest), "--format", "json")[1])
    [mobile] = [t for t in report["targets"] if t["target"] == "production/mobile"]
    [found] = [f for f in mobile["findings"] if f["rule_id"] == "names.host-not-covered"]
    fix = found["remediation"]
    assert "hctabletserver.sunrise.example" in fix and "fqdn or external_fqdns" in fix
    assert "--host" not in fix + found["message"]
    text = run("audit", str(lab.manifest))[1]
    assert "names.host-not-covered" in text and "--host" not in text  # the rule's title too
    # control: lint of the same file with --host keeps the rule's own fix, no manifest keys
    lint = _fix(
        _findings(
            "lint",
            str(tmp_path / "certs" / "mobile.pem"),
            "--host",
            "hctabletserver.sunrise.example",
            "--trust",
            str(ca.root_file(tmp_path)),
        ),
        "names.host-not-covered",
    )
    assert "Reissue the certificate with the exact FQDN" in lint and "external_fqdns" not in lint


def test_self_signed_sts_fix_speaks_the_commands_words(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    sts = ca.self_signed("ADFS Signing - sts.sunrise.example")
    (tmp_path / "certs" / "sts.pem").write_bytes(sts.cert_pem() + sts.key_pem())
    fix = _fix(_findings("audit", str(lab.manifest)), "chain.self-signed-leaf")
    assert "trust.roots in the manifest" in fix and "--trust" not in fix
    # control: lint --role sts of the same file names --trust, not the manifest
    lint = _fix(
        _findings("lint", str(tmp_path / "certs" / "sts.pem"), "--role", "sts"),
        "chain.self-signed-leaf",
    )
    assert "--trust FILE" in lint and "trust.roots" not in lint
