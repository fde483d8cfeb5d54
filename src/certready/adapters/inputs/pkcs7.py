"""PKCS#7 certificate bundles (``.p7b``, DER or BER) and the chain order they do not keep."""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Callable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7

from certready.adapters.inputs.bundle import Bundle, LoadedCertificate, location
from certready.adapters.inputs.failures import BAD_DATA, reason
from certready.core.errors import InputError
from certready.core.facts import read_certificate_names


def load_pkcs7_der(data: bytes, source: str) -> Bundle:
    try:
        certs = pkcs7_certificates(pkcs7.load_der_pkcs7_certificates, data)
    except BAD_DATA as exc:
        raise InputError(
            f"not a valid PKCS#7 certificate bundle ({reason(exc)})", location=source
        ) from None
    return pkcs7_bundle(certs, source)


def pkcs7_certificates(
    load: Callable[[bytes], list[x509.Certificate]], data: bytes
) -> list[x509.Certificate]:
    """The certificates of a PKCS#7 bundle, DER or BER.

    ``openssl crl2pkcs7`` and older Windows write PKCS#7 that is not strict DER (an unsorted SET,
    indefinite lengths). Every tool reads it, so it is no remark for the administrator; but
    cryptography says so with a ``UserWarning`` that must not reach the terminal.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load(data)


def pkcs7_bundle(certs: Sequence[x509.Certificate], source: str) -> Bundle:
    """The certificates of a bundle, put in chain order (and a note when that moved them)."""
    if not certs:
        raise InputError("a PKCS#7 bundle with no certificate in it", location=source)
    for i, cert in enumerate(certs):
        try:
            # parsed on access: a damaged name must fail here, not later
            read_certificate_names(cert)
        except BAD_DATA as exc:
            raise InputError(
                f"certificate #{i} is damaged: its names cannot be read ({reason(exc)})",
                location=source,
            ) from None
    ordered = chain_order(certs)
    notes: tuple[str, ...] = ()
    if ordered != list(certs):
        notes += (
            "PKCS#7 keeps no order: certificates listed leaf first, each followed by its issuer",
        )
    return Bundle(
        source,
        "pkcs7",
        tuple(LoadedCertificate(c, location(source, i)) for i, c in enumerate(ordered)),
        notes=notes,
    )


def chain_order(certs: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Leaf first, each certificate followed by its issuer (by name); the rest after.

    A PKCS#7 bundle is a SET: the order it is read in says nothing about the chain. When several
    certificates issue none of the others, the one with the longest chain comes first. Each
    issuer is looked up by name in a table, and each chain's length is counted once for all the
    certificates below it, so the time is linear in the number of certificates (4,000 took 7 s
    and more when every step searched the whole bundle).
    """
    names = [(c.subject, c.issuer) for c in certs]
    by_subject: dict[x509.Name, list[int]] = {}
    for i, (subject, _) in enumerate(names):
        by_subject.setdefault(subject, []).append(i)
    issuing = {issuer for subject, issuer in names if issuer != subject}
    leaves = [i for i, (subject, _) in enumerate(names) if subject not in issuing] or [0]
    leaves = leaves if certs else []
    length = _chain_lengths(names, by_subject)
    leaves.sort(key=lambda i: -length[i])
    # Each subject's certificates not placed yet, first in bundle order.
    waiting = {subject: deque(indexes) for subject, indexes in by_subject.items()}
    placed = [False] * len(certs)
    ordered: list[int] = []
    for leaf in leaves:
        current: int | None = leaf
        while current is not None and not placed[current]:
            placed[current] = True
            ordered.append(current)
            queue = waiting.get(names[current][1])
            while queue and placed[queue[0]]:
                queue.popleft()
            current = queue[0] if queue else None
    ordered.extend(i for i in range(len(certs)) if not placed[i])
    return [certs[i] for i in ordered]


def _chain_lengths(
    names: Sequence[tuple[x509.Name, x509.Name]], by_subject: dict[x509.Name, list[int]]
) -> list[int]:
    """How many certificates the chain up from each one has (itself included).

    The chain goes from a certificate to the first other one named as its issuer that is not on
    it yet; among certificates of one name that issue themselves (a root and its renewal), that
    takes them in bundle order up to the first one issued by another name. So the length is
    counted once per name (memoised) rather than walked again from every certificate. Where
    names loop (two CAs that cross-signed each other) the count stops where it would come back.
    """
    entering: dict[x509.Name, int] = {}
    """Length of the chain from the first certificate of a name, coming from another name."""
    position = {i: p for indexes in by_subject.values() for p, i in enumerate(indexes)}
    """Where each certificate stands among those of its name."""
    exits: dict[x509.Name, int | None] = {
        subject: next((p for p, i in enumerate(indexes) if names[i][1] != subject), None)
        for subject, indexes in by_subject.items()
    }
    """Among the certificates of a name, the position of the first one issued by another."""

    def from_name(name: x509.Name) -> int:
        pending: list[x509.Name] = []
        on_stack: set[x509.Name] = set()
        current: x509.Name | None = name
        while current is not None and current not in entering and current in by_subject:
            if current in on_stack:
                break
            pending.append(current)
            on_stack.add(current)
            exit_at = exits[current]
            current = None if exit_at is None else names[by_subject[current][exit_at]][1]
        above = entering.get(current, 0) if current is not None else 0
        for subject in reversed(pending):
            exit_at = exits[subject]
            above = len(by_subject[subject]) if exit_at is None else above + exit_at + 1
            entering[subject] = above
        return entering.get(name, 0)

    lengths: list[int] = []
    for i, (subject, issuer) in enumerate(names):
        if issuer != subject:
            lengths.append(1 + from_name(issuer))
            continue
        exit_at = exits[subject]
        indexes = by_subject[subject]
        if exit_at is None:
            lengths.append(len(indexes))
        else:
            # the certificates of this name up to its exit, this one counted once
            taken = exit_at + 1 if position[i] < exit_at else exit_at + 2
            lengths.append(taken + from_name(names[indexes[exit_at]][1]))
    return lengths
