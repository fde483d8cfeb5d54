"""The TrustStore value shared by every loader."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509


@dataclass(frozen=True, slots=True)
class TrustStore:
    """A set of trust anchors, and optionally intermediates the platform also knows.

    ``label`` is the origin each certificate shows in a built path: ``trust:mozilla``,
    ``trust:system``, ``trust:file:roots.pem``. Windows keeps intermediates in its ``CA`` store:
    they help build paths but are never anchors (cryptography treats every certificate in a
    ``Store`` as an anchor, so they must not go there).
    """

    label: str
    anchors: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()

    def __len__(self) -> int:
        return len(self.anchors)
