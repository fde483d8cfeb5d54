"""``certready scan`` through main(argv): exit statuses, targets files, formats, quiet when piped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from certready.core.model import Severity, TargetResult, TargetStatus
from certready.interfaces.cli.output import exit_status as scan_exit_status
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers, free_port, silent


@pytest.fixture(scope="module")
def ports(ca: TestCA) -> Iterator[dict[str, int]]:
    with Servers() as s:
        leaf = ca.issue("app.example.test", "127.0.0.1")
        yield {
            "complete": s.tls([leaf, ca.intermediate]),
            "leaf_only": s.tls([leaf]),
            "silent": s.start(silent),
            "refused": free_port(),
        }


def test_json_report_of_a_complete_chain(ports: dict[str, int]) -> None:
    status, out, err = run(
        "scan", f"127.0.0.1:{ports['complete']}", "--sni", "app.example.test", "--format", "json"
    )
    data = json.loads(out)
    (target,) = data["targets"]
    assert target["tls"]["sni"] == "app.example.test"
    assert target["tls"]["protocol"] == "TLSv1.3"
    assert not [f for f in target["findings"] if f["rule_id"].startswith("tls.")]
    assert status in (0, 1), err  # 1 only if another area's rule dislikes the test leaf
    assert data["command"] == "scan"


def test_leaf_only_fails_with_status_1(ports: dict[str, int]) -> None:
    status, out, _ = run("scan", f"127.0.0.1:{ports['leaf_only']}", "--format", "json")
    ids = {f["rule_id"] for f in json.loads(out)["targets"][0]["findings"]}
    assert "tls.intermediate-not-sent" in ids
    assert status == 1
    status, _, _ = run("scan", f"127.0.0.1:{ports['leaf_only']}", "--fail-on", "never")
    assert status == 0


def test_every_target_unreachable_is_status_3(ports: dict[str, int]) -> None:
    status, out, err = run(
        "scan", f"127.0.0.1:{ports['refused']}", f"127.0.0.1:{ports['silent']}", "--timeout", "0.5"
    )
    assert status == 3
    assert f"127.0.0.1:{ports['refused']}: connection refused" in err
    assert "timed out during the TLS handshake" in err
    assert "Traceback" not in err + out


def test_some_unreachable_is_status_1(ports: dict[str, int]) -> None:
    status, _, err = run(
        "scan",
        f"127.0.0.1:{ports['complete']}",
        f"127.0.0.1:{ports['refused']}",
        "--fail-on",
        "error",
    )
    assert status == 1
    assert "refused" in err


def test_targets_file_errors_name_file_and_line(tmp_path: Path, ports: dict[str, int]) -> None:
    listing = tmp_path / "servers.txt"
    listing.write_text(f"# app servers\n127.0.0.1:{ports['complete']}\nbad:port:x\n")
    status, out, err = run("scan", "--targets-file", str(listing), "--format", "json")
    assert status == 2
    assert f"{listing}:3:" in err
    targets = json.loads(out)["targets"]
    assert [t["status"] for t in targets] == ["ok", "input-error"]


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    for argv in (
        ("scan",),
        ("scan", "app:notaport"),
        ("scan", "--targets-file", str(tmp_path / "missing.txt")),
        ("scan", "127.0.0.1:1", "--expect-sha256", "xyz"),
        ("scan", "127.0.0.1:1", "--concurrency", "0"),
        ("scan", "127.0.0.1:1", "--trust", str(tmp_path / "missing.pem")),
    ):
        status, _, err = run(*argv)
        assert status == 2, argv
        assert err.count("certready: error:") == 1, (argv, err)
        assert "Traceback" not in err


def test_expect_issuer_from_a_ca_file(
    tmp_path: Path, ports: dict[str, int], ca: TestCA, other_ca: TestCA
) -> None:
    theirs = tmp_path / "proxy-ca.pem"
    theirs.write_bytes(other_ca.intermediate.cert_pem())
    ours = tmp_path / "our-ca.pem"
    ours.write_bytes(ca.root.cert_pem())
    target = f"127.0.0.1:{ports['complete']}"
    _, out, _ = run("scan", target, "--expect-issuer", str(theirs), "--format", "json")
    assert "tls.unexpected-issuer" in out
    _, out, _ = run("scan", target, "--expect-issuer", str(ours), "--format", "json")
    assert "tls.unexpected-issuer" not in out
    _, out, _ = run("scan", target, "--expect-issuer", "certready test Issuing", "-f", "json")
    assert "tls.unexpected-issuer" not in out


def test_expect_issuer_file_read_like_any_input(
    tmp_path: Path, ports: dict[str, int], ca: TestCA
) -> None:
    """A DER --expect-issuer file works; a file that holds no certificate is one line naming it."""
    target = f"127.0.0.1:{ports['complete']}"
    der = tmp_path / "our-ca.cer"
    der.write_bytes(ca.root.cert.public_bytes(Encoding.DER))
    status, out, _ = run("scan", target, "--expect-issuer", str(der), "--format", "json")
    assert status != 2 and "tls.unexpected-issuer" not in out  # control
    key = tmp_path / "ca.key"
    key.write_bytes(ca.root.key_pem())
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"hello\n")
    for path in (key, bad):
        status, _, err = run("scan", target, "--expect-issuer", str(path))
        assert status == 2 and err.count("certready: error:") == 1 and str(path) in err
        assert "Traceback" not in err


def test_trust_anchor_excuses_a_leaf_issued_by_the_root(tmp_path: Path, ca: TestCA) -> None:
    root = tmp_path / "root.pem"
    root.write_bytes(ca.root.cert_pem())
    with Servers() as s:
        port = s.tls([ca.issue("127.0.0.1", issuer=ca.root)])
        _, out, _ = run("scan", f"127.0.0.1:{port}", "--format", "json")
        assert "tls.intermediate-not-sent" in out
        _, out, _ = run("scan", f"127.0.0.1:{port}", "--trust", str(root), "--format", "json")
        assert "tls.intermediate-not-sent" not in out


def test_text_output_when_piped_has_no_progress_bar(ports: dict[str, int]) -> None:
    _, out, err = run("scan", f"127.0.0.1:{ports['complete']}")
    assert "scanning" not in err
    assert "TLSv1.3" in out


def test_exit_status_rules() -> None:
    from certready.core.model import Report

    def report(*statuses: TargetStatus) -> Report:
        import datetime as dt

        targets = tuple(
            TargetResult(target=str(i), location=f"tls://{i}:443", status=s)
            for i, s in enumerate(statuses)
        )
        return Report("scan", "homecare", dt.datetime.now(dt.UTC), targets)

    assert scan_exit_status(report(TargetStatus.OK), Severity.ERROR) == 0
    assert scan_exit_status(report(TargetStatus.UNREACHABLE), Severity.ERROR) == 3
    assert scan_exit_status(report(TargetStatus.UNREACHABLE), None) == 3
    assert scan_exit_status(report(TargetStatus.OK, TargetStatus.UNREACHABLE), Severity.ERROR) == 1
    assert scan_exit_status(report(TargetStatus.OK, TargetStatus.UNREACHABLE), None) == 0
    assert scan_exit_status(report(TargetStatus.OK, TargetStatus.INPUT_ERROR), None) == 2


def test_own_roots_make_another_issuer_unexpected(
    tmp_path: Path, ports: dict[str, int], ca: TestCA, other_ca: TestCA
) -> None:
    root = tmp_path / "root.pem"
    root.write_bytes(ca.root.cert_pem())
    with Servers() as s:
        proxy = s.tls([other_ca.issue("127.0.0.1"), other_ca.intermediate])
        _, out, _ = run("scan", f"127.0.0.1:{proxy}", "--trust", str(root), "-f", "json")
        assert "tls.unexpected-issuer" in out
    _, out, _ = run("scan", f"127.0.0.1:{ports['complete']}", "--trust", str(root), "-f", "json")
    assert "tls.unexpected-issuer" not in out
    status, out, err = run(
        "scan", f"127.0.0.1:{ports['complete']}", "--trust", str(root), "--fail-on", "warning"
    )
    assert status == 0, out + err


def test_progress_bar_on_a_terminal(ports: dict[str, int]) -> None:
    import io

    from certready.interfaces.cli import main

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), Terminal()
    status = main(
        ["scan", f"127.0.0.1:{ports['complete']}", "--fail-on", "never"], stdout=out, stderr=err
    )
    assert status == 0
    assert "scanning" in err.getvalue()
    assert "TLSv1.3" in out.getvalue()


def test_scan_json_validates_against_the_shipped_schema(ports: dict[str, int]) -> None:
    import jsonschema

    from certready.adapters.reporting.json_report import shipped_schema

    _, out, _ = run(
        "scan",
        f"127.0.0.1:{ports['complete']}",
        f"127.0.0.1:{ports['refused']}",
        "--format",
        "json",
    )
    data = json.loads(out)
    jsonschema.validate(data, shipped_schema())
    assert [t["status"] for t in data["targets"]] == ["ok", "unreachable"]
    assert data["targets"][1]["reason"].startswith("connection refused")


def test_resolve_pins_a_name_to_an_address(ports: dict[str, int]) -> None:
    port = ports["complete"]
    status, out, err = run(
        "scan",
        f"app.example.test:{port}",
        "--resolve",
        f"app.example.test:{port}:127.0.0.1",
        "--format",
        "json",
        "--fail-on",
        "never",
    )
    assert status == 0, err
    (target,) = json.loads(out)["targets"]
    assert target["status"] == "ok"
    assert target["tls"]["sni"] == "app.example.test"
    assert target["tls"]["address"] == f"127.0.0.1:{port}"
    assert target["hosts"] == ["app.example.test"]
    # negative control: the pin is for that port only, so another port is looked up (and fails)
    status, _, err = run(
        "scan",
        "app.example.test:1",
        "--resolve",
        f"app.example.test:{port}:127.0.0.1",
        "--timeout",
        "2",
    )
    assert status == 3
    assert "app.example.test" in err


def test_targets_from_standard_input(ports: dict[str, int]) -> None:
    targets = f"127.0.0.1:{ports['complete']}\nbad:port:x\n".encode()
    status, out, err = run("scan", "--targets-file", "-", "--format", "json", stdin=targets)
    assert status == 2
    assert "stdin:2:" in err
    assert [t["status"] for t in json.loads(out)["targets"]] == ["ok", "input-error"]


def test_report_formats_reach_scan(ports: dict[str, int], tmp_path: Path) -> None:
    """--format sarif/junit/html as on lint: the leaf-only server's finding is in each report."""
    target = f"127.0.0.1:{ports['leaf_only']}"
    status, out, _ = run("scan", target, "--format", "sarif")
    assert status == 1
    results = json.loads(out)["runs"][0]["results"]
    assert "tls.intermediate-not-sent" in {r["ruleId"] for r in results}
    html = tmp_path / "scan.html"
    run("scan", target, "--format", "html", "--output", str(html))
    assert "tls.intermediate-not-sent" in html.read_text("utf-8")
    # negative control: the complete chain's server has no such finding in the same format
    status, out, _ = run(
        "scan", f"127.0.0.1:{ports['complete']}", "--sni", "app.example.test", "-f", "sarif"
    )
    results = json.loads(out)["runs"][0]["results"]
    assert "tls.intermediate-not-sent" not in {r["ruleId"] for r in results}
    status, _, err = run("scan", target, "--format", "pdf")
    assert status == 2 and "pdf" in err
