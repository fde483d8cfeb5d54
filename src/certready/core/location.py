"""Where a certificate, a finding or a target came from: typed values with one text form each.

Every location prints as it always has (``str()``), so reports keep their text, but readers use the
fields: a SARIF region reads :attr:`ManifestLocation.line`, "is this root public?" reads
:attr:`TrustLocation.kind`. Nothing parses a location's text back.

- :class:`FileLocation`: ``file:certs/app.pem#0``, ``file:app.pem#key0``, ``file:app.pem``;
  standard input ``stdin:#0`` (``file:-`` for the whole input).
- :class:`EndpointLocation`: ``tls://app.example.com:443``, ``tls://app:443#leaf``, ``tls://app:443#2``.
- :class:`ManifestLocation`: ``manifest:deploy.yaml:12`` (the key path is kept, not printed).
- :class:`TrustLocation`: ``trust:mozilla``, ``trust:system``, ``trust:file:roots.pem``,
  ``trust:dir:roots/``, ``trust:manifest:deploy.yaml``.
- :class:`InputLocation`: ``input:targets.txt:3``, a named input that is not a target yet.
- :class:`StoreLocation`: ``store:windows:Root``, a trust store of the machine ``doctor`` runs on.
- :class:`UnknownLocation`: ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

STDIN = "-"
"""The path that means standard input."""


@dataclass(frozen=True, slots=True)
class FileLocation:
    """A file (or standard input), and optionally which certificate or key inside it."""

    path: str
    """As the user named it; ``-`` is standard input."""
    index: int | None = None
    """The certificate's index within the file, in the order the file holds them."""
    key: int | None = None
    """The private key's index among the file's keys (``#key0``), for a key's location."""
    request: int | None = None
    """The certificate signing request's index among the file's requests (``#req0``)."""
    line: int | None = field(default=None, compare=False)
    """The line of the certificate's ``-----BEGIN`` marker, from 1, where the reader counted it
    (a PEM bundle of several server certificates, read as a stream); not in the text form."""

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN

    @property
    def fragment(self) -> str | None:
        if self.index is not None:
            return str(self.index)
        if self.key is not None:
            return f"key{self.key}"
        if self.request is not None:
            return f"req{self.request}"
        return None

    @property
    def where(self) -> str:
        """``certs/fleet.pem#3 (line 57)``: how a report names one certificate of a file."""
        name = "standard input" if self.is_stdin else self.path
        fragment = self.fragment
        named = name if fragment is None else f"{name}#{fragment}"
        return named if self.line is None else f"{named} (line {self.line})"

    def __str__(self) -> str:
        fragment = self.fragment
        if fragment is None:
            return f"file:{self.path}"
        if self.is_stdin:
            return f"stdin:#{fragment}"
        return f"file:{self.path}#{fragment}"


@dataclass(frozen=True, slots=True)
class EndpointLocation:
    """A live server, and optionally which certificate of what it presented (0 is the leaf)."""

    host: str
    """Lower-case A-label DNS name, or an IP address without brackets."""
    port: int
    certificate: int | None = None
    via: str = ""
    """The proxy (``proxy:3128``) the connection went through, if any: ``tls://proxy:3128->app:443``."""

    @property
    def authority(self) -> str:
        """``host:port``, with brackets around an IPv6 address."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def route(self) -> str:
        """``app:443``, or ``proxy:3128->app:443`` through a proxy."""
        return f"{self.via}->{self.authority}" if self.via else self.authority

    def presented(self, index: int) -> EndpointLocation:
        """The location of the ``index``-th certificate the server sent (0: the leaf)."""
        return EndpointLocation(self.host, self.port, index, self.via)

    def __str__(self) -> str:
        if self.certificate is None:
            return f"tls://{self.route}"
        which = "leaf" if self.certificate == 0 else str(self.certificate)
        return f"tls://{self.route}#{which}"


@dataclass(frozen=True, slots=True)
class ManifestLocation:
    """A line of a deployment manifest, and the key path found there (``servers[2].fqdn``)."""

    path: str
    line: int | None = None
    key: str = field(default="", compare=False)
    """The dotted key path; informative only (not printed, not compared)."""

    def __bool__(self) -> bool:
        """False for the unplaced location of an entry built in code (``ManifestLocation("")``)."""
        return bool(self.path)

    @property
    def where(self) -> str:
        """``deploy.yaml:12``: how an error message names the place."""
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def __str__(self) -> str:
        if self.line is None:
            return f"manifest:{self.path}"
        return f"manifest:{self.path}:{self.line}"


class TrustKind(StrEnum):
    """What kind of trust store a root came from. Only a public program's roots are public."""

    PUBLIC_PROGRAM = "public-program"
    """A public root program (Mozilla's, as ``certifi`` ships it): no client installs anything."""
    SYSTEM = "system"
    """The operating system's store of the machine running certready."""
    FILE = "file"
    """A file of roots named with ``--trust``."""
    DIRECTORY = "directory"
    """A folder of root files named with ``--trust``."""
    MANIFEST = "manifest"
    """The ``trust:`` section of a deployment manifest."""


@dataclass(frozen=True, slots=True)
class TrustLocation:
    """A trust store: its kind and its name (the program, or the file, folder or manifest path)."""

    kind: TrustKind
    name: str = ""

    @property
    def is_public(self) -> bool:
        return self.kind is TrustKind.PUBLIC_PROGRAM

    def __str__(self) -> str:
        match self.kind:
            case TrustKind.PUBLIC_PROGRAM:
                return f"trust:{self.name}"
            case TrustKind.SYSTEM:
                return "trust:system"
            case TrustKind.FILE:
                return f"trust:file:{self.name}"
            case TrustKind.DIRECTORY:
                return f"trust:dir:{self.name}"
            case TrustKind.MANIFEST:
                return f"trust:manifest:{self.name}"


MOZILLA = TrustLocation(TrustKind.PUBLIC_PROGRAM, "mozilla")
"""Mozilla's root program: ``trust:mozilla``."""
SYSTEM = TrustLocation(TrustKind.SYSTEM)
"""The operating system's store: ``trust:system``."""


@dataclass(frozen=True, slots=True)
class InputLocation:
    """Something the user named that could not become a target (a bad line of a targets file)."""

    name: str

    def __str__(self) -> str:
        return f"input:{self.name}"


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """A trust store of the machine ``doctor`` runs on: ``store:windows:Root``,
    ``store:bundle:/etc/ssl/certs/ca-certificates.crt``, ``store:nss:/home/ann/.pki/nssdb``."""

    system: str
    """``windows``, ``bundle``, ``keychain``, ``nss``."""
    name: str = ""

    def __str__(self) -> str:
        return f"store:{self.system}:{self.name}" if self.name else f"store:{self.system}"


@dataclass(frozen=True, slots=True)
class UnknownLocation:
    """A certificate whose source was not recorded (a path builder given no origins)."""

    def __str__(self) -> str:
        return "unknown"


Location = (
    FileLocation
    | EndpointLocation
    | ManifestLocation
    | TrustLocation
    | InputLocation
    | StoreLocation
    | UnknownLocation
)
"""Where something came from; ``str()`` is its text form in every report."""

__all__ = [
    "MOZILLA",
    "STDIN",
    "SYSTEM",
    "EndpointLocation",
    "FileLocation",
    "InputLocation",
    "Location",
    "ManifestLocation",
    "StoreLocation",
    "TrustKind",
    "TrustLocation",
    "UnknownLocation",
]
