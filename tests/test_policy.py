"""Policy profiles: built-ins, extends, overrides, and errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from certready.adapters.profiles import load_policy, parse_policy
from certready.core.errors import PolicyError
from certready.core.model import Severity


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_homecare_is_the_default_and_follows_the_install_guide() -> None:
    policy = load_policy()
    assert policy.name == "homecare" and policy.source == "builtin:homecare"
    assert policy.setting("key.rsa-size").parameters.min_bits == 2048
    assert policy.setting("usage.eku-client-auth").enabled
    assert policy.setting("names.cn-not-in-san").severity is Severity.WARNING
    assert policy.setting("validity.expiring-soon").parameters.days == 30


def test_webpki_drops_the_install_guide_extras() -> None:
    policy = load_policy("webpki")
    for off in (
        "usage.eku-client-auth",
        "key.private-key-missing",
        "validity.expiring-soon",
        "validity.lifetime-apple",
        "sts.private-key-missing",
        "sts.digital-signature",
    ):
        assert not policy.enabled(off), off
    assert policy.setting("names.cn-not-in-san").severity is Severity.ERROR
    for kept in ("names.host-not-covered", "key.rsa-size", "signature.weak-hash"):
        assert policy.enabled(kept)


def test_extends_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mycorp.toml",
        """
[profile]
name = "mycorp"
extends = "homecare"

[rules."key.rsa-size"]
min_bits = 3072

[rules."validity.expiring-soon"]
days = 60
severity = "error"

[rules."names.cn-not-in-san"]
enabled = false
""",
    )
    policy = load_policy(path)
    assert policy.name == "mycorp" and policy.source == str(path)
    assert policy.setting("key.rsa-size").parameters.min_bits == 3072
    soon = policy.setting("validity.expiring-soon")
    assert soon.severity is Severity.ERROR and soon.parameters.days == 60
    assert not policy.enabled("names.cn-not-in-san")
    # untouched rules keep the parent's settings (homecare's, not the declaration's)
    assert policy.setting("key.private-key-missing") == load_policy().setting(
        "key.private-key-missing"
    )


def test_extends_a_file_relative_to_the_profile(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.toml",
        '[profile]\nextends = "webpki"\n[rules."key.rsa-size"]\nmin_bits = 4096\n',
    )
    child = write(tmp_path, "child.toml", '[profile]\nextends = "base.toml"\n')
    policy = load_policy(child)
    assert policy.setting("key.rsa-size").parameters.min_bits == 4096
    assert not policy.enabled("usage.eku-client-auth")  # from webpki, two levels up


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", '[profile]\nextends = "b.toml"\n')
    b = write(tmp_path, "b.toml", '[profile]\nextends = "a.toml"\n')
    with pytest.raises(PolicyError, match="extends itself"):
        load_policy(b)


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('[rules."key.rsa-sise"]\nmin_bits = 1\n', "rules.key.rsa-sise", "unknown rule id"),
        ('[rules."key.rsa-size"]\nminbits = 1\n', "rules.key.rsa-size.minbits", "min_bits"),
        ('[rules."key.rsa-size"]\nmin_bits = "big"\n', "rules.key.rsa-size.min_bits", "int"),
        ('[rules."key.ec-curve"]\ncurves = "secp256r1"\n', "rules.key.ec-curve.curves", "list"),
        ('[rules."key.rsa-size"]\nseverity = "fatal"\n', "rules.key.rsa-size.severity", "choose"),
        ('[rules."key.rsa-size"]\nenabled = "no"\n', "rules.key.rsa-size.enabled", "true or false"),
        ('[profile]\nextend = "homecare"\n', "profile.extend", "unknown key"),
        ('[profile]\nextends = "nowhere.toml"\n', "profile.extends", "no such"),
        ("[rule]\n", "rule", "unknown table"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, body: str, key: str, words: str) -> None:
    path = write(tmp_path, "bad.toml", body)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.location == str(path)
    assert info.value.key == key
    assert words in info.value.message
    assert str(path) in str(info.value)


def test_not_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.toml", "[rules\n")
    with pytest.raises(PolicyError, match="not valid TOML") as info:
        load_policy(path)
    assert info.value.location == str(path)


def test_unknown_profile_name() -> None:
    with pytest.raises(PolicyError, match="built-in profiles: homecare, webpki"):
        load_policy("homecar")


def test_parse_policy_without_extends_starts_from_the_declarations() -> None:
    policy = parse_policy('[profile]\nname = "bare"\n', source="inline")
    assert policy.setting("key.private-key-missing").severity is Severity.INFO
    assert policy.enabled("usage.eku-client-auth")


def test_core_parses_text_and_leaves_reading_extends_to_the_adapter() -> None:
    """core.policy does no I/O: a profile that extends another needs the adapter's loader."""
    from certready.core.errors import PolicyError
    from certready.core.policy import parse_policy as parse_text

    text = '[profile]\nname = "mine"\nextends = "homecare"\n'
    with pytest.raises(PolicyError, match="no profile loader"):
        parse_text(text, source="mine.toml")
    # control: the adapter's parse_policy reads the built-in parent
    assert parse_policy(text, source="mine.toml").name == "mine"
