"""Who may read the dashboard and ``/metrics``, and who may acknowledge a finding.

- Loopback without ``--token-file``: anyone on this machine (the default, ``127.0.0.1``).
- With a token (required off loopback): every route needs ``Authorization: Bearer TOKEN`` or the
  session cookie the login form sets (an HMAC of the token, never the token itself); else 401.
- The acknowledge POST also needs the page's CSRF value (an HMAC of a per-process secret): another
  site cannot read a page, so it cannot forge the form.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from certready.core.errors import UsageError

COOKIE = "certready_session"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(path: str) -> str:
    """The token file's first line; a usage error naming the file when it is missing or empty."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the token: {exc}", location=path) from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(token) < 16:
        raise UsageError("the token must be at least 16 characters", location=path)
    return token


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[v6]:PORT`` -> (host, port) (port 0: any free one, logged); a usage
    error otherwise."""
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise UsageError(f"--listen {listen!r}: give HOST:PORT (127.0.0.1:9443)")
    return host.strip("[]"), int(port)


@dataclass(frozen=True)
class Access:
    token: str | None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @classmethod
    def for_listen(cls, host: str, token_file: str | None) -> Access:
        if token_file is None:
            if not is_loopback(host):
                raise UsageError(
                    f"refusing to listen on {host} without --token-file: off loopback the "
                    "dashboard and /metrics need a token"
                )
            return cls(None)
        return cls(read_token(token_file))

    @property
    def required(self) -> bool:
        return self.token is not None

    def session_value(self) -> str:
        assert self.token is not None
        return hmac.new(self.token.encode(), b"certready session", hashlib.sha256).hexdigest()

    def allowed(self, authorization: str | None, cookie: str | None) -> bool:
        if self.token is None:
            return True
        if authorization and authorization.startswith("Bearer "):
            given = authorization.removeprefix("Bearer ").strip()
            if hmac.compare_digest(given.encode(), self.token.encode()):
                return True
        return cookie is not None and hmac.compare_digest(
            cookie.encode(), self.session_value().encode()
        )

    def token_matches(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(
            given.strip().encode(), self.token.encode()
        )

    def csrf(self) -> str:
        return hmac.new(self.secret, b"certready csrf", hashlib.sha256).hexdigest()

    def csrf_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.csrf().encode())


__all__ = ["COOKIE", "Access", "is_loopback", "parse_listen", "read_token"]
