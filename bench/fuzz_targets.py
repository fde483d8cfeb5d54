"""The fuzzing targets of ``bench/fuzz.py`` and their seeds, importable without atheris: the
smoke campaign of the test suite (``tests/qa/test_fuzz_smoke.py``) runs the same targets.

Each target is one input entry point, called with the fuzzer's bytes; it may refuse them with a
:class:`~certready.core.errors.CertReadyError` (a one-line error: the promise), anything else it
raises is a crash. ``bench/fuzz.py`` imports this module under atheris' instrumentation.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

from certready.adapters import profiles
from certready.adapters.inputs import der, keys, load, pem, pkcs7, pkcs12
from certready.adapters.manifest import STARTER, parse_manifest, to_deployment

_BASE = Path(tempfile.mkdtemp(prefix="certready-fuzz-"))
"""An empty folder: a fuzzed profile's ``extends`` is resolved against it, a manifest's paths too."""


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def fuzz_manifest(data: bytes) -> None:
    model, lines = parse_manifest(_text(data), "fuzz.yaml")
    to_deployment(model, lines, _BASE / "fuzz.yaml")


def fuzz_profile(data: bytes) -> None:
    profiles.parse_policy(_text(data), source=str(_BASE / "fuzz.toml"), base_dir=_BASE)


def _password(_source: str) -> bytes:
    return PASSWORD


PASSWORD = b"secret"
"""What the seeds are encrypted with: the fuzzer's mutations get decrypted, not only refused."""


def fuzz_input(data: bytes) -> None:
    load.load_bytes(data, "fuzz", _password)


def fuzz_pem(data: bytes) -> None:
    pem.scan_pem(data)
    pem.load_pem(data, "fuzz.pem", _password)


def fuzz_der(data: bytes) -> None:
    der.load_der(data, "fuzz.der", _password)


def fuzz_pkcs7(data: bytes) -> None:
    pkcs7.load_pkcs7_der(data, "fuzz.p7b")


def fuzz_pkcs12(data: bytes) -> None:
    pkcs12.load_pkcs12(data, "fuzz.pfx", _password)


def fuzz_pkcs8(data: bytes) -> None:
    keys.private_key(data, "fuzz.key", _password, where=None, pem=False)


def fuzz_keys(data: bytes) -> None:
    keys.private_key(data, "fuzz.key", _password, where=None, pem=True)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "manifest": fuzz_manifest,
    "profile": fuzz_profile,
    "input": fuzz_input,
    "pem": fuzz_pem,
    "der": fuzz_der,
    "pkcs7": fuzz_pkcs7,
    "pkcs12": fuzz_pkcs12,
    "pkcs8": fuzz_pkcs8,
    "keys": fuzz_keys,
}


def seeds(target: str) -> Iterator[tuple[str, bytes]]:
    """The inputs a target's corpus starts from: the shipped and tested ones."""
    if target == "manifest":
        from tests.audit.lab import MANIFEST
        from tests.qa.test_hostile_manifests import MANIFEST_CASES, laughs

        yield "starter.yaml", STARTER.encode()
        yield "lab.yaml", MANIFEST.format(app="a.test", mobile="m.test", external="x.test").encode()
        yield "laughs4.yaml", laughs(4).encode()
        for i, (text, _) in enumerate(MANIFEST_CASES.values()):
            yield f"hostile-{i}.yaml", text.encode()
    elif target not in ("manifest", "profile"):
        yield from certificate_seeds(target)
    elif target == "profile":
        folder = resources.files("certready.core.profiles")
        for name in ("homecare", "webpki"):
            yield f"{name}.toml", folder.joinpath(f"{name}.toml").read_bytes()
        yield (
            "extends.toml",
            b'[profile]\nextends = "homecare"\n[rules."key.rsa-size"]\nmin_bits = 3072\n',
        )


def certificate_seeds(target: str) -> Iterator[tuple[str, bytes]]:
    """The test suite's certificate inputs (tests/pki.py, tests/hostile_certs.py and the slow
    inputs of tests/sources/slow_inputs.py), in the shape each target reads."""
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        NoEncryption,
        PrivateFormat,
    )
    from cryptography.hazmat.primitives.serialization import pkcs7 as p7
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12
    from tests import hostile_certs
    from tests.pki import TestCA, new_key
    from tests.sources import slow_inputs

    ca = TestCA()
    leaf = ca.issue("app.example.test")
    chain = [leaf.cert, ca.intermediate.cert, ca.root.cert]
    ec_leaf = ca.issue("m.example.test", key_kind="p256")
    odd = [hostile_certs.empty_rdn(), hostile_certs.long_serial()]
    pems = {
        "leaf.pem": leaf.cert_pem(),
        "chain.pem": ca.chain_pem(leaf),
        "leaf-and-key.pem": leaf.cert_pem() + leaf.key_pem(),
        "leaf-and-encrypted-key.pem": leaf.cert_pem() + leaf.key_pem(PASSWORD),
        "ec-leaf-and-key.pem": ec_leaf.cert_pem() + ec_leaf.key_pem(),
        "pkcs7.pem": p7.serialize_certificates(chain, Encoding.PEM),
        "odd.pem": b"".join(o.cert_pem() for o in odd),
        "begin-lines.pem": slow_inputs.unterminated_begins(200),
        "skipped-blocks.pem": slow_inputs.skipped_blocks(leaf, 100),
    }
    ders = {
        "leaf.der": leaf.cert.public_bytes(Encoding.DER),
        "empty-rdn.der": odd[0].cert.public_bytes(Encoding.DER),
        "long-serial.der": odd[1].cert.public_bytes(Encoding.DER),
    }
    pkcs7s = {
        "chain.p7b": p7.serialize_certificates(chain, Encoding.DER),
        "odd.p7b": p7.serialize_certificates([o.cert for o in odd], Encoding.DER),
    }
    modern = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(p12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(PASSWORD)
    )
    legacy = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2000)
        .key_cert_algorithm(p12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())  # noqa: S303 - what Windows Server 2016 and older write
        .build(PASSWORD)
    )
    pfxs = {
        "modern.pfx": p12.serialize_key_and_certificates(
            b"app", leaf.key, leaf.cert, chain[1:], modern
        ),
        "legacy.pfx": p12.serialize_key_and_certificates(b"app", leaf.key, leaf.cert, None, legacy),
        "plain.pfx": p12.serialize_key_and_certificates(
            None, ec_leaf.key, ec_leaf.cert, None, NoEncryption()
        ),
        "mac-2^31.pfx": slow_inputs.pfx_mac_iterations(leaf),
    }
    encrypted = BestAvailableEncryption(PASSWORD)
    pkcs8s = {
        "rsa.der": leaf.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, encrypted),
        "ec.der": ec_leaf.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, encrypted),
        "plain.der": ec_leaf.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()),
        "2^31.der": slow_inputs.pkcs8_iterations(pem=False),
        "2^32+1.der": slow_inputs.pkcs8_iterations(2**32 + 1, pem=False),
    }
    rsa = new_key("rsa2048")
    key_pems = {
        "pkcs8.pem": leaf.key_pem(),
        "pkcs8-encrypted.pem": leaf.key_pem(PASSWORD),
        "pkcs1.pem": rsa.private_bytes(
            Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption()
        ),
        "pkcs1-encrypted.pem": rsa.private_bytes(
            Encoding.PEM, PrivateFormat.TraditionalOpenSSL, encrypted
        ),
        "sec1.pem": ec_leaf.key.private_bytes(
            Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption()
        ),
        "2^31.pem": slow_inputs.pkcs8_iterations(),
    }
    every = {**pems, **ders, **pkcs7s, **pfxs, **pkcs8s, **key_pems}
    chosen = {
        "input": {
            **every,
            "leaf.b64": base64.encodebytes(ders["leaf.der"]),
            "chain.utf16.pem": pems["chain.pem"].decode().encode("utf-16"),
        },
        "pem": {**pems, **key_pems},
        "der": {**ders, **pkcs7s, **pfxs, **pkcs8s},
        "pkcs7": pkcs7s,
        "pkcs12": pfxs,
        "pkcs8": pkcs8s,
        "keys": key_pems,
    }[target]
    yield from chosen.items()
