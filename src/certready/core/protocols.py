"""Which TLS protocol versions a server accepts, as one probe per version found out.

A modern client negotiates TLS 1.3 even with a server that still accepts TLS 1.0 and 1.1 (DESIGN
§2): only a handshake offering each version alone shows the old ones.
:meth:`certready.adapters.tlsfetch.FetchSettings.protocols` probes; this module holds the answer
as values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TlsVersion(StrEnum):
    """A protocol version, spelled as OpenSSL and Python's ``SSLObject.version()`` spell it."""

    TLS1_0 = "TLSv1"
    TLS1_1 = "TLSv1.1"
    TLS1_2 = "TLSv1.2"
    TLS1_3 = "TLSv1.3"

    @property
    def label(self) -> str:
        """``TLS 1.0``: the words of RFC 8996, Windows' registry keys and IIS Crypto."""
        return {
            TlsVersion.TLS1_0: "TLS 1.0",
            TlsVersion.TLS1_1: "TLS 1.1",
            TlsVersion.TLS1_2: "TLS 1.2",
            TlsVersion.TLS1_3: "TLS 1.3",
        }[self]

    @property
    def obsolete(self) -> bool:
        """Deprecated by RFC 8996 (TLS 1.0 and 1.1)."""
        return self in (TlsVersion.TLS1_0, TlsVersion.TLS1_1)


class ProbeOutcome(StrEnum):
    """What one version's probe showed."""

    ACCEPTED = "accepted"
    """The handshake offering only this version completed with it."""
    REFUSED = "refused"
    """The server refused the handshake (alert, or closed the connection during it)."""
    UNDETERMINED = "undetermined"
    """No answer either way: timed out, the network failed, the budget ran out."""
    UNTESTED = "untested"
    """This machine's TLS library cannot offer the version, so it was not tried."""


@dataclass(frozen=True, slots=True)
class ProtocolSupport:
    """One endpoint's probe set: each version and what its probe showed, oldest first."""

    outcomes: tuple[tuple[TlsVersion, ProbeOutcome], ...]

    def outcome(self, version: TlsVersion) -> ProbeOutcome:
        return dict(self.outcomes).get(version, ProbeOutcome.UNTESTED)

    @property
    def accepted(self) -> tuple[TlsVersion, ...]:
        return tuple(v for v, o in self.outcomes if o is ProbeOutcome.ACCEPTED)

    @property
    def obsolete_accepted(self) -> tuple[TlsVersion, ...]:
        """TLS 1.0 and 1.1 when the server accepts them (RFC 8996)."""
        return tuple(v for v in self.accepted if v.obsolete)
