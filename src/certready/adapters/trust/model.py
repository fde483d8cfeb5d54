"""The TrustStore value shared by every loader."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from certready.core.location import TrustKind, TrustLocation


@dataclass(frozen=True, slots=True)
class TrustStore:
    """A set of trust anchors, and optionally intermediates the platform also knows.

    ``origin`` is where each of its certificates shows it came from in a built path
    (``trust:mozilla``, ``trust:system``, ``trust:file:roots.pem``); its ``kind`` says whether the
    store is a public root program, the system's store, a file, a folder or a manifest's
    ``trust:`` section. Windows keeps intermediates in its ``CA`` store:
    they help build paths but are never anchors (cryptography treats every certificate in a
    ``Store`` as an anchor, so they must not go there).
    """

    origin: TrustLocation
    anchors: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()

    @property
    def kind(self) -> TrustKind:
        return self.origin.kind

    def __len__(self) -> int:
        return len(self.anchors)
