"""The example deployment: a complete deployment on disk, for ``make demo``, the docs and tests.

A lab CA (:mod:`certready.services.lab`), the install guide's servers (app with its STS
certificate, mobile, Physician Portal, a test app server) issued as PFX files with a password file,
and a manifest describing them with Windows, iOS and Android clients and a proxy. Some certificates
carry the mistakes an audit must catch:

- the mobile certificate lacks the external name devices type (``mobile.sunrise-health.example``);
- the Portal's PFX has no intermediate (the server cannot send it);
- the test app server's certificate is signed with SHA-1;
- the proxy bypass list misses the external name.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from certready.adapters.inputs.passwords import secret_from_file
from certready.adapters.writes import write_new
from certready.core.errors import CertReadyError
from certready.core.model import Role
from certready.services import lab

DOMAIN = "sunrise.example"
EXTERNAL_DOMAIN = "sunrise-health.example"
APP = f"hcappserver.{DOMAIN}"
MOBILE = f"hctabletserver.{DOMAIN}"
MOBILE_EXTERNAL = f"mobile.{EXTERNAL_DOMAIN}"
PORTAL = f"portal.{DOMAIN}"
TEST_APP = f"hctest.{DOMAIN}"
PASSWORD_FILE = "secrets/pfx-password.txt"  # noqa: S105 - a path, not a password


@dataclass(frozen=True, slots=True)
class ExampleServer:
    name: str
    environment: str
    chain: Path
    """PEM leaf + what the server sends (for a loopback TLS server)."""
    key: Path
    fqdn: str


@dataclass(frozen=True, slots=True)
class ExampleDeployment:
    folder: Path
    manifest: Path
    lab_root: Path
    servers: tuple[ExampleServer, ...]


def write_example(
    folder: str | Path, *, endpoints: Mapping[str, str] | None = None, force: bool = False
) -> ExampleDeployment:
    """Write the lab, certificates and ``certready.yaml`` into ``folder``.

    ``endpoints`` (``production/app`` -> ``127.0.0.2:8443``) fills the servers' ``endpoint:`` for
    ``audit --live``; :func:`write_manifest` rewrites the manifest once servers are listening.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    files = lab.init(root / "pki", key_type="p384", force=force)
    secret = f"{secrets.token_urlsafe(18)}\n".encode()
    secret_file = write_new(root / PASSWORD_FILE, secret, mode=0o600, force=True)
    password = secret_from_file(secret_file)
    certs = root / "certs"

    def issue(
        stem: str, hosts: tuple[str, ...], *, role: Role = Role.SSL, defect: str | None = None
    ) -> lab.IssuedFiles:
        options = lab.IssueOptions(
            hosts=hosts, role=role, pfx_password=password, stem=stem, defect=defect, force=force
        )
        try:
            return lab.issue(root / "pki", certs, options)
        except CertReadyError:
            if defect is None:
                raise
            return issue(stem, hosts, role=role)  # e.g. no openssl for the SHA-1 defect

    servers = (
        ("production", "app", issue("app", (APP, f"homecare.{EXTERNAL_DOMAIN}")), APP),
        ("production", "mobile", issue("mobile", (MOBILE,)), MOBILE),
        ("production", "portal", issue("portal", (PORTAL,), defect="no-intermediate"), PORTAL),
        ("test", "app", issue("test-app", (TEST_APP,), defect="sha1"), TEST_APP),
    )
    issue("sts", (), role=Role.STS)
    issue("test-sts", (), role=Role.STS)
    example = ExampleDeployment(
        folder=root,
        manifest=root / "certready.yaml",
        lab_root=files.root_certificate,
        servers=tuple(
            ExampleServer(name, env, issued.chain, issued.key or issued.certificate, fqdn)
            for env, name, issued, fqdn in servers
        ),
    )
    write_manifest(example, endpoints or {})
    return example


def write_manifest(example: ExampleDeployment, endpoints: Mapping[str, str]) -> Path:
    """(Re)write the example's manifest, with ``endpoint:`` for the servers in ``endpoints``."""

    def endpoint(key: str) -> str:
        return f"\n        endpoint: {endpoints[key]}" if key in endpoints else ""

    pw = f"password_file: {PASSWORD_FILE}"
    text = f"""\
# The example deployment certready's demo audits (generated; see certready.interfaces.demo.example).
deployment: Sunrise Home Health (example)
policy: homecare
environments:
  production:
    servers:
      - name: app
        roles: [app, sts]
        fqdn: {APP}
        external_fqdns: [homecare.{EXTERNAL_DOMAIN}]{endpoint("production/app")}
        certificate: certs/app.pfx
        {pw}
        sts_certificate: certs/sts.pfx
        sts_{pw}
      - name: mobile
        roles: [mobile-phone, mobile-tablet]
        fqdn: {MOBILE}
        external_fqdns: [{MOBILE_EXTERNAL}]{endpoint("production/mobile")}
        certificate: certs/mobile.pfx
        {pw}
      - name: portal
        roles: [physician-portal]
        fqdn: {PORTAL}{endpoint("production/portal")}
        certificate: certs/portal.pfx
        {pw}
  test:
    servers:
      - name: app
        roles: [app, sts]
        fqdn: {TEST_APP}{endpoint("test/app")}
        certificate: certs/test-app.pfx
        {pw}
        sts_certificate: certs/test-sts.pfx
        sts_{pw}
trust:
  roots: [pki/{example.lab_root.name}]
clients:
  - {{name: office PCs, platform: windows, connects_to: [{APP}, {PORTAL}]}}
  - {{name: field tablets, platform: ios, connects_to: [{MOBILE_EXTERNAL}]}}
  - {{name: field phones, platform: android, connects_to: [{MOBILE_EXTERNAL}]}}
proxy:
  bypass: "*.{DOMAIN};<local>"
"""
    return write_new(example.manifest, text.encode("utf-8"), mode=0o644, force=True)
