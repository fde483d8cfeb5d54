"""A validated manifest -> :class:`~certready.core.deployment.Deployment`: paths resolved against
the manifest's folder, locations with their lines, servers unique per environment."""

from __future__ import annotations

from pathlib import Path

from certready.adapters.manifest.messages import in_line_order
from certready.adapters.manifest.model import Loc, ManifestModel
from certready.adapters.manifest.yaml_lines import KeyLines, dotted
from certready.core.deployment import (
    UNPLACED,
    CertificateRef,
    ClientSpec,
    Deployment,
    ServerSpec,
)
from certready.core.errors import ManifestError
from certready.core.location import ManifestLocation


def to_deployment(model: ManifestModel, lines: KeyLines, path: Path) -> Deployment:
    base = path.parent
    source = str(path)

    def where(*loc: str | int) -> ManifestLocation:
        return ManifestLocation(source, lines.line(loc), key=dotted(loc))

    def ref(
        value: str | None,
        loc: Loc,
        key: str | None = None,
        env: str | None = None,
        file: str | None = None,
    ) -> CertificateRef | None:
        if value is None:
            return None
        return CertificateRef(
            path=str(base / value),
            key=str(base / key) if key else None,
            password_env=env,
            password_file=str(base / file) if file else None,
            location=where(*loc),
        )

    servers: list[ServerSpec] = []
    seen: set[str] = set()
    errors: list[ManifestError] = []
    for env_name, env in model.environments.items():
        for i, s in enumerate(env.servers):
            loc: Loc = ("environments", env_name, "servers", i)
            spec = ServerSpec(
                environment=env_name,
                name=s.name,
                roles=frozenset(s.roles),
                fqdn=s.fqdn,
                external_fqdns=tuple(s.external_fqdns),
                endpoint=s.endpoint,
                certificate=ref(
                    s.certificate, (*loc, "certificate"), s.key, s.password_env, s.password_file
                ),
                sts_certificate=ref(
                    s.sts_certificate,
                    (*loc, "sts_certificate"),
                    s.sts_key,
                    s.sts_password_env,
                    s.sts_password_file,
                ),
                location=where(*loc),
            )
            if spec.key in seen:
                errors.append(
                    ManifestError(
                        f"a second server named {s.name!r} in environment {env_name!r}",
                        location=f"{source}:{lines.line((*loc, 'name'))}",
                        key=dotted((*loc, "name")),
                    )
                )
            seen.add(spec.key)
            servers.append(spec)
    if errors:
        raise in_line_order(errors)
    clients = tuple(
        ClientSpec(c.name, c.platform, tuple(c.connects_to), where("clients", i))
        for i, c in enumerate(model.clients)
    )
    return Deployment(
        name=model.deployment,
        source=source,
        policy=model.policy,
        policy_location=where("policy"),
        servers=tuple(servers),
        clients=clients,
        trust_roots=tuple(
            r
            for i, p in enumerate(model.trust.roots)
            if (r := ref(p, ("trust", "roots", i))) is not None
        ),
        trust_intermediates=tuple(
            r
            for i, p in enumerate(model.trust.intermediates)
            if (r := ref(p, ("trust", "intermediates", i))) is not None
        ),
        proxy_bypass=model.proxy.bypass if model.proxy else None,
        proxy_location=where("proxy", "bypass") if model.proxy else UNPLACED,
        proxy_server=model.proxy.server if model.proxy else None,
        profile_identifier=model.profile_identifier,
    )


def policy_spec(deployment: Deployment) -> str:
    """The manifest's ``policy:``: a built-in name, or a file resolved against the manifest."""
    candidate = Path(deployment.source).parent / deployment.policy
    return str(candidate) if candidate.suffix == ".toml" else deployment.policy
