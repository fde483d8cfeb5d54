"""Bidi overrides and other invisible characters in certificate fields are shown, not obeyed.

``CN=\u202emoc.elpmaxe.ppa`` reads as ``app.example.com`` in a browser or terminal that obeys the
override (issue 14). Control: plain non-ASCII (``é``) is shown as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certready.adapters.reporting.visible import visible
from tests.cli import run

RLO = "\u202e"
HIDDEN = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff"


def _self_signed(tmp_path: Path, common_name: str, organization: str) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("app.example.test")]), False)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_visible_writes_every_bidi_and_zero_width_character_as_a_code_point() -> None:
    shown = visible(f"a{HIDDEN}b")
    assert shown.startswith("a<U+202A><U+202B><U+202C><U+202D><U+202E><U+2066>")
    assert shown.endswith("<U+2069><U+200B><U+FEFF>b")
    assert visible("x\x1b[31my\x00") == "x<U+001B>[31my<U+0000>"  # terminal escapes too


def test_control_printable_text_is_unchanged() -> None:
    for text in ("Café Ünïcode", "日本語", "app.example.com", "tab\tand\nnewline", "a b"):
        assert visible(text) == text


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("html", "&lt;U+202E&gt;moc.elpmaxe.ppa"),
        ("markdown", "&lt;U+202E&gt;moc"),
        ("text", "<U+202E>moc"),
    ],
)
def test_a_bidi_override_in_a_subject_is_shown(fmt: str, shown: str, tmp_path: Path) -> None:
    cert = _self_signed(tmp_path, f"{RLO}moc.elpmaxe.ppa", "Café Clinic")
    _, out, err = run("lint", str(cert), "-f", fmt, "--fail-on", "never")
    assert RLO not in out, err
    assert shown in out
    assert "Café Clinic" in out or fmt != "html"  # control: é is not escaped


def test_show_writes_the_override_visibly(tmp_path: Path) -> None:
    cert = _self_signed(tmp_path, f"{RLO}moc.elpmaxe.ppa", "Café Clinic")
    _, out, _ = run("show", str(cert))
    assert RLO not in out and "<U+202E>moc.elpmaxe.ppa" in out
    assert "Café Clinic" in out


def test_control_a_plain_subject_has_no_code_points(tmp_path: Path) -> None:
    cert = _self_signed(tmp_path, "app.example.test", "Café Clinic")
    _, out, _ = run("lint", str(cert), "-f", "html", "--fail-on", "never")
    assert "U+" not in out and "Café Clinic" in out


def _junit_texts(out: str) -> list[str]:
    """Every human-readable text of a JUnit report: messages and element bodies."""
    root = ET.fromstring(out)  # noqa: S314 - our own output
    texts: list[str] = []
    for element in root.iter():
        if element.tag in ("failure", "error", "skipped", "system-out"):
            texts += [element.get("message") or "", element.text or ""]
    return texts


def test_junit_messages_show_the_override(tmp_path: Path) -> None:
    cert = _self_signed(tmp_path, f"{RLO}moc.elpmaxe.ppa", "Café Clinic")
    _, out, err = run("lint", str(cert), "-f", "junit")
    assert RLO not in out, err
    texts = _junit_texts(out)
    failures = [t for t in texts if "<U+202E>moc.elpmaxe.ppa is self-signed" in t]
    assert len(failures) == 2  # the <failure>'s message and its body
    # control: é is not escaped, and a plain subject has no code point
    plain = _self_signed(tmp_path, "app.example.test", "Café Clinic")
    _, out, _ = run("lint", str(plain), "-f", "junit")
    assert "U+" not in out and any(
        "app.example.test is self-signed" in t for t in _junit_texts(out)
    )


def test_sarif_messages_show_the_override_machine_fields_keep_it(tmp_path: Path) -> None:
    cert = _self_signed(tmp_path, f"{RLO}moc.elpmaxe.ppa", "Café Clinic")
    _, out, _ = run("lint", str(cert), "-f", "sarif", "--fail-on", "never")
    [run_] = json.loads(out)["runs"]
    results = run_["results"]
    [self_signed] = [r for r in results if "self-signed" in r["message"]["text"]]
    assert self_signed["message"]["text"].startswith("<U+202E>moc.elpmaxe.ppa is self-signed")
    for result in results:
        assert RLO not in result["message"]["text"] + result["properties"]["remediation"]
        assert all(RLO not in loc["message"]["text"] for loc in result["locations"])
        # the machine field holds the true subject
        assert result["properties"]["subject"] == f"O=Café Clinic,CN={RLO}moc.elpmaxe.ppa"
    # control: the same certificate without the override gives the same message, unchanged
    plain = _self_signed(tmp_path, "moc.elpmaxe.ppa", "Café Clinic")
    _, out, _ = run("lint", str(plain), "-f", "sarif", "--fail-on", "never")
    texts = [r["message"]["text"] for r in json.loads(out)["runs"][0]["results"]]
    assert "moc.elpmaxe.ppa is self-signed: no CA vouches for it" in texts and "U+" not in out


def test_json_messages_show_the_override_values_keep_it(tmp_path: Path) -> None:
    cert = _self_signed(tmp_path, f"{RLO}moc.elpmaxe.ppa", "Café Clinic")
    _, out, _ = run("lint", str(cert), "-f", "json", "--fail-on", "never")
    report = json.loads(out)
    [target] = report["targets"]
    messages = [f["message"] for f in target["findings"]]
    assert "<U+202E>moc.elpmaxe.ppa is self-signed: no CA vouches for it" in messages
    assert all(RLO not in f["message"] + f["remediation"] for f in target["findings"])
    # the values a program reads keep the true subject
    assert {f["subject"] for f in target["findings"]} == {f"O=Café Clinic,CN={RLO}moc.elpmaxe.ppa"}
    [facts] = report["facts"].values()
    assert facts["subject"] == f"O=Café Clinic,CN={RLO}moc.elpmaxe.ppa"


def test_show_json_messages_show_the_override_and_controls_values_keep_them(
    tmp_path: Path,
) -> None:
    cert = _self_signed(tmp_path, f"{RLO}moc.elpmaxe.ppa\x07", "Café Clinic")
    _, out, _ = run("show", str(cert), "--format", "json")
    [item] = json.loads(out)
    messages = [f["message"] for f in item["chain_findings"]]
    assert "<U+202E>moc.elpmaxe.ppa<U+0007> is self-signed: no CA vouches for it" in messages
    assert all(RLO not in m and "\x07" not in m for m in messages)
    # the certificate's fields, which a program reads, keep the true subject
    [certificate] = item["certificates"]
    assert certificate["subject"] == f"O=Café Clinic,CN={RLO}moc.elpmaxe.ppa\x07"
    # control: without the override and the control, the same message, no code point
    plain = _self_signed(tmp_path, "moc.elpmaxe.ppa", "Café Clinic")
    _, out, _ = run("show", str(plain), "--format", "json")
    [item] = json.loads(out)
    assert "moc.elpmaxe.ppa is self-signed: no CA vouches for it" in [
        f["message"] for f in item["chain_findings"]
    ]
    assert "U+" not in out
    assert item["certificates"][0]["subject"] == "O=Café Clinic,CN=moc.elpmaxe.ppa"
