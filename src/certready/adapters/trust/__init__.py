"""Trust stores: the roots (anchors) a client accepts, and where each came from.

- :mod:`.mozilla`: Mozilla's store as ``certifi`` ships it: the answer to "is this a public CA?".
- :mod:`.system`: the operating system's store (Linux bundle or folder, macOS keychains, Windows
  LocalMachine ROOT and CA via ``ssl.enum_certificates``).
- :mod:`.files`: a PEM/DER file or a folder of them.

``--trust mozilla,system,roots.pem`` (repeatable) selects several; :func:`parse_trust` combines them.
"""

from __future__ import annotations

from certready.adapters.trust.files import load_trust_path
from certready.adapters.trust.model import TrustStore
from certready.adapters.trust.mozilla import load_mozilla
from certready.adapters.trust.system import load_system
from certready.core.errors import UsageError

__all__ = [
    "TrustStore",
    "load_mozilla",
    "load_store",
    "load_system",
    "load_trust_path",
    "parse_trust",
]


def load_store(spec: str) -> TrustStore:
    """One store by name: ``mozilla``, ``system``, or a file/folder path."""
    name = spec.strip()
    if not name:
        raise UsageError("empty --trust entry")
    if name == "mozilla":
        return load_mozilla()
    if name == "system":
        return load_system()
    return load_trust_path(name)


def parse_trust(values: list[str] | tuple[str, ...] | None) -> tuple[TrustStore, ...]:
    """``["mozilla,system", "roots.pem"]`` -> one store per entry, in order, duplicates dropped.

    Nothing given means Mozilla's store (the public web's answer).
    """
    specs: list[str] = []
    for value in values or ("mozilla",):
        for part in value.split(","):
            if part.strip() and part.strip() not in specs:
                specs.append(part.strip())
    if not specs:
        raise UsageError("--trust needs mozilla, system, or a file or folder of root certificates")
    return tuple(load_store(s) for s in specs)
