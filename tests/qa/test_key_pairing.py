"""lint app.pfx app.key: the key file is the PFX's own key, not "a private key alone"."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.cli import run
from tests.pki import TestCA, new_key


def test_the_pfx_key_given_again_is_not_an_error(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue("app.example.test")
    pfx = tmp_path / "app.pfx"
    pfx.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"app", leaf.key, leaf.cert, [ca.intermediate.cert], serialization.NoEncryption()
        )
    )
    key = tmp_path / "app.key"
    key.write_bytes(leaf.key_pem())
    root = ca.root_file(tmp_path)
    status, out, err = run("lint", str(pfx), str(key), "--trust", str(root))
    assert status == 0, out + err
    assert "a private key alone" not in out + err
    # negative control: a key of no certificate given is still an input error
    other = tmp_path / "other.key"
    other.write_bytes(
        new_key("p256", fresh=True).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    status, _, err = run("lint", str(pfx), str(other), "--trust", str(root))
    assert status == 2 and f"{other}: a private key alone" in err
