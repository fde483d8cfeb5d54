"""Builders for topology tests: servers, clients and observations without touching the disk; the
deployment rules run over them through the engine, as the audit runs them."""

from __future__ import annotations

from certready.adapters.profiles import load_policy
from certready.core.deployment import (
    CertificateRef,
    ClientSpec,
    Deployment,
    DeploymentContext,
    Platform,
    ServerObservation,
    ServerRole,
    ServerSpec,
    Topology,
)
from certready.core.engine import evaluate
from certready.core.facts import extract_facts
from certready.core.model import CertFacts, Finding, KeyPairing
from tests.pki import Issued

POLICY = load_policy("homecare")

APP = frozenset({ServerRole.APP, ServerRole.STS})
MOBILE = frozenset({ServerRole.MOBILE_PHONE, ServerRole.MOBILE_TABLET})
PORTAL = frozenset({ServerRole.PHYSICIAN_PORTAL})


def facts(issued: Issued) -> CertFacts:
    return extract_facts(issued.cert)


def server(
    name: str,
    fqdn: str,
    roles: frozenset[ServerRole] = APP,
    *,
    external: tuple[str, ...] = (),
    env: str = "production",
    cert: bool = True,
    sts: bool = True,
) -> ServerSpec:
    return ServerSpec(
        environment=env,
        name=name,
        roles=roles,
        fqdn=fqdn,
        external_fqdns=external,
        certificate=CertificateRef(f"certs/{env}-{name}.pfx", location=f"manifest:m.yaml:{name}")
        if cert
        else None,
        sts_certificate=CertificateRef(f"certs/{env}-{name}-sts.pfx")
        if sts and ServerRole.APP in roles
        else None,
        location=f"manifest:m.yaml:{env}/{name}",
    )


def seen(
    leaf: CertFacts | None,
    *,
    key: KeyPairing = KeyPairing.MATCHES,
    sts: CertFacts | None = None,
    sts_key: KeyPairing = KeyPairing.MATCHES,
    served: CertFacts | None = None,
) -> ServerObservation:
    return ServerObservation(
        leaf=leaf,
        private_key=key,
        sts_leaf=sts,
        sts_private_key=sts_key,
        served=served,
    )


def topology(
    servers: list[tuple[ServerSpec, ServerObservation]],
    *,
    clients: tuple[ClientSpec, ...] = (),
    bypass: str | None = None,
    private: bool | None = None,
) -> Topology:
    deployment = Deployment(
        name="test",
        source="m.yaml",
        servers=tuple(s for s, _ in servers),
        clients=clients,
        proxy_bypass=bypass,
        proxy_location="manifest:m.yaml:proxy" if bypass is not None else "",
    )
    return Topology(deployment, {s.key: o for s, o in servers}, private)


def client(name: str, platform: Platform, *names: str) -> ClientSpec:
    return ClientSpec(name, platform, names, location=f"manifest:m.yaml:{name}")


def findings(t: Topology) -> tuple[Finding, ...]:
    """Every deployment.* finding over ``t`` (the homecare profile enables them all)."""
    return evaluate(DeploymentContext(t), POLICY)


def rule_ids(t: Topology) -> list[str]:
    return [finding.rule_id for finding in findings(t)]
