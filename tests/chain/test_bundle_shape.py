"""A remembered bundle shape (services.issuer_graph.bundle_shape) gives a later leaf of the same
shape exactly the chain facts and verdicts the issuer graph walks give it, whatever the bundle:
compared with the shape switched off, for bundles in and out of order, with duplicates, the root
sent, an intermediate missing, two issuers of one name, store intermediates, ``--chain``
certificates, expired and forged leaves, and a leaf that is itself in the trust store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from cryptography import x509

from certready.adapters.inputs import LoadedCertificate
from certready.adapters.profiles import load_policy
from certready.adapters.trust import TrustStore
from certready.core.location import MOZILLA, FileLocation
from certready.services import chain
from certready.services.chain import ChainOptions, analyse_chain, chain_context
from tests.chain.helpers import ROOTS_FILE
from tests.pki import NOW, Issued, TestCA, build, general_names, new_key

POLICY = load_policy("homecare")

Bundle = Callable[[Issued], list[x509.Certificate]]
"""The certificates of one file, for a leaf (the leaf among them, or not)."""


def forged(ca: TestCA, name: str) -> Issued:
    """A leaf naming the intermediate as its issuer (and its key identifier), signed by another key."""
    key = new_key()
    cert = build(
        subject=x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]),
        issuer=ca.intermediate.cert.subject,
        public_key=key.public_key(),
        signing_key=new_key("p256", fresh=True),
        ca=False,
        sans=general_names([name]),
        issuer_key_for_aki=ca.intermediate.key.public_key(),
    )
    return Issued(cert, key)


def options(
    ca: TestCA,
    *,
    anchors: tuple[x509.Certificate, ...] = (),
    intermediates: tuple[x509.Certificate, ...] = (),
    extra: tuple[x509.Certificate, ...] = (),
) -> ChainOptions:
    trusted = TrustStore(ROOTS_FILE, (ca.root.cert, *anchors), intermediates)
    return ChainOptions(
        trust=(trusted,),
        public=TrustStore(MOZILLA, (ca.root.cert,)),
        extra_certificates=tuple(
            LoadedCertificate(c, f"file:chain.pem#{i}") for i, c in enumerate(extra)
        ),
    )


def judged(leaf: Issued, bundle: Bundle, opts: ChainOptions, name: str) -> tuple[object, object]:
    certs = bundle(leaf)
    supplied = [LoadedCertificate(c, FileLocation(name, i)) for i, c in enumerate(certs)]
    mine = next(
        (item for item in supplied if item.certificate == leaf.cert),
        LoadedCertificate(leaf.cert, FileLocation(name, 0)),
    )
    context = chain_context(mine, supplied, opts, POLICY, hosts=(), now=NOW)
    analysis = analyse_chain(mine, supplied, opts, POLICY, now=NOW)
    return context, dataclasses.astuple(analysis)


def shapes(ca: TestCA) -> dict[str, tuple[Bundle, Callable[[], ChainOptions], Issued]]:
    """Each case: the bundle, the run's options, and the second leaf (the first is a plain one)."""
    inter, root = ca.intermediate.cert, ca.root.cert
    unrelated = TestCA(name="other").intermediate.cert
    sibling = ca.sub_ca(f"{ca.name} Issuing CA")  # the intermediate's name, another key
    expired = ca.issue(
        "expired.example.com",
        not_before=NOW - dt.timedelta(days=400),
        not_after=NOW - dt.timedelta(days=10),
    )
    trusted_leaf = ca.issue("trusted.example.com")
    key = new_key()
    root_named = Issued(  # a leaf under the intermediate that bears its root's name
        build(
            subject=root.subject,
            issuer=inter.subject,
            public_key=key.public_key(),
            signing_key=ca.intermediate.key,
            ca=False,
            sans=general_names(["root-named.example.com"]),
            issuer_key_for_aki=ca.intermediate.key.public_key(),
        ),
        key,
    )
    plain = ca.issue("second.example.com")
    return {
        "in order": (lambda leaf: [leaf.cert, inter], lambda: options(ca), plain),
        "reversed": (lambda leaf: [inter, leaf.cert], lambda: options(ca), plain),
        "root sent": (lambda leaf: [leaf.cert, inter, root], lambda: options(ca), plain),
        "duplicate": (lambda leaf: [leaf.cert, inter, inter], lambda: options(ca), plain),
        "leaf twice": (lambda leaf: [leaf.cert, inter, leaf.cert], lambda: options(ca), plain),
        "missing": (lambda leaf: [leaf.cert], lambda: options(ca), plain),
        "unrelated": (
            lambda leaf: [leaf.cert, unrelated],
            lambda: options(ca),
            plain,
        ),
        "two issuers": (
            lambda leaf: [leaf.cert, sibling.cert, inter],
            lambda: options(ca),
            plain,
        ),
        "store intermediate": (
            lambda leaf: [leaf.cert],
            lambda: options(ca, intermediates=(inter,)),
            plain,
        ),
        "--chain": (lambda leaf: [leaf.cert], lambda: options(ca, extra=(inter,)), plain),
        "expired": (lambda leaf: [leaf.cert, inter], lambda: options(ca), expired),
        "forged": (
            lambda leaf: [leaf.cert, inter],
            lambda: options(ca),
            forged(ca, "forged.example.com"),
        ),
        "leaf in the store": (
            lambda leaf: [leaf.cert, inter],
            lambda: options(ca, anchors=(trusted_leaf.cert,)),
            trusted_leaf,
        ),
        "leaf a store intermediate": (
            lambda leaf: [leaf.cert, inter],
            lambda: options(ca, intermediates=(trusted_leaf.cert,)),
            trusted_leaf,
        ),
        "leaf named as the root, in the store": (
            lambda leaf: [leaf.cert, inter],
            lambda: options(ca, intermediates=(root_named.cert,)),
            root_named,
        ),
    }


CASES = [
    "in order",
    "reversed",
    "root sent",
    "duplicate",
    "leaf twice",
    "missing",
    "unrelated",
    "two issuers",
    "store intermediate",
    "--chain",
    "expired",
    "forged",
    "leaf in the store",
    "leaf a store intermediate",
    "leaf named as the root, in the store",
]


@pytest.mark.parametrize("case", CASES)
def test_a_remembered_shape_judges_as_the_graph_walks(
    ca: TestCA, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    bundle, make_options, second = shapes(ca)[case]
    first = ca.issue("first.example.com")
    walks: list[int] = []
    real_reachable = chain.reachable

    def counting(*a: object, **k: object) -> object:
        walks.append(1)
        return real_reachable(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(chain, "reachable", counting)
    on = make_options()
    judged(first, bundle, on, "first.pem")  # remembers the shape
    walks.clear()
    fast = judged(second, bundle, on, "second.pem")
    remembered = not walks

    monkeypatch.setattr(chain, "bundle_shape", lambda *a, **k: None)
    off = make_options()
    judged(first, bundle, off, "first.pem")
    slow = judged(second, bundle, off, "second.pem")
    assert fast == slow
    # the shape was used for the second leaf, except where that leaf is among the stores'
    # certificates on the way up from the bundle (it could meet itself there)
    assert remembered == (case != "leaf named as the root, in the store"), case


def test_a_shape_is_not_shared_by_leaves_of_different_issuers(ca: TestCA) -> None:
    """Control: a leaf of another CA in the same bundle layout walks the graph itself."""
    other = TestCA(name="other issuer")
    opts = options(ca)
    judged(ca.issue("a.example.com"), lambda leaf: [leaf.cert, ca.intermediate.cert], opts, "a")
    assert len(opts.cache.shapes) == 1
    judged(other.issue("b.example.com"), lambda leaf: [leaf.cert, ca.intermediate.cert], opts, "b")
    assert len(opts.cache.shapes) == 2
