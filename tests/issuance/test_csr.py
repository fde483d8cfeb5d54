from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certready.adapters.issuance.csr import load_csr
from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.issuance.support import assert_no_secret, needs_openssl, require_rule

HOSTS = ("app.example.com", "mobile.example.com")


def _csr(tmp_path: Path, *extra: str, hosts: tuple[str, ...] = HOSTS) -> tuple[int, str, str]:
    args = ["csr", "--out", str(tmp_path)]
    for h in hosts:
        args += ["--host", h]
    return run(*args, *extra)


def _request_extensions(csr: x509.CertificateSigningRequest) -> dict[str, object]:
    exts = csr.extensions
    san = exts.get_extension_for_class(x509.SubjectAlternativeName).value
    ku = exts.get_extension_for_class(x509.KeyUsage)
    eku = exts.get_extension_for_class(x509.ExtendedKeyUsage).value
    return {
        "dns": sorted(san.get_values_for_type(x509.DNSName)),
        "ip": sorted(str(a) for a in san.get_values_for_type(x509.IPAddress)),
        "ku": (ku.critical, ku.value.digital_signature, ku.value.key_encipherment),
        "eku": sorted(o.dotted_string for o in eku),
    }


def test_rsa_request_has_every_name_a0_and_both_ekus(tmp_path: Path) -> None:
    status, out, err = _csr(tmp_path, "--host", "10.0.0.5")
    assert status == ExitStatus.OK, err
    key, csr_path = tmp_path / "app.example.com.key", tmp_path / "app.example.com.csr"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert {p.name for p in tmp_path.iterdir()} == {
        "app.example.com.key",
        "app.example.com.csr",
        "app.example.com.inf",
        "app.example.com.cnf",
    }
    csr = load_csr(csr_path)
    assert csr.subject.rfc4514_string() == "CN=app.example.com"
    assert _request_extensions(csr) == {
        "dns": sorted(HOSTS),
        "ip": ["10.0.0.5"],
        "ku": (True, True, True),
        "eku": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
    }
    private = serialization.load_pem_private_key(key.read_bytes(), None)
    assert private.public_key() == csr.public_key()
    assert "Digital Signature, Key Encipherment (a0)" in out
    assert_no_secret(out + err, key.read_text().splitlines()[1])


def test_ec_request_has_digital_signature_only(tmp_path: Path) -> None:
    status, _, err = _csr(tmp_path, "--key-type", "p384")
    assert status == ExitStatus.OK, err
    csr = load_csr(tmp_path / "app.example.com.csr")
    assert _request_extensions(csr)["ku"] == (True, True, False)  # RFC 8813: no keyEncipherment
    inf = (tmp_path / "app.example.com.inf").read_text()
    assert "KeyAlgorithm = ECDSA_P384" in inf and "KeyUsage = 0x80" in inf
    cnf = (tmp_path / "app.example.com.cnf").read_text()
    assert "keyUsage = critical, digitalSignature\n" in cnf


@needs_openssl
@pytest.mark.openssl
def test_openssl_req_verify_shows_sans_and_usages(tmp_path: Path) -> None:
    assert _csr(tmp_path)[0] == ExitStatus.OK
    shown = subprocess.run(
        [
            "openssl",
            "req",
            "-verify",
            "-noout",
            "-text",
            "-in",
            str(tmp_path / "app.example.com.csr"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    text = shown.stdout + shown.stderr
    assert "verify OK" in text
    assert "DNS:app.example.com, DNS:mobile.example.com" in text
    assert "Digital Signature, Key Encipherment" in text
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in text


@needs_openssl
@pytest.mark.openssl
@pytest.mark.parametrize("key_type", ["rsa2048", "p256"])
def test_openssl_config_requests_the_same_content(tmp_path: Path, key_type: str) -> None:
    assert _csr(tmp_path, "--key-type", key_type, "--host", "192.0.2.7")[0] == ExitStatus.OK
    ours = load_csr(tmp_path / "app.example.com.csr")
    newkey = (
        ["rsa:2048"] if key_type == "rsa2048" else ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    )
    theirs_path = tmp_path / "openssl.csr"
    subprocess.run(
        [
            *("openssl", "req", "-new", "-newkey", *newkey, "-noenc"),
            *("-keyout", str(tmp_path / "openssl.key"), "-out", str(theirs_path)),
            *("-config", str(tmp_path / "app.example.com.cnf")),
        ],
        capture_output=True,
        check=True,
    )
    theirs = load_csr(theirs_path)
    assert _request_extensions(theirs) == _request_extensions(ours)
    assert theirs.subject == ours.subject


def test_certreq_inf_has_the_same_content(tmp_path: Path) -> None:
    assert _csr(tmp_path, "--host", "10.1.2.3")[0] == ExitStatus.OK
    inf = (tmp_path / "app.example.com.inf").read_text()
    assert 'Subject = "CN=""app.example.com"""' in inf  # CertStrToName quoting
    assert "KeyAlgorithm = RSA" in inf and "KeyLength = 2048" in inf
    assert "KeyUsage = 0xa0" in inf
    assert "OID = 1.3.6.1.5.5.7.3.1" in inf and "OID = 1.3.6.1.5.5.7.3.2" in inf
    for line in ("dns=app.example.com&", "dns=mobile.example.com&", "ipaddress=10.1.2.3&"):
        assert f'_continue_ = "{line}"' in inf
    assert b"\r\n" in (tmp_path / "app.example.com.inf").read_bytes()  # CRLF, as Windows writes


def test_passphrase_from_env_encrypts_key_and_is_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSR_PASS", "s3cret-Passphrase")
    status, out, err = _csr(tmp_path, "--passphrase-env", "CSR_PASS")
    assert status == ExitStatus.OK, err
    key = tmp_path / "app.example.com.key"
    assert key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    serialization.load_pem_private_key(key.read_bytes(), b"s3cret-Passphrase")
    assert "encrypted" in out
    assert_no_secret(out + err, "s3cret-Passphrase")


def test_passphrase_from_file_uses_its_first_line(tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("from-a-file\nignored\n")
    out_dir = tmp_path / "out"
    status, out, err = _csr(out_dir, "--passphrase-file", str(secret))
    assert status == ExitStatus.OK, err
    serialization.load_pem_private_key(
        (out_dir / "app.example.com.key").read_bytes(), b"from-a-file"
    )
    assert_no_secret(out + err, "from-a-file")


def test_without_passphrase_the_key_is_plain(tmp_path: Path) -> None:
    assert _csr(tmp_path)[0] == ExitStatus.OK
    key = (tmp_path / "app.example.com.key").read_bytes()
    assert key.startswith(b"-----BEGIN PRIVATE KEY-----")


def test_missing_passphrase_variable_is_a_one_line_error(tmp_path: Path) -> None:
    status, _, err = _csr(tmp_path, "--passphrase-env", "CERTREADY_NO_SUCH_VARIABLE")
    assert status == ExitStatus.USAGE
    assert "CERTREADY_NO_SUCH_VARIABLE" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_a_key_without_force(tmp_path: Path) -> None:
    assert _csr(tmp_path)[0] == ExitStatus.OK
    key = tmp_path / "app.example.com.key"
    before = key.read_bytes()
    status, _, err = _csr(tmp_path)
    assert status == ExitStatus.USAGE
    assert "already exists" in err and "--force" in err and "Traceback" not in err
    assert key.read_bytes() == before
    status, _, err = _csr(tmp_path, "--force")
    assert status == ExitStatus.OK, err
    assert key.read_bytes() != before
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_refuses_a_key_to_stdout(tmp_path: Path) -> None:
    status, out, err = run("csr", "--host", "app.example.com", "--out", "-")
    assert status == ExitStatus.USAGE
    assert "standard output" in err
    assert_no_secret(out + err)


def test_wildcard_request_file_names(tmp_path: Path) -> None:
    status, _, err = _csr(tmp_path, hosts=("*.example.com",))
    assert status == ExitStatus.OK, err
    csr = load_csr(tmp_path / "wildcard.example.com.csr")
    assert _request_extensions(csr)["dns"] == ["*.example.com"]


def test_invalid_host_is_a_usage_error(tmp_path: Path) -> None:
    status, _, err = _csr(tmp_path, hosts=("bad..name",))
    assert status == ExitStatus.USAGE
    assert "bad..name" in err


def test_a_request_the_profile_rejects_is_refused(tmp_path: Path) -> None:
    require_rule("key.rsa-size")
    profile = tmp_path / "strict.toml"
    profile.write_text(
        '[profile]\nname = "strict"\nextends = "homecare"\n\n[rules."key.rsa-size"]\nmin_bits = 3072\n'
    )
    out_dir = tmp_path / "out"
    status, _, err = _csr(out_dir, "--profile", str(profile))
    assert status == ExitStatus.USAGE
    assert "key.rsa-size" in err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []
    # negative control: a key the profile accepts
    status, _, err = _csr(out_dir, "--profile", str(profile), "--key-type", "rsa3072")
    assert status == ExitStatus.OK, err


def test_the_profile_decides_the_eku_request(tmp_path: Path) -> None:
    status, out, err = _csr(tmp_path / "web", "--profile", "webpki")
    assert status == ExitStatus.OK, err
    web = load_csr(tmp_path / "web" / "app.example.com.csr")
    assert _request_extensions(web)["eku"] == ["1.3.6.1.5.5.7.3.1"]  # BR: serverAuth only
    assert _request_extensions(web)["ku"] == (True, True, True)  # RSA keeps a0
    assert "Client Authentication" not in out
    inf = (tmp_path / "web" / "app.example.com.inf").read_text()
    assert "1.3.6.1.5.5.7.3.2" not in inf
    cnf = (tmp_path / "web" / "app.example.com.cnf").read_text()
    assert "extendedKeyUsage = serverAuth\n" in cnf
    # negative control: the homecare profile asks for clientAuth too
    assert _csr(tmp_path / "home")[0] == ExitStatus.OK
    home = load_csr(tmp_path / "home" / "app.example.com.csr")
    assert _request_extensions(home)["eku"] == ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]


@pytest.mark.parametrize(
    ("host", "rule_id"),
    [("*.co.uk", "names.wildcard-public-suffix"), ("*.*.example.com", "names.wildcard-invalid")],
)
def test_a_name_the_profile_rejects_is_refused(tmp_path: Path, host: str, rule_id: str) -> None:
    require_rule(rule_id)
    status, _, err = _csr(tmp_path / "bad", hosts=(host,))
    assert status == ExitStatus.USAGE and rule_id in err
    assert not (tmp_path / "bad").exists()
    # negative control: a valid wildcard is accepted
    assert _csr(tmp_path / "good", hosts=("*.example.co.uk",))[0] == ExitStatus.OK


def _parse_inf_subject(inf: str) -> list[tuple[str, str]]:
    """The Subject line read back the way certreq does: the INF string (``""`` -> ``"``), then
    CertStrToName (``,``-separated ``KEY=VALUE``; a quoted value keeps commas, ``""`` -> ``"``)."""
    line = next(x for x in inf.splitlines() if x.startswith("Subject = "))
    raw = line.removeprefix("Subject = ")
    assert raw.startswith('"') and raw.endswith('"')
    text = raw[1:-1].replace('""', '"')
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        key = text[i:].partition("=")[0]
        i += len(key) + 1
        assert text[i] == '"', text[i:]
        j, value = i + 1, ""
        while True:
            if text[j] == '"' and text[j + 1 : j + 2] == '"':
                value, j = value + '"', j + 2
            elif text[j] == '"':
                break
            else:
                value, j = value + text[j], j + 1
        out.append((key.strip(), value))
        i = j + 1
        while i < len(text) and text[i] in ", ":
            i += 1
    return out


def test_inf_subject_parses_back_with_comma_quote_and_accents(tmp_path: Path) -> None:
    org = 'Clínica O\'Brien, "Süd" + Co'
    status, out, err = _csr(tmp_path, "--org", org)
    assert status == ExitStatus.OK, err
    data = (tmp_path / "app.example.com.inf").read_bytes()
    assert data.startswith(b"\xff\xfe")  # UTF-16 with BOM: certreq keeps the accents
    inf = data.decode("utf-16")
    assert _parse_inf_subject(inf) == [("CN", "app.example.com"), ("O", org)]
    assert "certreq -accept" in out and "certready pfx" in out and "take one route" in out
    # negative control: the unquoted form splits the organisation at its comma
    naive = 'Subject = "CN=app.example.com, O=Clínica O\'Brien, ""Süd"""'
    pieces = naive.removeprefix('Subject = "')[:-1].replace('""', '"').split(", ")
    assert len(pieces) == 3
    # the OpenSSL config names the same organisation
    subprocess.run(
        ["openssl", "req", "-new", "-newkey", "rsa:2048", "-noenc",
         "-keyout", str(tmp_path / "o.key"), "-out", str(tmp_path / "o.csr"),
         "-config", str(tmp_path / "app.example.com.cnf")],
        capture_output=True, check=True,
    )  # fmt: skip
    theirs = load_csr(tmp_path / "o.csr")
    assert theirs.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == org
