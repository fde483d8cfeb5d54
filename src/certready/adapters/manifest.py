"""The deployment manifest: YAML -> validated model -> :class:`~certready.core.deployment.Deployment`.

The YAML is composed into nodes first so every key keeps its line; pydantic validates the shape
(unknown keys are errors) and every error is reported at once, each naming the file, the line
and the dotted key (``environments.production.servers[0].fqdn``). Certificate paths are resolved
against the manifest's folder; Windows-made manifests are read as written (UTF-16 from PowerShell
5, a UTF-8 byte-order mark from Notepad, ``certs\\app.pfx`` paths). The JSON Schema of the shape
is generated from the same models and shipped as ``manifest_schema.json`` (editors autocomplete
with it).
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from certready.adapters.inputs.read import read_bytes
from certready.adapters.inputs.sniff import is_utf16
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

_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f"}
_ESCAPES |= {"\r": "r", "\x1b": "e"}
"""Control characters a YAML double-quoted string makes of ``\\a``, ``\\n``..."""
_QUOTE_HINT = "write the path with / (certs/app.pfx), or in single quotes"
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


def _file_path(value: str) -> str:
    """A file named in the manifest: ``certs\\app.pfx`` is read as ``certs/app.pfx`` (Windows
    paths are normal for these users; ``/`` works on every system), relative to the manifest."""
    control = next((c for c in value if c in _ESCAPES or ord(c) < 0x20), None)
    if control is not None:
        escape = f"\\{_ESCAPES[control]}" if control in _ESCAPES else "a backslash"
        raise ValueError(
            f"{escape} inside double quotes is an escape, not a folder separator: {_QUOTE_HINT}"
        )
    if os.sep == "/" and _WINDOWS_ABSOLUTE.match(value):
        raise ValueError(
            f"{value!r} is a Windows absolute path: give the path relative to the manifest, "
            "with / (certs/app.pfx)"
        )
    return value.replace("\\", "/") if os.sep == "/" else value


FilePath = Annotated[str, AfterValidator(_file_path)]


class ServerModel(_Model):
    """One server (host) of an environment."""

    name: str = Field(min_length=1, description="Unique within its environment.")
    roles: list[ServerRole] = Field(min_length=1, description="The features on this host.")
    fqdn: Host = Field(description="The server's fully qualified domain name.")
    external_fqdns: list[Host] = Field(
        default_factory=list, description="Internet-facing names clients also use."
    )
    endpoint: str | None = Field(None, description="host:port scanned with --live.")
    certificate: FilePath | None = Field(
        None, description="Server certificate (PEM, DER, PFX), relative to the manifest."
    )
    key: FilePath | None = Field(None, description="Private key file, when not in `certificate`.")
    password_env: str | None = Field(None, description="Environment variable with the password.")
    password_file: FilePath | None = Field(
        None, description="File whose first line is the password."
    )
    sts_certificate: FilePath | None = Field(None, description="Token-signing certificate (app).")
    sts_key: FilePath | None = None
    sts_password_env: str | None = None
    sts_password_file: FilePath | None = None

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
    roots: list[FilePath] = Field(default_factory=list, description="Root CA certificate files.")
    intermediates: list[FilePath] = Field(
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
        self.errors: list[ManifestError] = []
        """Duplicate keys and keys that are not words: reported with the validation's errors."""
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
                    self.errors.append(
                        ManifestError("a key must be a word", location=f"{source}:{line}")
                    )
                    continue
                if key in out:
                    line = key_node.start_mark.line + 1
                    self.errors.append(
                        ManifestError(
                            f"duplicate key {key!r}", location=f"{source}:{line}", key=str(key)
                        )
                    )
                    continue
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
        problem = str(exc.problem or exc.context)
        if "unknown escape character" in problem:  # "certs\\mobile.pfx" in double quotes
            problem += f": a backslash inside double quotes starts an escape; {_QUOTE_HINT}"
        raise ManifestError(f"not valid YAML: {problem}", location=f"{source}:{line}") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ManifestError(f"not valid YAML: {first}", location=source) from None
    if node is None:
        raise ManifestError("empty manifest", location=f"{source}:1")
    lines = _Lines(source)
    data = lines.convert(node, (), source)
    if not isinstance(data, dict):
        raise ManifestError(
            "a manifest is a mapping (deployment:, environments:...)", location=f"{source}:1"
        )
    errors = list(lines.errors)
    try:
        model = ManifestModel.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc: Loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            key = dotted(loc)
            message = _message(err, loc)
            errors.append(
                ManifestError(
                    f"{key}: {message}" if key else message,
                    location=f"{source}:{lines.line(loc)}",
                    key=key,
                )
            )
    if errors:
        raise _every(errors)
    return model, lines


def _every(errors: list[ManifestError]) -> ManifestError:
    """All of ``errors`` as one, in the order of their lines."""
    return ManifestError.every(sorted(errors, key=lambda e: _line_number(e.location)))


def _line_number(location: str | None) -> int:
    line = (location or "").rsplit(":", 1)[-1]
    return int(line) if line.isdigit() else 0


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if (found := _model_of(arg)) is not None:
            return found
    return None


def known_keys(loc: Loc) -> tuple[str, ...]:
    """The keys the manifest allows beside the last part of ``loc`` (empty when unknown)."""
    model: type[BaseModel] = ManifestModel
    parts = list(loc[:-1])
    i = 0
    while i < len(parts):
        field = model.model_fields.get(str(parts[i]))
        nested = _model_of(field.annotation) if field is not None else None
        if field is None or nested is None:
            return ()
        if get_origin(field.annotation) in (list, dict):
            i += 1  # the index or name inside the list or mapping
        model = nested
        i += 1
    return tuple(model.model_fields)


def _unknown_key(loc: Loc) -> str:
    name = str(loc[-1]) if loc else ""
    if name.endswith("password"):  # password:, sts_password:, pfx_password:...
        prefix = "sts_" if name.startswith("sts_") else ""
        return (
            f"passwords never go in the manifest: use {prefix}password_env or {prefix}password_file"
        )
    close = difflib.get_close_matches(name, known_keys(loc), n=1)
    return f"unknown key (did you mean `{close[0]}`?)" if close else "unknown key"


def _message(err: Any, loc: Loc = ()) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_key(loc)
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
        data = read_bytes(  # bounded: /dev/zero is not a manifest
            str(path),
            limit=MAX_MANIFEST_BYTES,
            prefix="cannot read manifest: ",
            folder=None,
            what="a manifest",
        )
        text, notes = decode_manifest(data)
    except InputError as exc:
        raise ManifestError(exc.message, location=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ManifestError(f"cannot read manifest: {exc}", location=str(path)) from None
    model, lines = parse_manifest(text, str(path))
    return replace(to_deployment(model, lines, path), notes=notes)


UTF8_MARK = b"\xef\xbb\xbf"


def decode_manifest(data: bytes) -> tuple[str, tuple[str, ...]]:
    """A manifest's text, and a note when Windows wrote it: UTF-16 with a byte-order mark
    (PowerShell 5's ``Out-File`` and ``>``), or UTF-8 with one (Notepad), read like a UTF-16 PEM
    file is. ``UnicodeDecodeError`` when it is neither valid UTF-8 nor UTF-16."""
    if is_utf16(data):
        return data.decode("utf-16"), (
            "UTF-16 text (as PowerShell 5's Out-File writes it): read as UTF-16",
        )
    if data.startswith(UTF8_MARK):
        return data[len(UTF8_MARK) :].decode("utf-8"), (
            "UTF-8 with a byte-order mark (as Notepad writes it): read without the mark",
        )
    if b"\0" in data:
        raise InputError(
            "cannot read manifest: it holds NUL bytes (UTF-16 without a byte-order mark?): "
            "save it as UTF-8"
        )
    return data.decode("utf-8"), ()


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
        raise _every(errors)
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
