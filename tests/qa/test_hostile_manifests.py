"""Hostile manifests and profiles: bounded cost, one-line errors naming the file (issue 14).

The time and memory bounds are about 10x what the fixed code takes on the shared CI machine
(the billion laughs: ~0.2 s wall and ~6 MB; before the fix, 49 s and 3.5 GB). Every hostile case
has a control that the same shape, made small and honest, is read.
"""

from __future__ import annotations

import contextlib
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from certready.adapters.manifest import MAX_MANIFEST_BYTES, load_manifest, parse_manifest
from certready.adapters.profiles import load_policy
from certready.core.errors import CertReadyError, ManifestError, PolicyError
from certready.core.policy import MAX_PROFILE_BYTES
from certready.interfaces.cli import ExitStatus
from tests.audit.lab import MANIFEST
from tests.cli import run

GOOD = MANIFEST.format(app="app.example.test", mobile="m.example.test", external="x.example.test")


def laughs(depth: int) -> str:
    """A manifest whose ``lol`` list, aliased nine times per level, expands to 9**depth values."""
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, depth):
        lines.append(f"lol{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n" + GOOD


def _cost(action: Callable[[], object]) -> tuple[float, float, BaseException | None]:
    """(CPU seconds without tracing, peak MB with tracing, the exception raised). CPU time, not
    wall time: the machines are shared, and a loaded one stretched a 0.2 s refusal past 2 s."""
    raised: BaseException | None = None
    start = time.process_time()
    try:
        action()
    except CertReadyError as exc:
        raised = exc
    seconds = time.process_time() - start
    tracemalloc.start()
    with contextlib.suppress(CertReadyError):
        action()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, raised


@pytest.mark.parametrize("depth", [6, 9])
def test_billion_laughs_is_refused_quickly_and_small(depth: int) -> None:
    seconds, peak_mb, raised = _cost(lambda: parse_manifest(laughs(depth), "laughs.yaml"))
    assert isinstance(raised, ManifestError)
    assert str(raised).startswith("laughs.yaml:") and "aliases" in str(raised)
    assert "\n" not in str(raised)
    assert seconds < 2.0, seconds
    assert peak_mb < 60, peak_mb


def test_control_a_few_honest_aliases_are_read() -> None:
    text = laughs(2).replace("lol1:", "x-lol1:").replace("lol0:", "x-lol0:")
    with pytest.raises(ManifestError, match="unknown key"):  # past the alias budget: the schema
        parse_manifest(text, "m.yaml")
    shared = GOOD.replace("clients:", "clients-shared: &c [a.example.test]\nclients:")
    with pytest.raises(ManifestError, match="clients-shared"):
        parse_manifest(shared, "m.yaml")


def test_billion_laughs_through_the_cli_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(laughs(9))
    start = time.perf_counter()
    status, _, err = run("audit", str(path))
    assert time.perf_counter() - start < 5.0
    assert status == ExitStatus.USAGE
    assert str(path) in err and "aliases" in err
    assert len(err.strip().splitlines()) == 1 and "unexpected" not in err


def test_an_oversized_or_endless_manifest_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(GOOD + "#" * MAX_MANIFEST_BYTES)
    with pytest.raises(ManifestError, match="KiB") as info:
        load_manifest(big)
    assert str(big) in str(info.value)
    seconds, peak_mb, raised = _cost(lambda: load_manifest("/dev/zero"))
    assert isinstance(raised, ManifestError) and "/dev/zero" in str(raised)
    assert seconds < 1.0 and peak_mb < 10
    control = tmp_path / "good.yaml"
    control.write_text(GOOD)
    assert load_manifest(control).servers


def test_many_values_within_the_size_cap_stay_bounded() -> None:
    dense = "a: [" + "1," * (MAX_MANIFEST_BYTES // 2 - 10) + "]"
    start = time.perf_counter()
    with pytest.raises(ManifestError, match="more than"):
        parse_manifest(dense, "dense.yaml")
    assert time.perf_counter() - start < 15.0  # ~1.5 s wall here under load, 0.5 s CPU


MANIFEST_CASES = {
    "merge key": (
        GOOD.replace("deployment:", "base: &b {x: 1}\ndeployment:").replace(
            "environments:", "extra:\n  <<: *b\nenvironments:"
        ),
        "merge keys",
    ),
    "unknown tag": (GOOD.replace("deployment: ", "deployment: !evil "), "'!evil'"),
    "python tag": (
        GOOD.replace("deployment: ", "deployment: !!python/object/apply:os.system "),
        "python/object",
    ),
    "600-deep": (GOOD + "deep: " + "[" * 600 + "]" * 600 + "\n", "nested deeper"),
    "600-deep mappings": (GOOD + "deep: " + "{a: " * 600 + "1" + "}" * 600 + "\n", "nested"),
    "NUL in a path": (
        GOOD.replace("certificate: certs/app.pem", 'certificate: "certs/a\\0pp.pem"'),
        "NUL",
    ),
    "impossible date": (GOOD.replace("deployment: ", "deployment: 2026-13-45 #"), "month"),
}


@pytest.mark.parametrize("case", sorted(MANIFEST_CASES))
def test_malformed_manifest_is_one_line_naming_file_and_line(case: str, tmp_path: Path) -> None:
    text, says = MANIFEST_CASES[case]
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    status, _, err = run("audit", str(path))
    assert status == ExitStatus.USAGE
    assert f"{path}:" in err and says in err, err
    assert len(err.strip().splitlines()) == 1
    assert "unexpected" not in err and "Traceback" not in err


def test_control_moderate_nesting_and_honest_values_are_read() -> None:
    assert parse_manifest(GOOD, "m.yaml")[0].deployment
    with pytest.raises(ManifestError, match="unknown key"):  # read, then judged by the schema
        parse_manifest(GOOD + "deep: " + "[" * 20 + "]" * 20 + "\n", "m.yaml")
    dated = GOOD.replace("deployment: Sunrise Home Health", "deployment: 2026-12-02")
    with pytest.raises(ManifestError, match="deployment"):  # a valid date, not a name
        parse_manifest(dated, "m.yaml")


# --- profiles -------------------------------------------------------------------------------


def _profile_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "site.toml"
    path.write_text(text)
    status, _, err = run("rules", "--profile", str(path))
    assert status == ExitStatus.USAGE, err
    assert str(path) in err and len(err.strip().splitlines()) == 1
    assert "unexpected" not in err and "Traceback" not in err
    return err


def test_600_deep_toml_is_one_line(tmp_path: Path) -> None:
    assert "nested too deeply" in _profile_error(
        tmp_path, '[profile]\nname = "x"\ndeep = ' + "[" * 600 + "]" * 600 + "\n"
    )
    assert "nested too deeply" in _profile_error(
        tmp_path, "[profile]\ndeep = " + "{a = " * 600 + "1" + "}" * 600 + "\n"
    )


def test_oversized_or_endless_profile_is_refused_unread(tmp_path: Path) -> None:
    assert "KiB" in _profile_error(tmp_path, "#" * (MAX_PROFILE_BYTES + 1))
    seconds, peak_mb, raised = _cost(lambda: load_policy("/dev/zero"))
    assert isinstance(raised, PolicyError) and "/dev/zero" in str(raised)
    assert seconds < 1.0 and peak_mb < 10


def test_a_300_character_profile_name_is_one_line(tmp_path: Path) -> None:
    long_name = str(tmp_path / ("p" * 300 + ".toml"))
    status, _, err = run("rules", "--profile", long_name)
    assert status == ExitStatus.USAGE
    assert "file name too long" in err.lower() and len(err.strip().splitlines()) == 1
    assert "unexpected" not in err
    extends = _profile_error(tmp_path, f'[profile]\nextends = "{"p" * 300}"\n')
    assert "file name too long" in extends.lower()
    manifest = tmp_path / "m.yaml"
    manifest.write_text(GOOD.replace("policy: homecare", f"policy: {'p' * 300}.toml"))
    status, _, err = run("audit", str(manifest))
    assert status == ExitStatus.USAGE and "file name too long" in err.lower()
    assert f"{manifest}:" in err and len(err.strip().splitlines()) == 1


def test_a_nul_in_extends_names_the_profile(tmp_path: Path) -> None:
    err = _profile_error(tmp_path, '[profile]\nextends = "a\\u0000b"\n')
    assert "no such built-in profile or file" in err


def test_control_a_short_profile_that_extends_a_file_loads(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text('[profile]\nextends = "homecare"\n')
    site = tmp_path / "site.toml"
    site.write_text('[profile]\nextends = "base.toml"\n')
    assert load_policy(str(site)).settings == load_policy("homecare").settings
