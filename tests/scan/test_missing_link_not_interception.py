"""Issue 12 item 7: a missing intermediate is not a TLS-inspection alarm. ``scan --trust root.pem``
on a server that omits its intermediate said tls.intermediate-not-sent *and* tls.unexpected-issuer
("a TLS-inspecting proxy may be re-signing the traffic"); interception is claimed only when the
served chain leads to an issuer key on no expected path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from certready.core.facts import extract_facts
from certready.core.handshake import Expectations
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers
from tests.scan.test_served_rules import elements, ids

INTERCEPTION = "tls.unexpected-issuer"


@pytest.fixture(scope="module")
def proxy_ca() -> TestCA:
    """An inspecting proxy's CA. Its root key comes from another pool than the test CA's RSA root
    (pooled keys rotate: an "unrelated" RSA root may share the test root's key, and the rule now
    compares keys)."""
    return TestCA(name="inspecting proxy", key_kind="p256")


@pytest.fixture(scope="module")
def ports(ca: TestCA, proxy_ca: TestCA) -> Iterator[dict[str, int]]:
    leaf = ca.issue("app.example.test", "127.0.0.1")
    proxy_leaf = proxy_ca.issue("app.example.test", "127.0.0.1")
    with Servers() as s:
        yield {
            "leaf_only": s.tls([leaf]),
            "complete": s.tls([leaf, ca.intermediate]),
            "proxy": s.tls([proxy_leaf, proxy_ca.intermediate]),
            "proxy_with_root": s.tls([proxy_leaf, proxy_ca.intermediate, proxy_ca.root]),
        }


def _ids(port: int, root: Path) -> set[str]:
    _, out, err = run("scan", f"127.0.0.1:{port}", "--trust", str(root), "--format", "json")
    assert "Traceback" not in err, err
    return {f["rule_id"] for f in json.loads(out)["targets"][0]["findings"]}


def test_scan_trust_root_on_a_server_without_its_intermediate(
    tmp_path: Path, ports: dict[str, int], ca: TestCA
) -> None:
    root = ca.root_file(tmp_path)
    found = _ids(ports["leaf_only"], root)
    assert "tls.intermediate-not-sent" in found
    assert INTERCEPTION not in found
    # controls: the complete chain is clean; a chain that really leads elsewhere is still named
    assert INTERCEPTION not in _ids(ports["complete"], root)
    assert INTERCEPTION in _ids(ports["proxy"], root)
    assert INTERCEPTION in _ids(ports["proxy_with_root"], root)


def test_the_rule_reads_keys_not_only_names(ca: TestCA, proxy_ca: TestCA) -> None:
    root = extract_facts(ca.root.cert)
    by_root = Expectations(issuers=(root.subject,), anchors=(root,))
    leaf = ca.issue("app.example.test")
    assert ids(elements(leaf), expectations=by_root) == ["tls.intermediate-not-sent"]
    assert ids(elements(leaf, ca.intermediate), expectations=by_root) == []
    proxy = proxy_ca.issue("app.example.test")
    found = ids(elements(proxy, proxy_ca.intermediate), expectations=by_root)
    assert found == [INTERCEPTION]
    # a self-signed certificate presented instead of the real one leads to its own key
    appliance = extract_facts(proxy_ca.root.cert)
    assert appliance.self_issued
    assert INTERCEPTION in ids(elements(proxy_ca.root), expectations=by_root)
