"""The deployment manifest: YAML -> validated model -> :class:`~certready.core.deployment.Deployment`.

The YAML is composed into nodes first so every key keeps its line; pydantic validates the shape
(unknown keys are errors) and each error becomes a :class:`ManifestError` naming the file, the line
and the dotted key (``environments.production.servers[0].fqdn``). Certificate paths are resolved
against the manifest's folder. The JSON Schema of the shape is generated from the same models and
shipped as ``manifest_schema.json`` (editors autocomplete with it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from certready.adapters.inputs.read import read_bytes
from certready.core.deployment import (
    UNPLACED,
    CertificateRef,
    ClientSpec,
    Deployment,
    Platform,
    ServerRole,
    ServerSpec,
)
from certready.core.errors import CertReadyError, InputError, ManifestError
from certready.core.hostnames import normalise_host
from certready.core.location import ManifestLocation
from certready.core.plan import is_profile_identifier
from certready.core.targets import parse_target

SCHEMA_FILE = Path(__file__).with_name("manifest_schema.json")
Loc = tuple[str | int, ...]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _host(value: str) -> str:
    try:
        return normalise_host(value)
    except CertReadyError as exc:
        raise ValueError(exc.message) from None


Host = Annotated[str, Field(description="A DNS name or an IP address.", min_length=1)]


class ServerModel(_Model):
    """One server (host) of an environment."""

    name: str = Field(min_length=1, description="Unique within its environment.")
    roles: list[ServerRole] = Field(min_length=1, description="The features on this host.")
    fqdn: Host = Field(description="The server's fully qualified domain name.")
    external_fqdns: list[Host] = Field(
        default_factory=list, description="Internet-facing names clients also use."
    )
    endpoint: str | None = Field(None, description="host:port scanned with --live.")
    certificate: str | None = Field(
        None, description="Server certificate (PEM, DER, PFX), relative to the manifest."
    )
    key: str | None = Field(None, description="Private key file, when not in `certificate`.")
    password_env: str | None = Field(None, description="Environment variable with the password.")
    password_file: str | None = Field(None, description="File whose first line is the password.")
    sts_certificate: str | None = Field(None, description="Token-signing certificate (app).")
    sts_key: str | None = None
    sts_password_env: str | None = None
    sts_password_file: str | None = None

    @field_validator("fqdn")
    @classmethod
    def _fqdn(cls, v: str) -> str:
        return _host(v)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        if v is None:
            return None
        try:
            return parse_target(v).authority
        except CertReadyError as exc:
            raise ValueError(exc.message) from None

    @field_validator("external_fqdns")
    @classmethod
    def _external(cls, v: list[str]) -> list[str]:
        return [_host(h) for h in v]


class EnvironmentModel(_Model):
    servers: list[ServerModel] = Field(default_factory=list)


class TrustModel(_Model):
    roots: list[str] = Field(default_factory=list, description="Root CA certificate files.")
    intermediates: list[str] = Field(
        default_factory=list, description="Intermediate CA certificate files."
    )


class ClientModel(_Model):
    name: str = Field(min_length=1)
    platform: Platform
    connects_to: list[Host] = Field(default_factory=list)

    @field_validator("connects_to")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        return [_host(h) for h in v]


class ProxyModel(_Model):
    bypass: str = Field(description="Windows bypass-list syntax: `*.example.com;<local>`.")
    server: str | None = Field(
        None, description="The proxy's host:port (what `netsh winhttp set proxy` needs)."
    )

    @field_validator("server")
    @classmethod
    def _server(cls, v: str | None) -> str | None:
        if v is None:
            return None
        target = v.strip()
        host, sep, port = target.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{v!r} is not host:port (e.g. proxy.example.org:8080)")
        if any(c.isspace() or c in "\"';" for c in target):
            raise ValueError(f"{v!r} is not host:port (e.g. proxy.example.org:8080)")
        return target


class ManifestModel(_Model):
    """A certready deployment manifest."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="certready deployment manifest")

    deployment: str = Field(min_length=1, description="The deployment's name.")
    policy: str = Field("homecare", description="Built-in profile name or a TOML file.")
    environments: dict[str, EnvironmentModel] = Field(min_length=1)
    trust: TrustModel = Field(default_factory=TrustModel)
    clients: list[ClientModel] = Field(default_factory=list)
    proxy: ProxyModel | None = Field(None, description="Omit when there is no proxy.")
    profile_identifier: str | None = Field(
        None,
        description="Reverse-DNS prefix of the iOS/iPadOS profiles the plan writes (org.example).",
    )

    @field_validator("profile_identifier")
    @classmethod
    def _identifier(cls, v: str | None) -> str | None:
        if v is not None and not is_profile_identifier(v):
            raise ValueError(
                f"{v!r} is not a reverse-DNS identifier (ASCII letters, digits, '-' and dots: "
                "org.example)"
            )
        return v


def json_schema() -> dict[str, Any]:
    """The manifest's JSON Schema, as shipped in ``manifest_schema.json``."""
    schema = ManifestModel.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


MAX_MANIFEST_BYTES = 256 * 1024
"""A manifest describes one deployment: 256 KiB holds several hundred servers with comments, and
any text of that size is composed within about a second and 50 MB (issue 14)."""
MAX_VALUES = 50_000
"""Values (mappings, lists, scalars) a manifest may expand to, YAML aliases included: a "billion
laughs" (aliases nine deep) stops here instead of filling the memory."""
MAX_DEPTH = 64
"""Nesting depth: a real manifest nests 7 levels; 600 would exhaust Python's recursion."""
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Lines:
    """YAML node -> plain data, remembering the 1-based line of every key path.

    Bounded: at most :data:`MAX_VALUES` values (an alias is expanded each time it is used, so
    this is what bounds "billion laughs") and :data:`MAX_DEPTH` levels."""

    def __init__(self, source: str) -> None:
        self.lines: dict[Loc, int] = {}
        self._constructor = yaml.constructor.SafeConstructor()
        self._source = source
        self._values = 0
        self._seen: set[int] = set()
        self._aliased = False

    def _where(self, node: yaml.Node) -> str:
        return f"{self._source}:{node.start_mark.line + 1}"

    def _count(self, node: yaml.Node, depth: int) -> None:
        self._values += 1
        if id(node) in self._seen:
            self._aliased = True  # composed once, used again: an alias
        else:
            self._seen.add(id(node))
        if self._values > MAX_VALUES:
            what = "YAML aliases expand to" if self._aliased else "the manifest holds"
            raise ManifestError(
                f"{what} more than {MAX_VALUES:,} values; refusing to read further",
                location=self._where(node),
            )
        if depth > MAX_DEPTH:
            raise ManifestError(
                f"nested deeper than {MAX_DEPTH} levels", location=self._where(node)
            )

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _MERGE_TAG:
            raise ManifestError(
                "YAML merge keys (<<) are not supported: write the keys out",
                location=self._where(node),
            )
        try:
            value = self._constructor.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            problem = exc.problem or "cannot read this value"
            raise ManifestError(
                f"not valid YAML: {problem.splitlines()[0]}", location=self._where(node)
            ) from None
        except (ValueError, OverflowError) as exc:  # e.g. the timestamp 2026-13-45
            raise ManifestError(f"not a valid value: {exc}", location=self._where(node)) from None
        if isinstance(value, str) and "\0" in value:
            raise ManifestError("contains a NUL character", location=self._where(node))
        return value

    def convert(self, node: yaml.Node, loc: Loc, source: str, depth: int = 0) -> Any:
        self._count(node, depth)
        self.lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, str | int):
                    line = key_node.start_mark.line + 1
                    raise ManifestError("a key must be a word", location=f"{source}:{line}")
                if key in out:
                    line = key_node.start_mark.line + 1
                    raise ManifestError(
                        f"duplicate key {key!r}", location=f"{source}:{line}", key=str(key)
                    )
                out[key] = self.convert(value_node, (*loc, key), source, depth + 1)
                self.lines[(*loc, key)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(n, (*loc, i), source, depth + 1) for i, n in enumerate(node.value)]
        return self._scalar(node)

    def line(self, loc: Loc) -> int:
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1)


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_manifest(text: str, source: str) -> tuple[ManifestModel, _Lines]:
    """Validate manifest text; a ManifestError names ``source:line`` and the key."""
    if len(text) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            f"larger than {MAX_MANIFEST_BYTES // 1024} KiB: a manifest describes one deployment",
            location=source,
        )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except RecursionError:  # the pure-Python composer (no libyaml) on deep nesting
        raise ManifestError(f"nested deeper than {MAX_DEPTH} levels", location=source) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ManifestError(
            f"not valid YAML: {exc.problem or exc.context}", location=f"{source}:{line}"
        ) from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"not valid YAML: {exc}", location=source) from None
    if node is None:
        raise ManifestError("empty manifest", location=f"{source}:1")
    lines = _Lines(source)
    data = lines.convert(node, (), source)
    if not isinstance(data, dict):
        raise ManifestError(
            "a manifest is a mapping (deployment:, environments:...)", location=f"{source}:1"
        )
    try:
        model = ManifestModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc: Loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        key = dotted(loc)
        message = _message(err)
        raise ManifestError(
            f"{key}: {message}" if key else message, location=f"{source}:{lines.line(loc)}", key=key
        ) from None
    return model, lines


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key missing"
    if kind in ("model_type", "dict_type"):
        return "must be a mapping (`key: value` lines)"
    if kind == "list_type":
        return "must be a list (`[a, b]` or `- a` lines)"
    text = str(err["msg"])
    return text.removeprefix("Value error, ")


def load_manifest(path: str | Path) -> Deployment:
    """Read and validate a manifest file; ``ManifestError`` naming file, line and key."""
    path = Path(path)
    try:
        text = read_bytes(  # bounded: /dev/zero is not a manifest
            str(path),
            limit=MAX_MANIFEST_BYTES,
            prefix="cannot read manifest: ",
            folder=None,
            what="a manifest",
        ).decode("utf-8")
    except InputError as exc:
        raise ManifestError(exc.message, location=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ManifestError(f"cannot read manifest: {exc}", location=str(path)) from None
    model, lines = parse_manifest(text, str(path))
    return to_deployment(model, lines, path)


def to_deployment(model: ManifestModel, lines: _Lines, path: Path) -> Deployment:
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
                raise ManifestError(
                    f"a second server named {s.name!r} in environment {env_name!r}",
                    location=f"{source}:{lines.line((*loc, 'name'))}",
                    key=dotted((*loc, "name")),
                )
            seen.add(spec.key)
            servers.append(spec)
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


STARTER = """\
# certready deployment manifest — describe the deployment once; `certready audit` checks it all.
# Paths are relative to this file. Schema: `certready manifest schema`.
deployment: My Home Health            # a name for the reports
policy: homecare                      # built-in profile (homecare, webpki) or a .toml file

environments:
  production:
    servers:
      - name: app
        roles: [app, sts]             # app, sts, mobile-phone, mobile-tablet, physician-portal
        fqdn: hcappserver.example.org
        external_fqdns: []            # internet-facing names clients also type
        endpoint: hcappserver.example.org:443   # scanned with `certready audit --live`
        certificate: certs/app.pfx    # PEM, DER or PFX; `key:` for a separate key file
        password_env: APP_PFX_PASSWORD          # or password_file: (never the password itself)
        sts_certificate: certs/sts.pfx
        sts_password_env: STS_PFX_PASSWORD
      - name: mobile
        roles: [mobile-phone, mobile-tablet]
        fqdn: hctabletserver.example.org
        external_fqdns: [mobile.example.org]
        certificate: certs/mobile.pfx
        password_env: MOBILE_PFX_PASSWORD
  test:
    servers:
      - name: app
        roles: [app, sts]
        fqdn: hctestserver.example.org
        certificate: certs/test-app.pfx
        password_env: TEST_PFX_PASSWORD
        sts_certificate: certs/test-sts.pfx
        sts_password_env: TEST_PFX_PASSWORD

trust:                                # a private CA: what every server and client must trust
  roots: [pki/root.cer]
  intermediates: [pki/issuing.cer]

clients:                              # platforms: windows, macos, linux, ios, ipados, android
  - {name: office PCs, platform: windows, connects_to: [hcappserver.example.org]}
  - {name: field tablets, platform: ios, connects_to: [mobile.example.org]}
  - {name: field phones, platform: android, connects_to: [mobile.example.org]}

# proxy:                              # omit when there is no proxy (the guide recommends none)
#   server: proxy.example.org:8080    # host:port, what `netsh winhttp set proxy` needs
#   bypass: "*.example.org;<local>"   # Windows bypass-list syntax: ';' separated, * wildcards

# profile_identifier: org.example     # reverse-DNS prefix of the iOS/iPadOS profiles of the plan
"""
