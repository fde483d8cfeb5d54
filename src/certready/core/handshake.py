"""One live handshake as the ``tls.*`` rules (:mod:`certready.core.rules.tls`) judge it.

The scan service (:mod:`certready.services.scan`) fetches what the server presented, builds a
:class:`HandshakeContext` and hands it to the engine; the rules are pure functions of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from certready.core.location import Location
from certready.core.model import CertFacts, ChainElement, Role, Scope, TlsFacts


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the operator expects the server to present."""

    leaf_sha256: str | None = None
    """SHA-256 fingerprint of the certificate that should be served (any case, colons allowed)."""
    issuers: tuple[str, ...] = ()
    """Acceptable issuing CAs: each an RFC 4514 subject (from a CA file or trust store) or a part of
    one (``Contoso Issuing CA``), matched case-insensitively against the served chain's issuers."""
    anchors: tuple[CertFacts, ...] = ()
    """CA certificates the clients trust (``--trust``): a leaf issued directly by one of these needs
    no intermediate."""


@dataclass(frozen=True, slots=True)
class HandshakeContext:
    """What a ``tls.*`` rule sees: the chain one server presented, in the order it sent it, the
    handshake's facts, what the operator expected, and what a client sending no SNI got."""

    scope: ClassVar[Scope] = Scope.HANDSHAKE

    presented: tuple[ChainElement, ...]
    """Leaf first, then the rest exactly as the server sent them (never empty)."""
    tls: TlsFacts
    expectations: Expectations = Expectations()
    leaf_without_sni: CertFacts | None = None
    """The leaf a second handshake without SNI got (``None``: not tried, or it failed)."""
    without_sni_failure: str | None = None
    """Why the handshake without SNI failed (the server requires SNI); ``None`` when it did not."""

    def __post_init__(self) -> None:
        if not self.presented:
            raise ValueError("a handshake context needs the certificate the server presented")

    @property
    def leaf(self) -> ChainElement:
        return self.presented[0]

    @property
    def location(self) -> Location:
        """The leaf's origin, ``tls://app:443#leaf``."""
        return self.presented[0].origin

    @property
    def role(self) -> Role:
        return Role.SSL

    @property
    def subject_certificate(self) -> CertFacts:
        return self.presented[0].certificate
