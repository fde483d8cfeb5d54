"""Trust store loaders: Mozilla, files and folders, Linux, macOS and Windows (with fakes)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from certready.adapters.trust import TrustStore, load_mozilla, parse_trust
from certready.adapters.trust.system import load_linux, load_macos, load_system, load_windows
from certready.core.errors import InputError
from certready.core.location import SYSTEM, FileLocation, TrustKind
from tests.pki import TestCA


def der(cert: Any) -> bytes:
    return bytes(cert.public_bytes(serialization.Encoding.DER))


def test_mozilla_store_is_certifi_and_labelled() -> None:
    store = load_mozilla()
    assert str(store.origin) == "trust:mozilla" and store.kind is TrustKind.PUBLIC_PROGRAM
    assert len(store) > 100
    assert store.intermediates == ()


def test_file_and_folder_stores(tmp_path: Path, ca: TestCA, other_ca: TestCA) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.root.cert_pem() + other_ca.root.cert_pem())
    (store,) = parse_trust([str(roots)])
    assert str(store.origin) == f"trust:file:{roots}" and store.kind is TrustKind.FILE
    assert store.anchors == (ca.root.cert, other_ca.root.cert)
    folder = tmp_path / "anchors"
    folder.mkdir()
    (folder / "a.crt").write_bytes(der(ca.root.cert))
    (folder / "b.pem").write_bytes(other_ca.root.cert_pem())
    (folder / "notes.txt").write_text("not a certificate")
    (dir_store,) = parse_trust([str(folder)])
    assert str(dir_store.origin) == f"trust:dir:{folder}"
    assert dir_store.kind is TrustKind.DIRECTORY
    assert set(dir_store.anchors) == {ca.root.cert, other_ca.root.cert}


def test_combined_and_repeated_specs(tmp_path: Path, ca: TestCA) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.root.cert_pem())
    stores = parse_trust([f"mozilla,{roots}", "mozilla"])
    assert [str(s.origin) for s in stores] == ["trust:mozilla", f"trust:file:{roots}"]
    assert [s.kind for s in parse_trust(None)] == [TrustKind.PUBLIC_PROGRAM]


def test_bad_trust_file_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        parse_trust([str(tmp_path / "missing.pem")])
    junk = tmp_path / "junk.pem"
    junk.write_text("hello")
    with pytest.raises(InputError, match="holds no certificate") as info:
        parse_trust([str(junk)])
    assert str(junk) in str(info.value)


def test_linux_bundle_then_folder(tmp_path: Path, ca: TestCA, other_ca: TestCA) -> None:
    bundle = tmp_path / "ca-certificates.crt"
    bundle.write_bytes(ca.root.cert_pem())
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "x.pem").write_bytes(other_ca.root.cert_pem())
    assert load_linux([str(tmp_path / "none"), str(bundle)], [str(folder)]).anchors == (
        ca.root.cert,
    )
    assert load_linux([str(tmp_path / "none")], [str(folder)]).anchors == (other_ca.root.cert,)
    with pytest.raises(InputError):
        load_linux([str(tmp_path / "none")], [str(tmp_path / "nodir")])


def test_system_store_on_this_linux_machine() -> None:
    store = load_system("linux")
    assert store.origin == SYSTEM and len(store) > 0


def test_macos_reads_both_keychains_with_security_tool(ca: TestCA, other_ca: TestCA) -> None:
    calls: list[list[str]] = []
    outputs = {
        "/System/Library/Keychains/SystemRootCertificates.keychain": ca.root.cert_pem(),
        "/Library/Keychains/System.keychain": other_ca.root.cert_pem() + ca.root.cert_pem(),
    }

    def fake_run(argv: Sequence[str]) -> bytes:
        calls.append(list(argv))
        return outputs[argv[-1]]

    store = load_macos(fake_run)
    assert calls[0][:4] == ["security", "find-certificate", "-a", "-p"]
    assert store.anchors == (ca.root.cert, other_ca.root.cert)

    def failing(argv: Sequence[str]) -> bytes:
        raise OSError("no security tool")

    with pytest.raises(InputError):
        load_macos(failing)


def test_windows_root_anchors_and_ca_intermediates(ca: TestCA, other_ca: TestCA) -> None:
    server_auth = "1.3.6.1.5.5.7.3.1"
    stores: dict[str, list[tuple[bytes, str, Any]]] = {
        "ROOT": [
            (der(ca.root.cert), "x509_asn", True),
            (der(other_ca.root.cert), "x509_asn", {"1.3.6.1.5.5.7.3.3"}),  # code signing only
            (b"\x30\x03garbage", "x509_asn", True),
            (b"pkcs7", "pkcs_7_asn", True),
        ],
        "CA": [(der(ca.intermediate.cert), "x509_asn", {server_auth})],
    }
    store = load_windows(lambda name: stores[name])
    assert isinstance(store, TrustStore)
    assert store.anchors == (ca.root.cert,)
    assert store.intermediates == (ca.intermediate.cert,)
    # the negative control: trusted for serverAuth explicitly
    stores["ROOT"][1] = (der(other_ca.root.cert), "x509_asn", {server_auth})
    assert load_windows(lambda name: stores[name]).anchors == (ca.root.cert, other_ca.root.cert)
    with pytest.raises(InputError):
        load_windows(lambda name: [])


def test_windows_ca_store_completes_a_chain(ca: TestCA) -> None:
    """Windows clients build through their CA store: intermediates there are not anchors."""
    from certready.adapters.inputs import LoadedCertificate
    from certready.adapters.profiles import load_policy
    from certready.services.chain import ChainOptions, analyse_chain

    store = TrustStore(SYSTEM, (ca.root.cert,), (ca.intermediate.cert,))
    leaf = ca.issue("app.example.test")
    loaded = LoadedCertificate(leaf.cert, FileLocation("app.pem", 0))
    options = ChainOptions(trust=(store,), public=store)
    result = analyse_chain(loaded, [loaded], options, load_policy("homecare"))
    assert result.valid and [str(e.origin) for e in result.path][1:] == ["trust:system"] * 2
    only_inter = TrustStore(SYSTEM, (), (ca.intermediate.cert,))
    bad = analyse_chain(
        loaded,
        [loaded],
        ChainOptions(trust=(only_inter,), public=only_inter),
        load_policy("homecare"),
    )
    assert not bad.valid
