"""The values every layer speaks: severities, certificate facts, rules, findings, results, reports.

Everything here is an immutable value. Facts are extracted once per certificate
(:mod:`certready.core.facts`); rules are pure functions of facts and parameters
(:mod:`certready.core.rules`); the engine turns their violations into findings
(:mod:`certready.core.engine`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import IntEnum, StrEnum
from typing import Any, ClassVar, Literal, Protocol

from certready.core.failure import FailureReason as FailureReason
from certready.core.failure import FetchStep as FetchStep
from certready.core.failure import ScanFailure as ScanFailure
from certready.core.judged import LINT_FILES, JudgedFor
from certready.core.location import EndpointLocation as EndpointLocation
from certready.core.location import FileLocation as FileLocation
from certready.core.location import InputLocation as InputLocation
from certready.core.location import Location as Location
from certready.core.location import ManifestLocation as ManifestLocation
from certready.core.location import TrustKind as TrustKind
from certready.core.location import TrustLocation as TrustLocation
from certready.core.location import UnknownLocation as UnknownLocation


class Severity(IntEnum):
    """How bad a finding is. Ordered, so ``--fail-on`` compares with ``>=``.

    - ``INFO``: a fact worth knowing (validation type, a root sent needlessly).
    - ``WARNING``: works today but fails for some clients or soon (expiring, CN not in SAN).
    - ``ERROR``: a client will refuse the certificate, or the install guide forbids it.
    """

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"warning"`` (any case) -> ``Severity.WARNING``; ``ValueError`` naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose one of {choices})") from None


ParamValue = bool | int | float | str | tuple[str, ...] | Severity
"""A rule parameter's value as a TOML profile sets it (lists become tuples, severities parse)."""


class Scope(StrEnum):
    """What a rule judges, and so which context its check receives.

    - ``CERTIFICATE``: one certificate's facts (:class:`RuleContext`).
    - ``CHAIN``: the path built for a leaf and what was supplied with it (path facts computed by
      the chain service and handed in as data).
    - ``HANDSHAKE``: what one live server presented in one handshake.
    - ``DEPLOYMENT``: the whole topology of a manifest.
    - ``CLIENT``: one server as one client machine sees it (its trust stores, its proxy).
    - ``CONTAINER``: the file a manifest server's certificate comes in (a PFX's encryption).
    """

    CERTIFICATE = "certificate"
    CHAIN = "chain"
    HANDSHAKE = "handshake"
    DEPLOYMENT = "deployment"
    CLIENT = "client"
    CONTAINER = "container"


class Role(StrEnum):
    """What a certificate is for: a TLS server (``ssl``) or WS-Federation token signing (``sts``)."""

    SSL = "ssl"
    STS = "sts"


KeyType = Literal["rsa", "ec", "dsa", "ed25519", "ed448", "unknown"]
ValidationType = Literal["DV", "OV", "IV", "EV"]


@dataclass(frozen=True, slots=True)
class PublicKeyFacts:
    """The subject public key: type, size in bits, named curve, RSA exponent."""

    key_type: KeyType
    size_bits: int
    curve: str | None = None
    """The curve's SEC name as cryptography spells it (``secp256r1``) for EC keys."""
    rsa_exponent: int | None = None
    spki_sha256: str = ""
    """SHA-256 of the DER SubjectPublicKeyInfo, hex: pairs a key with its certificate."""
    problem: str | None = None
    """What makes an RSA or EC key unusable (an even modulus, a point off its curve), in words;
    ``None`` for a sound key (:mod:`certready.core.spki`)."""


@dataclass(frozen=True, slots=True)
class BasicConstraints:
    ca: bool
    path_length: int | None
    critical: bool


@dataclass(frozen=True, slots=True)
class ExtensionProblem:
    """One extension that cannot be read (the others are read without it)."""

    oid: str
    """Dotted OID (``2.5.29.15``)."""
    name: str
    """Its RFC 5280 name when known (``keyUsage``), else the OID."""
    problem: str
    """What is wrong, in words (``its value is an INTEGER, not a BIT STRING``)."""
    critical: bool = False

    def __str__(self) -> str:
        return f"{self.name} ({self.oid}): {self.problem}"


@dataclass(frozen=True, slots=True)
class CertFacts:
    """Everything the rules need to know about one certificate, extracted once.

    Names are RFC 5280's in Python spelling. Absent extensions are ``None`` (not empty), so a rule
    can tell "no Key Usage extension" from "Key Usage with no bits".
    """

    subject: str
    """RFC 4514 string of the subject name."""
    issuer: str
    serial_number: str
    """Hex, upper case, as Windows and OpenSSL show it."""
    version: int
    not_valid_before: dt.datetime
    not_valid_after: dt.datetime
    public_key: PublicKeyFacts
    signature_algorithm: str
    """Dotted OID of the signature algorithm."""
    signature_hash: str | None
    """``sha256``, ``sha1``, ``md5``...; ``None`` for Ed25519/Ed448 (no separate hash)."""
    common_names: tuple[str, ...]
    subject_alt_name: SubjectAltName | None
    key_usage: frozenset[str] | None
    """Bit names as cryptography spells them: ``digital_signature``, ``key_encipherment``..."""
    extended_key_usage: tuple[str, ...] | None
    """Dotted OIDs, in certificate order."""
    basic_constraints: BasicConstraints | None
    subject_key_identifier: str | None
    authority_key_identifier: str | None
    certificate_policies: tuple[str, ...]
    validation_type: ValidationType | None
    """From the CA/Browser Forum reserved policy OIDs; ``None`` when none is asserted."""
    ca_issuers: tuple[str, ...]
    """Authority Information Access caIssuers URLs: where the issuer can be downloaded."""
    ocsp_responders: tuple[str, ...]
    crl_distribution_points: tuple[str, ...]
    fingerprint_sha256: str
    """Hex, upper case, colon-free."""
    thumbprint_sha1: str
    """The SHA-1 thumbprint Windows certificate tools show (hex, upper case)."""
    self_issued: bool
    """Subject equals issuer (RFC 5280 §6.1)."""
    self_signed: bool
    """Self-issued and its signature verifies with its own key."""
    extension_errors: tuple[ExtensionProblem, ...] = ()
    """Extensions that could not be parsed, each on its own; ``extension.malformed`` reports
    them, and the other extensions are read as usual."""

    @property
    def lifetime(self) -> dt.timedelta:
        """notAfter - notBefore. RFC 5280 validity is inclusive, CA/B counts it the same way."""
        return self.not_valid_after - self.not_valid_before

    @property
    def is_ca(self) -> bool:
        return self.basic_constraints is not None and self.basic_constraints.ca

    @property
    def display_name(self) -> str:
        """The CN when there is one, else the first SAN, else the whole subject."""
        if self.common_names:
            return self.common_names[0]
        if self.subject_alt_name and self.subject_alt_name.dns_names:
            return self.subject_alt_name.dns_names[0]
        return self.subject or "(empty subject)"


@dataclass(frozen=True, slots=True)
class SubjectAltName:
    """The subjectAltName extension. DNS names are lower-case A-labels as the CA wrote them."""

    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    other_names: tuple[str, ...] = ()
    """email, URI, directoryName... as ``type:value``: never used for server identity."""
    critical: bool = False
    dns_names_as_written: tuple[str, ...] = ()
    """The dNSName entries byte for byte, case kept (CA/B BR §7.1.4.3 compares the CN with these)."""


class KeyPairing(StrEnum):
    """Whether a private key came with the certificate, and whether it belongs to it."""

    ABSENT = "absent"
    MATCHES = "matches"
    MISMATCH = "mismatch"


@dataclass(frozen=True, slots=True)
class ChainElement:
    """One certificate of a built or presented path, and where it came from."""

    certificate: CertFacts
    origin: Location
    """``file:certs/app.pfx#1``, ``tls://app:443#2``, ``trust:mozilla``, ``trust:file:roots.pem``."""


class Context(Protocol):
    """What the engine needs of any scope's context: its scope, where findings are located by
    default, the role it is judged for, and the certificate findings are about by default."""

    scope: ClassVar[Scope]

    @property
    def location(self) -> Location: ...

    @property
    def role(self) -> Role | None: ...

    @property
    def subject_certificate(self) -> CertFacts | None: ...


@dataclass(frozen=True, slots=True)
class KeyOrigin:
    """A private key given with a certificate that it does not belong to."""

    location: FileLocation
    """Where the key came from (``file:app.key#key0``)."""
    belongs_to: str | None = None
    """The certificate (or manifest server) it does belong to, in words, when one was given."""


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a certificate rule sees: the leaf, what came with it, who connects to it, and when."""

    scope: ClassVar[Scope] = Scope.CERTIFICATE

    leaf: CertFacts
    location: Location
    """Where the leaf came from: ``file:certs/app.pem#0``, ``tls://app:443#leaf``."""
    now: dt.datetime
    role: Role = Role.SSL
    hosts: tuple[str, ...] = ()
    """The names clients use: DNS names as lower-case A-labels, or IP addresses."""
    others: tuple[CertFacts, ...] = ()
    """The other certificates supplied with the leaf, in the order given (file, bundle, server)."""
    path: tuple[ChainElement, ...] | None = None
    """The validated path leaf -> root when chain analysis ran and succeeded."""
    private_key: KeyPairing = KeyPairing.ABSENT
    issuer_is_public: bool | None = None
    """The chain ends in a public root store (Mozilla's); ``None`` when not determined."""
    served: bool = False
    """The certificates were presented by a live server (not read from files)."""
    judged_for: JudgedFor = LINT_FILES
    """The command and kind of input: fix texts name what its reader can act on."""
    foreign_key: KeyOrigin | None = None
    """With ``private_key`` MISMATCH: the key given that is not the leaf's, when it came from
    elsewhere (a key file given beside the certificate)."""

    @property
    def subject_certificate(self) -> CertFacts:
        return self.leaf


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule's check yields: a message, and optionally a certificate other than the leaf."""

    message: str
    certificate: CertFacts | None = None
    location: Location | None = None
    severity: Severity | None = None
    """Overrides the rule's configured severity for this one violation (rarely needed)."""
    remediation: str | None = None
    """Overrides the rule's remediation when this case needs a more specific fix."""
    host: str | None = None
    """The name clients use that this violation is about, when it is about one (see
    :attr:`Finding.host`)."""


Check = Callable[[Any, Any], Iterable[Violation]]
"""``check(context, parameters)``: the context of the rule's scope and its typed parameters."""


@dataclass(frozen=True, slots=True)
class NoParameters:
    """The parameters of a rule that takes none."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule, declared once beside its check: stable dotted id, scope, default severity, why,
    how to fix, typed parameters, and the rules whose findings it makes redundant."""

    id: str
    title: str
    severity: Severity
    rationale: str
    remediation: str
    references: tuple[str, ...]
    check: Check = field(repr=False, compare=False)
    params: type[Any] = NoParameters
    """A frozen dataclass: each field one parameter, with its type and default."""
    roles: frozenset[Role] = frozenset({Role.SSL})
    """The roles this rule applies to (name rules do not apply to a token-signing certificate)."""
    scope: Scope = Scope.CERTIFICATE
    supersedes: tuple[str, ...] = ()
    """Ids of rules whose findings on the same target say less than this rule's: when this rule
    finds something, theirs are dropped (one mistake, one finding)."""

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def parameters(self) -> Mapping[str, ParamValue]:
        """The declared defaults, ``{name: value}`` in declaration order."""
        defaults = self.params()
        return {f.name: getattr(defaults, f.name) for f in fields(defaults)}

    def __call__(self, context: Any, params: Any = None) -> Iterable[Violation]:
        """Run the check (with the declared defaults when ``params`` is not given)."""
        return self.check(context, self.params() if params is None else params)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's verdict on one certificate of one target."""

    rule_id: str
    severity: Severity
    message: str
    location: Location
    remediation: str
    subject: str | None = None
    fingerprint_sha256: str | None = None
    about: tuple[str, ...] = ()
    """For a report-level (deployment) finding: the targets it concerns, by their
    :attr:`TargetResult.target`; set by the audit from the server the finding is about. Empty when
    it concerns no one target (a client group, the proxy)."""
    host: str | None = None
    """The name clients use that the finding is about (``names.host-not-covered``,
    ``deployment.mobile-external-name``): a finding superseding another about the same target
    drops it only when both are about this host."""


class TargetStatus(StrEnum):
    """Whether a target could be examined at all. Failure is data, never an abort."""

    OK = "ok"
    INPUT_ERROR = "input-error"
    """The file could not be read as certificates (corrupt, empty, wrong password)."""
    UNREACHABLE = "unreachable"
    """The server could not be reached or did not complete a TLS handshake."""
    SKIPPED = "skipped"
    """Deliberately not examined (a file of CA certificates only: no server certificate to lint).
    Not a failure: it does not make a report NOT READY."""

    @property
    def failed(self) -> bool:
        """The target could not be examined (input error, unreachable); skipped is no failure."""
        return self in (TargetStatus.INPUT_ERROR, TargetStatus.UNREACHABLE)


@dataclass(frozen=True, slots=True)
class TlsFacts:
    """What a live handshake showed."""

    address: str
    """The address connected to, ``ip:port``."""
    sni: str | None
    protocol: str
    """``TLSv1.3``, ``TLSv1.2``..."""
    cipher: str
    handshake_ms: float


@dataclass(frozen=True, slots=True)
class TargetResult:
    """One thing examined (a file, a server, a manifest entry) and everything found about it."""

    target: str
    """What the user named: a path, ``host:port``, a manifest server name."""
    location: Location
    status: TargetStatus = TargetStatus.OK
    reason: str | None = None
    """Why the target could not be examined, one line, when ``status`` is not OK."""
    failure: ScanFailure | None = None
    """For a live target that could not be examined: the stable reason and the step."""
    role: Role = Role.SSL
    hosts: tuple[str, ...] = ()
    certificates: tuple[ChainElement, ...] = ()
    """What was supplied or presented, leaf first, each with its origin."""
    path: tuple[ChainElement, ...] = ()
    """The built path leaf -> anchor, when chain analysis ran."""
    findings: tuple[Finding, ...] = ()
    tls: TlsFacts | None = None
    private_key: KeyPairing = KeyPairing.ABSENT
    issuer_is_public: bool | None = None
    """The chain analysis' one decision: the anchor is in a public root program's store (a root
    is public because of where it is, whether or not the user also listed it); ``None`` when no
    path was anchored or no chain analysis ran. Every reader (rules, audit, plan) uses this."""

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)


@dataclass(frozen=True, slots=True)
class Report:
    """The result of one command: every target, plus findings about the whole (topology)."""

    command: str
    profile: str
    generated_at: dt.datetime
    targets: tuple[TargetResult, ...]
    findings: tuple[Finding, ...] = ()
    title: str | None = None

    def all_findings(self) -> Iterable[Finding]:
        yield from self.findings
        for target in self.targets:
            yield from target.findings

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.all_findings()), default=None)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.all_findings() if f.severity == severity)

    @property
    def input_errors(self) -> tuple[TargetResult, ...]:
        return tuple(t for t in self.targets if t.status.failed)
