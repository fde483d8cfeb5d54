"""Run chain analysis on in-memory certificates (no files): what every chain test needs."""

from __future__ import annotations

import datetime as dt

from cryptography import x509

from certready.adapters.crls import LoadedCrl
from certready.adapters.inputs import LoadedCertificate
from certready.adapters.profiles import load_policy
from certready.adapters.trust import TrustStore
from certready.core.location import MOZILLA, FileLocation, TrustKind, TrustLocation
from certready.services.chain import ChainAnalysis, ChainOptions, analyse_chain
from tests.pki import NOW


def loaded(*certs: x509.Certificate, source: str = "bundle.pem") -> list[LoadedCertificate]:
    return [LoadedCertificate(c, FileLocation(source, i)) for i, c in enumerate(certs)]


ROOTS_FILE = TrustLocation(TrustKind.FILE, "roots.pem")


def store(*roots: x509.Certificate, origin: TrustLocation = ROOTS_FILE) -> TrustStore:
    return TrustStore(origin, tuple(roots))


def analyse(
    leaf: x509.Certificate,
    *others: x509.Certificate,
    trust: tuple[x509.Certificate, ...] = (),
    public: tuple[x509.Certificate, ...] | None = None,
    extra: tuple[x509.Certificate, ...] = (),
    crls: tuple[x509.CertificateRevocationList, ...] = (),
    at: dt.datetime | None = None,
    hosts: tuple[str, ...] = (),
    profile: str = "homecare",
    order: list[int] | None = None,
) -> ChainAnalysis:
    """``leaf`` and ``others`` as one file (in ``order`` when given: indexes into leaf+others)."""
    certs = [leaf, *others]
    given = [certs[i] for i in order] if order is not None else certs
    supplied = loaded(*given)
    leaf_loaded = next(item for item in supplied if item.certificate == leaf)
    trusted = store(*trust)
    options = ChainOptions(
        trust=(trusted,),
        public=store(*(public if public is not None else trust), origin=MOZILLA),
        extra_certificates=tuple(
            LoadedCertificate(c, f"file:chain.pem#{i}") for i, c in enumerate(extra)
        ),
        crls=tuple(LoadedCrl(c, f"file:crl{i}.pem#0") for i, c in enumerate(crls)),
        at=at,
    )
    return analyse_chain(leaf_loaded, supplied, options, load_policy(profile), hosts=hosts, now=NOW)


def ids(analysis: ChainAnalysis) -> list[str]:
    return sorted(f.rule_id for f in analysis.findings)
