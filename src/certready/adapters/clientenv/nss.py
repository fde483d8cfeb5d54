"""An NSS certificate database (Chromium's ``~/.pki/nssdb``, a Firefox profile) through
``certutil`` from Debian's ``libnss3-tools`` (Fedora: ``nss-tools``). Reading needs no password
and no administrator rights.

``certutil -L -d sql:DIR`` lists each nickname with its trust flags (``SSL,S/MIME,JAR/XPI``); a
``C`` in the SSL flags makes the certificate a trusted CA for TLS servers. Each nickname's
certificates are then read with ``certutil -L -d sql:DIR -n NICKNAME -a`` (PEM).

Browsers add the public roots from a built-in module, not from this database, so a public root
is never "missing" from it.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from cryptography import x509

from certready.adapters.clientenv.stores import pem_certificates, store_certificates
from certready.core.client import ClientStore, StoreHolds
from certready.core.location import StoreLocation

RunCommand = Callable[[Sequence[str]], bytes]
"""``argv`` -> standard output; raises ``OSError`` (not installed) or ``CalledProcessError``."""

_LISTING = re.compile(r"^(?P<nickname>.*\S)\s+(?P<trust>[A-Za-z]*,[A-Za-z]*,[A-Za-z]*)\s*$")
MISSING_TOOL = (
    "certutil not found: install libnss3-tools (Debian, Ubuntu) or nss-tools (Fedora, RHEL)"
)


def parse_certutil_listing(text: str) -> list[tuple[str, str]]:
    """``certutil -L`` output -> ``[(nickname, trust flags)]`` (the two header lines skipped)."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        match = _LISTING.match(line)
        if match is None or match["trust"] == "SSL,S/MIME,JAR/XPI":
            continue
        out.append((match["nickname"], match["trust"]))
    return out


def read_nss(directory: str | Path, run: RunCommand, *, users: str) -> ClientStore:
    """The NSS database in ``directory``: its certificates, each trusted as a TLS root or not."""
    database = f"sql:{directory}"
    store = ClientStore(
        name=f"the NSS database {database}",
        location=StoreLocation("nss", str(directory)),
        holds=StoreHolds.ROOTS,
        certificates=(),
        includes_public_roots=False,
        users=users,
        install_hint=f'certutil -d {database} -A -t "C,," -n "<root name>" -i <root.pem> '
        "(as the user who runs the browser; no administrator rights needed)",
    )
    try:
        listing = run(["certutil", "-L", "-d", database]).decode("utf-8", "replace")
        found: list[tuple[x509.Certificate, bool]] = []
        for nickname, trust in parse_certutil_listing(listing):
            pem = run(["certutil", "-L", "-d", database, "-n", nickname, "-a"])
            trusted = "C" in trust.split(",", 1)[0]
            found.extend((cert, trusted) for cert in pem_certificates(pem))
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        return _unreadable(store, f"certutil failed: {detail[0] if detail else exc}")
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError)
        return _unreadable(store, MISSING_TOOL if missing else f"certutil failed: {exc}")
    return _with(store, found)


def _unreadable(store: ClientStore, problem: str) -> ClientStore:
    return replace(store, problem=problem)


def _with(store: ClientStore, found: list[tuple[x509.Certificate, bool]]) -> ClientStore:
    return replace(store, certificates=store_certificates(found))
