"""Path facts: what the chain service found about a leaf's chain, handed to the chain rules as data.

:mod:`certready.services.chain` builds the path (cryptography's verifier through
:mod:`certready.adapters.pathbuild`), walks the issuer graph, checks signatures and CRLs; the
result is one :class:`ChainContext` per leaf, and the rules of :mod:`certready.core.rules.chain`
judge it (the engine runs them like any other rule, with the same crash net). Nothing here is
computed: these are values. The records inside a context are named tuples (immutable, typed, and
built several times per analysis at a quarter of a frozen dataclass's cost).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from certready.core.judged import LINT_FILES, JudgedFor
from certready.core.location import Location
from certready.core.model import CertFacts, ChainElement, Role, Scope


class PathCertificate(NamedTuple):
    """One certificate of the path built for the leaf (leaf first), and what was found about it."""

    certificate: CertFacts
    origin: Location
    """Where it came from: the file and index, the server, or the trust store."""
    trusted_from: Location
    """Where the verifier took it from: the trust store for an anchor the user also supplied."""
    serial_number: int
    """The serial as the signed integer RFC 5280 §4.1.2.2 constrains."""
    root: bool
    """Self-signed (its signature verifies with its own key)."""
    anchor: bool
    """The last certificate of a path that reached a trust anchor."""
    ca_profile_problems: tuple[str, ...] = ()
    """Where a CA certificate (not the leaf) breaks the RFC 5280 CA profile, in words."""
    revocation_problems: tuple[str, ...] = ()
    """Why the supplied CRLs its issuer signed revoke it or cannot vouch for it, in words."""

    @property
    def what(self) -> str:
        """``root`` or ``intermediate``, as messages name a CA of the path."""
        return "root" if self.root else "intermediate"


class SuppliedCertificate(NamedTuple):
    """A certificate supplied with the leaf (not the leaf itself, no duplicate), in order given."""

    certificate: CertFacts
    origin: Location
    related: bool
    """It may be on a path of the leaf (issuer names and key identifiers lead to it)."""
    self_signed: bool


class Duplicate(NamedTuple):
    """A certificate supplied again: where, and where it was first."""

    certificate: CertFacts
    origin: Location
    """Where the copy was supplied."""
    first_origin: Location


class UnanchoredTop(NamedTuple):
    """The last certificate the issuer walk reached when no path reached a trust anchor."""

    certificate: CertFacts
    origin: Location
    self_signed: bool
    """A root no selected store holds (else: its issuer is missing)."""
    public: bool
    """It is in the public root store (Mozilla's), though not in the selected trust stores."""


@dataclass(frozen=True, slots=True)
class ChainContext:
    """What a chain rule sees: the leaf, what was supplied with it, and the path built for it."""

    scope: ClassVar[Scope] = Scope.CHAIN

    leaf: CertFacts
    location: Location
    """Where the leaf came from: chain findings are located there unless they name another."""
    at: dt.datetime
    """The time the path is validated at."""
    leaf_self_signed: bool = False
    """The leaf is its own issuer: no path is built."""
    leaf_trusted: bool = False
    """The (self-signed) leaf is itself a trust anchor of the selected stores: ``--trust``, or a
    manifest's ``trust.roots`` (installed by hand in Trusted Root on every machine)."""
    duplicates: tuple[Duplicate, ...] = ()
    supplied: tuple[SuppliedCertificate, ...] = ()
    """Everything supplied with the leaf, less the leaf and duplicates, in the order given."""
    given_order: tuple[ChainElement, ...] = ()
    """The leaf and the supplied certificates related to it, in the order given."""
    in_issuing_order: bool = True
    """``given_order`` starts with the leaf and each certificate can certify an earlier one."""
    path: tuple[PathCertificate, ...] = ()
    """Leaf -> anchor when ``anchored``, else leaf -> the last issuer found (``()``: none built)."""
    anchored: bool = False
    unanchored_top: UnanchoredTop | None = None
    """Set when a path was sought and reached no trust anchor."""
    issuer_is_public: bool | None = None
    """The anchor is in the public root store; ``None`` when no anchored path was found."""
    check_dates: bool = False
    """The CA dates still need checking (the strict verifier failed, so it did not vouch for them)."""
    verifier_error: str | None = None
    """Why the (relaxed) verifier found no valid path, in its words; ``None`` when it found one."""
    leaf_weak_signature_reported: bool = False
    """The verifier refused only the leaf's weak signature hash, which signature.weak-hash reports."""
    role: Role = Role.SSL
    judged_for: JudgedFor = LINT_FILES
    """The command and kind of input: fix texts name what its reader can act on."""

    @property
    def subject_certificate(self) -> CertFacts:
        return self.leaf
