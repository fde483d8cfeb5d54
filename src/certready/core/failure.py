"""Why a live target could not be examined: a stable reason and the step it stopped at.

The values are part of the JSON report (``targets[].failure``): kebab-case, never renamed. The
one-line sentence for people stays in ``TargetResult.reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FetchStep(StrEnum):
    """How far a handshake got: resolving the name, connecting, or the TLS handshake."""

    DNS = "dns"
    CONNECT = "connect"
    HANDSHAKE = "handshake"


class FailureReason(StrEnum):
    """Why a live server could not be examined."""

    DNS = "dns-failure"
    REFUSED = "refused"
    """Nothing listens on the port (TCP RST to the SYN)."""
    TIMEOUT = "timeout"
    """The deadline expired; the step says where."""
    NOT_TLS = "not-tls"
    RESET = "reset"
    CLOSED = "closed"
    TOO_LARGE = "certificate-too-large"
    HANDSHAKE = "handshake-failed"
    NETWORK = "network-error"
    NO_CERTIFICATE = "no-certificate"
    """The handshake completed without a server certificate (an anonymous cipher suite)."""
    UNPARSEABLE_CERTIFICATE = "unparseable-certificate"
    """The server sent a certificate that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class ScanFailure:
    """Why, and at which step, a live target could not be examined."""

    reason: FailureReason
    step: FetchStep


__all__ = ["FailureReason", "FetchStep", "ScanFailure"]
