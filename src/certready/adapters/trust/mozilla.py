"""Mozilla's root store, as the ``certifi`` package ships it (no network)."""

from __future__ import annotations

import functools
import warnings

import certifi

from certready.adapters.inputs import lenient_certificates, read_bytes
from certready.adapters.trust.model import TrustStore
from certready.core.location import MOZILLA


@functools.cache
def load_mozilla() -> TrustStore:
    """The Mozilla store, parsed once per process."""
    data = read_bytes(certifi.where())
    with warnings.catch_warnings():
        # some certifi roots have serial 0: deprecated today, not our user's problem
        warnings.simplefilter("ignore")
        anchors = tuple(lenient_certificates(data))
    return TrustStore(MOZILLA, anchors)
