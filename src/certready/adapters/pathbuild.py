"""The one module that wraps ``cryptography.x509.verification`` (an unstable API: DESIGN §3, §6).

:func:`verify_path` builds and validates a path and returns a :class:`PathResult`, our own frozen
value: the path leaf -> anchor as :class:`ChainElement` values with their origins, or the reason the
verifier gave. Two modes:

- strict: what a Web PKI client does: the leaf's EKU, KU, SAN and name, at the given time;
- ``relaxed``: every check on the CA certificates, none on the leaf's own extensions; the caller
  names the leaf's own name and clamps the time into the leaf's validity, so a failure means the
  *chain* is wrong (the leaf's problems are the rules' business, never hidden by the chain's).

The verifier reports the first failure only, as free text, and says the same thing for a missing
intermediate and an untrusted root: :mod:`certready.services.chain` decides which it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from certready.core.facts import extract_facts
from certready.core.hostnames import ip_address
from certready.core.location import Location, UnknownLocation
from certready.core.model import CertFacts, ChainElement

Kind = Literal["server", "client"]

_RELAXED_EE_SERVER = ExtensionPolicy.permit_all().require_present(
    x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
)
_SHA256 = hashes.SHA256()


@dataclass(frozen=True, slots=True)
class PathResult:
    """A built path leaf -> anchor (``error`` is ``None``), or why none could be built."""

    path: tuple[ChainElement, ...]
    certificates: tuple[x509.Certificate, ...]
    """The same path as cryptography certificates (for revocation and signature checks)."""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Anchors:
    """A cryptography ``Store`` built once for a set of anchors (building one costs ~0.2 ms)."""

    def __init__(
        self, anchors: Sequence[x509.Certificate], fingerprints: Sequence[bytes] | None = None
    ) -> None:
        self.store = Store(list(anchors)) if anchors else None
        self.fingerprints = frozenset(
            fingerprints if fingerprints is not None else map(_sha256_fingerprint, anchors)
        )


def reference_subject(name: str) -> x509.DNSName | x509.IPAddress:
    """A normalised host (A-label, no trailing dot) or IP address as cryptography's subject."""
    if ":" not in name and not name.replace(".", "").isdigit():
        return x509.DNSName(name)  # quick: neither IPv6 (has ':') nor IPv4 (digits and dots only)
    address = ip_address(name)
    return x509.DNSName(name) if address is None else x509.IPAddress(address)


def covered_name(leaf: x509.Certificate) -> str | None:
    """A name the leaf itself covers (its first SAN entry; a wildcard's label filled in)."""
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, x509.DuplicateExtension, ValueError, TypeError):
        return None
    for dns in san.get_values_for_type(x509.DNSName):
        name = dns.lower().rstrip(".")
        if name.startswith("*."):
            name = "wildcard" + name[1:]
        if name.isascii() and "*" not in name and "_" not in name and name:
            return name
    for ip in san.get_values_for_type(x509.IPAddress):
        return str(ip)
    return None


def verify_path(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    anchors: Anchors,
    *,
    at: dt.datetime,
    host: str | None = None,
    kind: Kind = "server",
    relaxed: bool = False,
    max_chain_depth: int | None = None,
    origins: Mapping[bytes, Location] | None = None,
    facts: Callable[[x509.Certificate], CertFacts] = extract_facts,
    fingerprint: Callable[[x509.Certificate], bytes] | None = None,
    describe: bool = True,
) -> PathResult:
    """Build and validate a path for ``leaf``; ``host`` ``None`` means "a name the leaf covers".

    ``origins`` maps SHA-256 fingerprints to where each certificate came from
    (``file:app.pem#1``, ``trust:mozilla``); unknown ones show as ``unknown``. ``facts`` extracts
    a path certificate's facts (the caller may have them already); ``fingerprint`` its SHA-256
    fingerprint (likewise: computing one costs a hash of the whole DER). ``describe`` ``False``:
    only :attr:`PathResult.certificates` (``path`` stays empty), for a caller that describes the
    path itself.
    """
    if anchors.store is None:
        return PathResult((), (), "no trust anchor to validate against")
    builder = PolicyBuilder().store(anchors.store).time(at)
    if max_chain_depth is not None:
        builder = builder.max_chain_depth(max_chain_depth)
    name = host if host is not None else covered_name(leaf)
    try:
        if kind == "server" and name is not None:
            if relaxed:
                builder = builder.extension_policies(
                    ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=_RELAXED_EE_SERVER
                )
            verifier = builder.build_server_verifier(reference_subject(name))
            chain = verifier.verify(leaf, list(intermediates))
        else:
            if relaxed or kind == "server":
                builder = builder.extension_policies(
                    ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                    ee_policy=ExtensionPolicy.permit_all(),
                )
            chain = builder.build_client_verifier().verify(leaf, list(intermediates)).chain
    except VerificationError as exc:
        return PathResult((), (), _reason(exc))
    except ValueError as exc:  # a name cryptography cannot express (U-label, underscore...)
        return PathResult((), (), f"cannot validate for {name!r}: {exc}")
    if not describe:
        return PathResult((), tuple(chain))
    where = origins or {}
    fp = fingerprint or _sha256_fingerprint
    elements = tuple(ChainElement(facts(c), where.get(fp(c), UnknownLocation())) for c in chain)
    return PathResult(elements, tuple(chain))


def _sha256_fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(_SHA256)


def _reason(exc: VerificationError) -> str:
    text = str(exc)
    return text.removeprefix("validation failed: ")
