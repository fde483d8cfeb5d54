"""Scan targets as users write them: ``host``, ``host:port``, ``[v6]:port``, ``https://host[:port]/path``.

Pure parsing, no name resolution: the adapter resolves. Errors are :class:`UsageError` naming the
target; a targets file's errors name ``file:line`` (see :func:`parse_targets_file`).
"""

from __future__ import annotations

from dataclasses import dataclass

from certready.core.errors import InputError, UsageError
from certready.core.hostnames import ip_address, is_ip_address, normalise_host
from certready.core.location import EndpointLocation

DEFAULT_PORT = 443
_SCHEMES = {"https": 443, "tls": 443, "ldaps": 636, "smtps": 465, "imaps": 993}


@dataclass(frozen=True, slots=True)
class ScanTarget:
    """One endpoint to scan: what the user typed, and the host and port it means."""

    text: str
    """As the user wrote it (shown in reports)."""
    host: str
    """Normalised: lower-case A-label DNS name, or an IP address without brackets."""
    port: int

    @property
    def is_ip(self) -> bool:
        return is_ip_address(self.host)

    @property
    def authority(self) -> str:
        """``host:port``, with brackets around an IPv6 address."""
        return self.location.authority

    @property
    def location(self) -> EndpointLocation:
        """``tls://app.example.com:443``: the prefix of every finding about this endpoint."""
        return EndpointLocation(self.host, self.port)


def parse_target(text: str) -> ScanTarget:
    """``app:8443`` -> ScanTarget("app:8443", "app", 8443). Raises UsageError naming the target."""
    raw = text.strip()
    if not raw:
        raise UsageError("empty target")
    rest = raw
    default_port = DEFAULT_PORT
    if "://" in rest:
        scheme, rest = rest.split("://", 1)
        if scheme.lower() not in _SCHEMES:
            raise UsageError(f"target {raw!r}: unsupported scheme {scheme!r} (use https://)")
        default_port = _SCHEMES[scheme.lower()]
        rest = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if "@" in rest:
            rest = rest.rsplit("@", 1)[1]
    host, port_text = _split_host_port(rest, raw)
    port = default_port
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise UsageError(f"target {raw!r}: port {port_text!r} is not a number in 1-65535")
        port = int(port_text)
    try:
        normalised = normalise_host(host)
    except UsageError as exc:
        raise UsageError(f"target {raw!r}: {exc.message}") from None
    if "*" in normalised:  # normalise_host checked the labels; a client never asks for "*"
        raise UsageError(f"target {raw!r}: {host!r} is not a valid host name")
    return ScanTarget(raw, normalised, port)


def _split_host_port(rest: str, raw: str) -> tuple[str, str | None]:
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise UsageError(f"target {raw!r}: missing ']' after the IPv6 address")
        host, after = rest[1:end], rest[end + 1 :]
        if not after:
            return host, None
        if not after.startswith(":"):
            raise UsageError(f"target {raw!r}: expected ':port' after ']'")
        return host, after[1:]
    if rest.count(":") > 1:  # a bare IPv6 address: no port possible without brackets
        if ip_address(rest) is None:  # IPv4 has no ':': this is IPv6 or nothing
            raise UsageError(
                f"target {raw!r}: not host:port (write an IPv6 address as [address]:port)"
            )
        return rest, None
    if ":" in rest:
        host, port = rest.split(":", 1)
        if not host:
            raise UsageError(f"target {raw!r}: no host before ':'")
        return host, port
    return rest, None


def parse_resolve(text: str) -> tuple[str, int, str]:
    """``--resolve host:port:address`` (curl's syntax) -> (host, port, address).

    Connect to ``address`` whenever ``host:port`` is scanned, still sending and checking ``host``:
    a server before the DNS switch, one backend behind a load balancer. IPv6 in brackets."""
    raw = text.strip()
    try:
        host_text, port_text, address = raw.split(":", 2)
    except ValueError:
        raise UsageError(f"--resolve {raw!r}: expected host:port:address") from None
    target = parse_target(f"{host_text}:{port_text}")
    address = address.strip().removeprefix("[").removesuffix("]")
    if ip_address(address) is None:
        raise UsageError(f"--resolve {raw!r}: {address!r} is not an IP address")
    return target.host, target.port, address


def parse_targets_file(text: str, source: str) -> list[ScanTarget | InputError]:
    """One target per line; ``#`` starts a comment; blank lines are skipped.

    A bad line becomes an :class:`InputError` located at ``source:line`` so the other lines still run.
    """
    out: list[ScanTarget | InputError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        try:
            out.append(parse_target(content))
        except UsageError as exc:
            out.append(InputError(exc.message, location=f"{source}:{number}"))
    return out
