"""A small deployment on disk for end-to-end audit and plan tests (TestCA certificates)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.pki import Issued, TestCA

APP = "hcappserver.sunrise.example"
MOBILE = "hctabletserver.sunrise.example"
EXTERNAL = "mobile.sunrise-health.example"

MANIFEST = """\
deployment: Sunrise Home Health
policy: homecare
environments:
  production:
    servers:
      - name: app
        roles: [app, sts]
        fqdn: {app}
        certificate: certs/app.pem
        sts_certificate: certs/sts.pem
      - name: mobile
        roles: [mobile-phone, mobile-tablet]
        fqdn: {mobile}
        external_fqdns: [{external}]
        certificate: certs/mobile.pem
trust:
  roots: [pki/root.cer]
  intermediates: [pki/issuing.cer]
clients:
  - {{name: office PCs, platform: windows, connects_to: [{app}]}}
  - {{name: field tablets, platform: ios, connects_to: [{external}]}}
  - {{name: field phones, platform: android, connects_to: [{external}]}}
proxy:
  bypass: "*.sunrise.example;<local>"
"""


@dataclass
class Lab:
    root: Path
    manifest: Path


def _write(path: Path, issued: Issued, ca: TestCA) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ca.chain_pem(issued) + issued.key_pem())


def make_lab(tmp: Path, ca: TestCA, *, mobile_external: bool = True) -> Lab:
    """Files and manifest; ``mobile_external=False`` leaves the external name out of the cert."""
    (tmp / "pki").mkdir(parents=True, exist_ok=True)
    (tmp / "pki" / "root.cer").write_bytes(ca.root.cert_pem())
    (tmp / "pki" / "issuing.cer").write_bytes(ca.intermediate.cert_pem())
    _write(tmp / "certs" / "app.pem", ca.issue(APP), ca)
    _write(tmp / "certs" / "sts.pem", ca.issue("sts.sunrise.example"), ca)
    mobile_names = (MOBILE, EXTERNAL) if mobile_external else (MOBILE,)
    _write(tmp / "certs" / "mobile.pem", ca.issue(*mobile_names), ca)
    manifest = tmp / "certready.yaml"
    manifest.write_text(MANIFEST.format(app=APP, mobile=MOBILE, external=EXTERNAL))
    return Lab(tmp, manifest)


def write_pfx(path: Path, issued: Issued, ca: TestCA, password: bytes) -> None:
    """A PKCS#12 with the leaf, its key and the intermediate, as Windows exports it."""
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    data = pkcs12.serialize_key_and_certificates(
        b"app",
        issued.key,  # type: ignore[arg-type]
        issued.cert,
        [ca.intermediate.cert],
        BestAvailableEncryption(password),
    )
    path.write_bytes(data)
