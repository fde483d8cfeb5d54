"""Each CA path verified once per run: leaves under an intermediate already verified are checked
against it alone, with exactly the verdicts of the full validation (compared with the shortcut
switched off), and anything the shortcut refuses is validated in full."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509

from certready.adapters.profiles import load_policy
from certready.core.model import Report
from certready.services import ca_paths
from certready.services.chain import make_chain_options
from certready.services.lint import LintOptions, lint
from tests.pki import NOW, TestCA, build, general_names, new_key

POLICY = load_policy("homecare")


def forged(ca: TestCA, name: str) -> bytes:
    """A leaf naming the intermediate as issuer, signed by another key."""
    key = new_key()
    cert = build(
        subject=x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]),
        issuer=ca.intermediate.cert.subject,
        public_key=key.public_key(),
        signing_key=new_key("p256", fresh=True),
        ca=False,
        sans=general_names([name]),
        issuer_key_for_aki=ca.intermediate.key.public_key(),
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.PEM) + ca.intermediate.cert_pem()


def batch(tmp_path: Path, ca: TestCA) -> tuple[list[str], Path]:
    files = []
    for i in range(4):
        path = tmp_path / f"a{i}.pem"
        path.write_bytes(ca.chain_pem(ca.issue(f"host{i}.example.com")))
        files.append(str(path))
    expired = ca.issue(
        "expired.example.com",
        not_before=NOW - dt.timedelta(days=400),
        not_after=NOW - dt.timedelta(days=10),
    )
    (tmp_path / "b-expired.pem").write_bytes(ca.chain_pem(expired))
    (tmp_path / "c-forged.pem").write_bytes(forged(ca, "forged.example.com"))
    (tmp_path / "d-last.pem").write_bytes(ca.chain_pem(ca.issue("last.example.com")))
    files += [str(tmp_path / n) for n in ("b-expired.pem", "c-forged.pem", "d-last.pem")]
    root = tmp_path / "root.pem"
    root.write_bytes(ca.root.cert_pem())
    return files, root


def run(files: list[str], root: Path, host: str | None = None) -> Report:
    chain = make_chain_options([str(root)])
    hosts = (host,) if host else ()
    return lint(files, LintOptions(policy=POLICY, chain=chain, hosts=hosts, now=NOW))


def comparable(report: Report) -> list[object]:
    return [
        (t.target, t.status, t.path, sorted((f.rule_id, f.message) for f in t.findings))
        for t in report.targets
    ]


@pytest.mark.parametrize("host", [None, "host2.example.com"])
def test_verdicts_equal_the_full_validation(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch, host: str | None
) -> None:
    files, root = batch(tmp_path, ca)
    full_calls: list[int] = []
    real = ca_paths.verify_path

    def counting(
        leaf: x509.Certificate, intermediates: list[x509.Certificate], *a: object, **k: object
    ) -> object:
        if intermediates:
            full_calls.append(1)
        return real(leaf, intermediates, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(ca_paths, "verify_path", counting)
    fast = run(files, root, host)
    shortcut_full = len(full_calls)
    full_calls.clear()
    monkeypatch.setattr(ca_paths, "_key", lambda *a, **k: (None, None))
    slow = run(files, root, host)
    assert comparable(fast) == comparable(slow)
    assert len(full_calls) == len(files)  # every leaf validated in full without the shortcut
    # with it: the first leaf in full, then only what the shortcut refused (expired, forged);
    # with a --host only one leaf carries, every other leaf fails the shortcut and is validated
    # in full (keeping the verifier's own reason): nothing saved, nothing changed
    assert shortcut_full == (1 + 2 if host is None else len(files))
    by_name = {Path(t.target).name: t for t in fast.targets}
    assert by_name["c-forged.pem"].path == () or len(by_name["c-forged.pem"].path) < 3
    assert len(by_name["a1.pem"].path) == 3 and len(by_name["d-last.pem"].path) == 3


def test_the_path_names_each_targets_own_intermediate(tmp_path: Path, ca: TestCA) -> None:
    files, root = batch(tmp_path, ca)
    report = run(files, root)
    for target in report.targets:
        if len(target.path) == 3:
            assert str(target.path[1].origin).startswith(f"file:{target.target}")
