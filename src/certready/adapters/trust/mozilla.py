"""Mozilla's root store, as the ``certifi`` package ships it (no network)."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import certifi

from certready.adapters.trust.model import TrustStore, parse_pem_certificates
from certready.core.location import MOZILLA


@functools.cache
def load_mozilla() -> TrustStore:
    """The Mozilla store, parsed once per process."""
    data = Path(certifi.where()).read_bytes()
    with warnings.catch_warnings():
        # some certifi roots have serial 0: deprecated today, not our user's problem
        warnings.simplefilter("ignore")
        anchors = tuple(parse_pem_certificates(data))
    return TrustStore(MOZILLA, anchors)
