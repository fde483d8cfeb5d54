"""The manifest's shape as pydantic models (unknown keys are errors), its field checks, and the
JSON Schema generated from them (shipped as ``manifest_schema.json``)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from certready.core.deployment import (
    Platform,
    ServerRole,
)
from certready.core.errors import CertReadyError
from certready.core.hostnames import normalise_host
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
QUOTE_HINT = "write the path with / (certs/app.pfx), or in single quotes"
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


def _file_path(value: str) -> str:
    """A file named in the manifest: ``certs\\app.pfx`` is read as ``certs/app.pfx`` (Windows
    paths are normal for these users; ``/`` works on every system), relative to the manifest."""
    control = next((c for c in value if c in _ESCAPES or ord(c) < 0x20), None)
    if control is not None:
        escape = f"\\{_ESCAPES[control]}" if control in _ESCAPES else "a backslash"
        raise ValueError(
            f"{escape} inside double quotes is an escape, not a folder separator: {QUOTE_HINT}"
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

    @field_validator("password_file", "sts_password_file")
    @classmethod
    def _one_password_source(cls, v: str | None, info: ValidationInfo) -> str | None:
        """``password_env`` and ``password_file`` together: one would be silently ignored."""
        env = "sts_password_env" if info.field_name == "sts_password_file" else "password_env"
        if v is not None and info.data.get(env) is not None:
            raise ValueError(f"give {env} or {info.field_name}, not both")
        return v

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
