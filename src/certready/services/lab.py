"""lab: a private CA for test and training environments that issues what the install guide wants.

- :func:`init`: a root and an issuing CA (realistic lifetimes, path lengths, key identifiers,
  optional CRL distribution point), keys 0600.
- :func:`issue`: a key and a leaf that passes the ``homecare`` profile (or carries exactly one
  planted defect), written as PEM, PEM chain, key and PKCS#12.
- :func:`sign`: a leaf for an existing request.
- :func:`revoke` and :func:`publish_crls`: CRLs at the paths the CRL distribution points name.

Every function returns a frozen result naming the files it wrote, so the demo and tests can use
the lab without the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certready.adapters.inputs import read_bytes
from certready.adapters.issuance.ca import (
    BACKDATE,
    CA_CHAIN,
    CRL_DAYS,
    SETTINGS,
    LabCA,
    LeafPlan,
    Revocation,
    create_lab,
    load_lab,
    pem,
    read_settings,
    sign_leaf,
    sign_public_key,
    write_crls,
    write_settings,
)
from certready.adapters.issuance.csr import (
    load_csr,
    parse_failure,
    requested_common_name,
    requested_names,
)
from certready.adapters.issuance.defects import get_defect
from certready.adapters.issuance.extensions import TLS_EKU, key_usage_for
from certready.adapters.issuance.keys import (
    KEY_MODE,
    check_key_type,
    generate_key,
    refuse_existing,
    write_file,
    write_private_key,
    write_public,
)
from certready.adapters.issuance.pkcs12 import pfx_bytes
from certready.adapters.profiles import load_policy
from certready.core.errors import InputError, UsageError
from certready.core.facts import extract_facts
from certready.core.hostnames import normalise_host
from certready.core.issuer_link import issued_by
from certready.core.model import Role
from certready.core.policy import Policy
from certready.services.csr import content_errors, file_stem, refuse_policy_errors, refuse_stdout

DEFAULT_DAYS = 397
MAX_DAYS = 825
"""Apple rejects TLS certificates issued after 2019-07-01 valid for more than 825 days."""
STS_COMMON_NAME = "certready lab token signing"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class LabFiles:
    """A lab's files. Install ``root_certificate`` as a trusted root, ``issuing_certificate`` as
    an intermediate; ``ca_chain`` holds both."""

    directory: Path
    root_certificate: Path
    root_key: Path
    issuing_certificate: Path
    issuing_key: Path
    ca_chain: Path
    settings: Path
    root_sha256: str
    crl_base_url: str | None


def _lab_files(lab: LabCA) -> LabFiles:
    return LabFiles(
        directory=lab.directory,
        root_certificate=lab.root.cert_path,
        root_key=lab.root.key_path,
        issuing_certificate=lab.issuing.cert_path,
        issuing_key=lab.issuing.key_path,
        ca_chain=lab.directory / CA_CHAIN,
        settings=lab.directory / SETTINGS,
        root_sha256=lab.root.certificate.fingerprint(hashes.SHA256()).hex().upper(),
        crl_base_url=lab.crl_base_url,
    )


def init(
    directory: Path | str,
    *,
    key_type: str = "rsa3072",
    crl_base_url: str | None = None,
    force: bool = False,
    now: dt.datetime | None = None,
) -> LabFiles:
    """Create a lab (root + issuing CA) in ``directory``; refuses to replace one without ``force``."""
    if crl_base_url is not None and not crl_base_url.startswith(("http://", "https://")):
        raise UsageError(f"--crl-url must be an http(s) URL, not {crl_base_url!r}")
    lab = create_lab(
        refuse_stdout(directory),
        key_type=check_key_type(key_type),
        crl_base_url=crl_base_url,
        now=now or _now(),
        force=force,
    )
    return _lab_files(lab)


def open_lab(directory: Path | str | None) -> LabFiles:
    """The files of an existing lab (``None``: the caller found no --lab nor $CERTREADY_LAB)."""
    return _lab_files(load_lab(_lab_dir(directory)))


def _lab_dir(directory: Path | str | None) -> Path:
    if directory is None or str(directory) == "":
        raise UsageError("which lab? give --lab DIR or set CERTREADY_LAB")
    return Path(directory)


@dataclass(frozen=True, slots=True)
class IssueOptions:
    hosts: tuple[str, ...]
    role: Role = Role.SSL
    key_type: str = "rsa2048"
    days: int = DEFAULT_DAYS
    defect: str | None = None
    pfx_password: bytes | None = None
    """The PFX is written only when a password is given."""
    legacy_pfx: bool = False
    force: bool = False
    stem: str | None = None
    now: dt.datetime = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class IssuedFiles:
    """What ``issue`` or ``sign`` wrote. ``chain`` is the leaf then the issuing CA, as servers
    send it (the leaf alone for the ``no-intermediate`` and ``self-signed`` defects)."""

    certificate: Path
    chain: Path
    key: Path | None
    """``None`` for :func:`sign` (the key stayed with whoever made the request)."""
    pfx: Path | None
    lab_root: Path
    hosts: tuple[str, ...]
    role: Role
    defect: str | None
    expected_rule: str | None
    """The rule the planted defect makes fire."""
    not_before: dt.datetime
    not_after: dt.datetime
    fingerprint_sha256: str
    legacy_pfx: bool = False


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(
            f"--days must be between 1 and {MAX_DAYS} (Apple rejects longer TLS certificates)"
        )


def _hosts(hosts: Sequence[str], role: Role) -> tuple[str, ...]:
    normalised = tuple(dict.fromkeys(normalise_host(h) for h in hosts))
    if not normalised and role is Role.SSL:
        raise UsageError("give at least one --host (the names clients connect to)")
    return normalised


def _plan(
    lab: LabCA,
    hosts: tuple[str, ...],
    role: Role,
    key_type: str,
    days: int,
    now: dt.datetime,
) -> LeafPlan:
    start = now - BACKDATE
    return LeafPlan(
        common_name=hosts[0] if hosts else (STS_COMMON_NAME if role is Role.STS else None),
        hosts=hosts or None,
        key_type=key_type,
        key_usage=key_usage_for(key_type),
        extended_key_usage=TLS_EKU,
        not_before=start,
        not_after=start + dt.timedelta(days=days),
        crl_url=lab.leaf_crl_url,
    )


def _check_issuer_outlives(plan: LeafPlan, lab: LabCA) -> None:
    if plan.not_after > lab.issuing.certificate.not_valid_after_utc:
        raise UsageError(
            "the lab's issuing CA expires before this certificate would: create a new lab",
            location=str(lab.issuing.cert_path),
        )


def check_request(
    hosts: Sequence[str], role: Role, key_type: str, days: int, defect: str | None
) -> None:
    """The mistakes ``lab issue`` can report before it asks for a PFX password (bad host, defect,
    key type or days): nobody should type a password for a command that then refuses."""
    _hosts(hosts, role)
    if defect:
        get_defect(defect)
    _check_days(days)
    check_key_type(key_type)


def _stem(hosts: tuple[str, ...], role: Role, certificate: x509.Certificate) -> str:
    """``app.example.org`` for a TLS certificate; a token-signing one never collides with it nor
    with another environment's: ``token-signing-app.example.org``, or without a host
    ``token-signing-<first 8 hex of its SHA-256>``."""
    if role is not Role.STS:
        return file_stem(hosts, "certificate")
    if hosts:
        return "token-signing-" + file_stem(hosts, "")
    return "token-signing-" + certificate.fingerprint(hashes.SHA256()).hex()[:8]


def issue(lab_dir: Path | str | None, out_dir: Path | str, options: IssueOptions) -> IssuedFiles:
    """A new key and leaf from the lab in ``lab_dir``, written to ``out_dir`` as
    ``<stem>.pem`` (leaf), ``<stem>.chain.pem``, ``<stem>.key`` (0600) and, with a password,
    ``<stem>.pfx`` (0600, full chain, AES-256 or with ``legacy_pfx`` 3DES/SHA-1)."""
    directory = refuse_stdout(out_dir)
    lab = load_lab(_lab_dir(lab_dir))
    hosts = _hosts(options.hosts, options.role)
    defect = get_defect(options.defect) if options.defect else None
    _check_days(options.days)  # the too-long defect sets its own end, nothing else may
    if options.pfx_password is not None and not options.pfx_password:
        raise UsageError("an empty PFX password is not allowed")
    plan = _plan(
        lab, hosts, options.role, check_key_type(options.key_type), options.days, options.now
    )
    if defect is not None:
        plan = defect.plant(plan)
    _check_issuer_outlives(plan, lab)
    key = generate_key(plan.key_type)
    certificate = sign_leaf(plan, key, None if plan.self_signed else lab.issuing)
    stem = options.stem or _stem(hosts, options.role, certificate)
    names = {ext: directory / f"{stem}.{ext}" for ext in ("pem", "chain.pem", "key", "pfx")}
    if options.pfx_password is None:
        del names["pfx"]
    refuse_existing(names.values(), force=options.force)
    chain = [lab.issuing.certificate] if plan.send_intermediate else []
    force = options.force
    write_private_key(names["key"], key, force=force)
    write_public(names["pem"], pem(certificate), force=force)
    write_public(names["chain.pem"], pem(certificate) + b"".join(map(pem, chain)), force=force)
    pfx_path = None
    if options.pfx_password is not None:
        data = pfx_bytes(
            key,
            certificate,
            chain,
            options.pfx_password,
            friendly_name=plan.common_name or stem,
            legacy=options.legacy_pfx,
        )
        pfx_path = write_file(names["pfx"], data, mode=KEY_MODE, force=force)
    return IssuedFiles(
        certificate=names["pem"],
        chain=names["chain.pem"],
        key=names["key"],
        pfx=pfx_path,
        lab_root=lab.root.cert_path,
        hosts=hosts,
        role=options.role,
        defect=defect.name if defect else None,
        expected_rule=defect.rule_id if defect else None,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex().upper(),
        legacy_pfx=options.legacy_pfx,
    )


def _request_key_type(csr: x509.CertificateSigningRequest, source: str) -> str:
    public_key = csr.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "p256", "secp384r1": "p384"}.get(
            public_key.curve.name, public_key.curve.name
        )
    raise InputError("only RSA and EC keys can be signed by the lab", location=source)


def sign(
    lab_dir: Path | str | None,
    csr_path: Path | str,
    out_dir: Path | str,
    *,
    role: Role = Role.SSL,
    days: int = DEFAULT_DAYS,
    policy: Policy | None = None,
    force: bool = False,
    stem: str | None = None,
    now: dt.datetime | None = None,
) -> IssuedFiles:
    """A leaf for the request at ``csr_path``: its SAN names (its CN when it has none), the
    usages the lab decides (KU by key type, EKU serverAuth + clientAuth), the lab policy.
    A request whose key or names the policy rejects (RSA-1024...) is refused."""
    source = Path(csr_path)
    lab = load_lab(_lab_dir(lab_dir))
    csr = load_csr(source)
    _check_days(days)
    names = requested_names(csr)
    if not names:
        cn = requested_common_name(csr)
        names = (cn,) if cn else ()
    hosts = _hosts(names, role)
    key_type = _request_key_type(csr, str(source))
    plan = _plan(lab, hosts, role, key_type, days, now or _now())
    _check_issuer_outlives(plan, lab)
    chosen_stem = stem or file_stem(hosts, source.stem)
    if str(out_dir) == "-":
        raise UsageError("give --out DIR: sign writes the certificate and its chain as files")
    paths = {ext: Path(out_dir) / f"{chosen_stem}.{ext}" for ext in ("pem", "chain.pem")}
    refuse_existing(paths.values(), force=force)
    certificate = sign_public_key(plan, csr.public_key(), lab.issuing)
    effective_policy = policy or load_policy()
    refuse_policy_errors(
        content_errors(certificate, hosts, effective_policy, role=role),
        effective_policy,
        f"{source}: the certificate for this request",
    )
    write_public(paths["pem"], pem(certificate), force=force)
    write_public(paths["chain.pem"], pem(certificate) + pem(lab.issuing.certificate), force=force)
    return IssuedFiles(
        certificate=paths["pem"],
        chain=paths["chain.pem"],
        key=None,
        pfx=None,
        lab_root=lab.root.cert_path,
        hosts=hosts,
        role=role,
        defect=None,
        expected_rule=None,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex().upper(),
    )


@dataclass(frozen=True, slots=True)
class CrlFiles:
    """The lab's CRLs as last written: the issuing CA's (leaves) and the root's."""

    issuing_crl: Path
    root_crl: Path
    crl_number: int
    revoked_serials: tuple[str, ...]
    """Hex, upper case, as certready and Windows show serials."""
    next_update: dt.datetime


def _revocations(settings: dict[str, object], source: Path) -> list[Revocation]:
    entries = settings.get("revoked", [])
    out: list[Revocation] = []
    try:
        for entry in entries if isinstance(entries, list) else []:
            out.append(
                Revocation(int(entry["serial"], 16), dt.datetime.fromisoformat(entry["revoked_at"]))
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"unreadable revocation list: {exc}", location=str(source)) from None
    return out


def _publish(lab: LabCA, revoked: list[Revocation], now: dt.datetime) -> CrlFiles:
    settings = read_settings(lab.directory)
    previous = settings.get("crl_number", 0)
    number = (previous if isinstance(previous, int) else 0) + 1
    settings["crl_number"] = number
    settings["revoked"] = [
        {"serial": format(r.serial_number, "X"), "revoked_at": r.revoked_at.isoformat()}
        for r in revoked
    ]
    issuing_crl, root_crl = write_crls(lab, revoked, number, now)
    write_settings(lab.directory, settings)
    return CrlFiles(
        issuing_crl=issuing_crl,
        root_crl=root_crl,
        crl_number=number,
        revoked_serials=tuple(format(r.serial_number, "X") for r in revoked),
        next_update=now + dt.timedelta(days=CRL_DAYS),
    )


def publish_crls(lab_dir: Path | str | None, *, now: dt.datetime | None = None) -> CrlFiles:
    """Write fresh CRLs (next CRL number, nextUpdate in a week) for the lab's revocations."""
    lab = load_lab(_lab_dir(lab_dir))
    revoked = _revocations(read_settings(lab.directory), lab.directory / SETTINGS)
    return _publish(lab, revoked, now or _now())


def revoke(
    lab_dir: Path | str | None, certificate_path: Path | str, *, now: dt.datetime | None = None
) -> CrlFiles:
    """Revoke a certificate the lab's issuing CA issued (the first certificate of the file) and
    publish new CRLs. Lint it with ``--crl <lab>/issuing-ca.crl`` to see ``chain.revoked``."""
    lab = load_lab(_lab_dir(lab_dir))
    source = Path(certificate_path)
    data = read_bytes(str(source))
    try:
        certificate = (
            x509.load_pem_x509_certificates(data)[0]
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except (ValueError, IndexError):
        raise InputError(parse_failure(data, "certificate"), location=str(source)) from None
    if not issued_by(
        extract_facts(certificate),
        extract_facts(lab.issuing.certificate),
        key_identifiers_required=True,  # not the signature: a SHA-1 training leaf is the lab's too
    ):
        raise UsageError("not issued by this lab's issuing CA", location=str(source))
    revoked = _revocations(read_settings(lab.directory), lab.directory / SETTINGS)
    serial = certificate.serial_number
    if any(r.serial_number == serial for r in revoked):
        raise UsageError(f"serial {serial:X} is already revoked", location=str(source))
    moment = now or _now()
    return _publish(lab, [*revoked, Revocation(serial, moment - dt.timedelta(minutes=1))], moment)


__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "CrlFiles",
    "IssueOptions",
    "IssuedFiles",
    "LabFiles",
    "check_request",
    "init",
    "issue",
    "open_lab",
    "publish_crls",
    "refuse_stdout",
    "revoke",
    "sign",
]
