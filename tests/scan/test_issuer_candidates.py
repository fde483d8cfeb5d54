"""ChainOptions.issuer_candidates: the trust-store certificates a path can use, found by name
(what keeps a scan with Mozilla's store from fingerprinting ~150 roots per server)."""

from __future__ import annotations

from certready.adapters.trust.model import TrustStore
from certready.core.location import TrustKind, TrustLocation
from certready.services.chain import ChainOptions
from tests.pki import TestCA


def test_candidates_follow_issuer_names_transitively(ca: TestCA, other_ca: TestCA) -> None:
    store = TrustStore(
        TrustLocation(TrustKind.FILE, "roots.pem"),
        (other_ca.root.cert, ca.root.cert),
        intermediates=(ca.intermediate.cert,),
    )
    options = ChainOptions(trust=(store,), public=store)
    leaf = ca.issue("app.example.test").cert
    found = [cert for cert, _ in options.issuer_candidates([leaf])]
    assert found == [ca.root.cert, ca.intermediate.cert]  # store order, root via the intermediate
    # negative controls: an unrelated leaf finds nothing; a self-signed root finds itself
    stranger = TestCA(name="stranger").issue("x.example.test").cert
    assert options.issuer_candidates([stranger]) == []
    assert [c for c, _ in options.issuer_candidates([other_ca.root.cert])] == [other_ca.root.cert]
