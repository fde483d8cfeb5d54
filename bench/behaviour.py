"""Behaviour check for refactors: does this checkout judge everything exactly as REF did?

Builds one set of inputs (lab certificates with every ``lab issue --defect``, a clean chain per
key type, the bundled example deployment and broken variants of its manifest), then runs the same
commands (``lint`` and ``audit --offline`` with ``--format json``, under both profiles) and the
whole x509-limbo suite with REF's code and with this checkout's, each in its own interpreter, and
compares:

- every report, key by key: a value that changed is a difference; a key that only this checkout
  has is a *new field* (listed, not a difference: schema additions are expected);
- findings inside a target are compared in order and as a multiset, so a pure re-ordering is
  reported as such;
- every x509-limbo verdict, case by case (and the matched / mismatched / skipped counts).

Usage::

    python bench/behaviour.py --against 3c1e05e          # REF = any commit, branch or tag
    python bench/behaviour.py --against main --no-limbo  # quicker (~20 s instead of ~80 s)
    python bench/behaviour.py snapshot --fixtures DIR --out FILE   # one side (used internally)

Exit status 0 when nothing but new fields and (with ``--allow-reorder``) finding order differ.
REF's tree is checked out with ``git worktree`` beside this repository and removed afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VOLATILE = {"generated_at", "schema_version", "certready_version", "version", "elapsed_ms"}
DEFECT_KEY_TYPES = ("rsa2048", "p256")
CLEAN_KEY_TYPES = ("rsa2048", "rsa3072", "p256", "p384")


# --- fixtures (built once, by this checkout, and read by both sides) -------------------------


def _cli(*argv: str) -> tuple[int, str, str]:
    from certready.interfaces.cli import main

    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def _defects() -> list[str]:
    status, out, err = _cli("lab", "defects")
    assert status == 0, err
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _example_module() -> Any:
    """The demo deployment writer, wherever the tree keeps it."""
    import importlib

    for name in (
        "certready.services.example",
        "certready.services.demo_deployment",
        "certready.demo.example",
        "certready.interfaces.demo.example",
    ):
        with contextlib.suppress(ImportError):
            module = importlib.import_module(name)
            if hasattr(module, "write_example"):
                return module
    raise SystemExit("behaviour: cannot find the example deployment writer (write_example)")


MANIFEST_VARIANTS = {
    "portal-uses-app-pfx": ("certificate: certs/portal.pfx", "certificate: certs/app.pfx"),
    "proxy-misses-portal": ('bypass: "*.', 'bypass: "hcappserver.'),
    "no-sts": ("sts_certificate: certs/sts.pfx", "sts_certificate: certs/missing.pfx"),
    "no-trust": ("trust:\n  roots:", "unused:\n  roots:"),
}


def build_fixtures(folder: Path) -> None:
    """Lab certificates (clean and defective) and example deployments under ``folder``."""
    env = os.environ.copy()
    lab = folder / "lab"
    status, _, err = _cli("lab", "init", str(lab), "--key-type", "rsa3072")
    assert status == 0, err
    os.environ["CERTREADY_LAB"] = str(lab)
    try:
        for key_type in CLEAN_KEY_TYPES:
            out = folder / "certs" / f"clean-{key_type}"
            status, _, err = _cli(
                "lab", "issue", "--out", str(out), "-H", f"{key_type}.example.test",
                "--key-type", key_type, "--no-pfx",
            )  # fmt: skip
            assert status == 0, err
        for defect in _defects():
            for key_type in DEFECT_KEY_TYPES:
                if defect in {"rsa1024", "ec-key-encipherment"} and key_type != "rsa2048":
                    continue
                out = folder / "certs" / f"{defect}-{key_type}"
                status, _, err = _cli(
                    "lab", "issue", "--out", str(out), "-H", f"{defect}.example.test",
                    "--key-type", key_type, "--defect", defect, "--no-pfx",
                )  # fmt: skip
                if status != 0:
                    shutil.rmtree(out, ignore_errors=True)
    finally:
        os.environ.clear()
        os.environ.update(env)
    example = _example_module().write_example(folder / "example")
    text = example.manifest.read_text("utf-8")
    for name, (old, new) in MANIFEST_VARIANTS.items():
        assert old in text, f"manifest variant {name}: {old!r} not in the example manifest"
        (example.manifest.parent / f"{name}.yaml").write_text(text.replace(old, new), "utf-8")


def runs(fixtures: Path) -> Iterator[tuple[str, list[str]]]:
    """(name, argv) of every command both sides run."""
    certs = sorted((fixtures / "certs").iterdir())
    roots = sorted((fixtures / "lab").glob("*root*.pem")) or sorted(
        (fixtures / "lab").glob("*.pem")
    )
    trust = [arg for root in roots[:1] for arg in ("--trust", str(root))]
    for profile in ("homecare", "webpki"):
        for folder in certs:
            host = folder.name.split("-", 1)[1] if folder.name.startswith("clean-") else None
            hosts = ["--host", f"{host}.example.test"] if host else []
            yield (f"lint/{profile}/{folder.name}", ["lint", str(folder), *trust, *hosts,
                   "--profile", profile, "--format", "json"])  # fmt: skip
            yield (f"lint-untrusted/{profile}/{folder.name}", ["lint", str(folder),
                   "--profile", profile, "--format", "json"])  # fmt: skip
    example = fixtures / "example"
    for manifest in sorted(example.glob("*.yaml")):
        yield (f"audit/{manifest.stem}", ["audit", str(manifest), "--offline", "--format", "json"])


# --- one side's snapshot --------------------------------------------------------------------


def snapshot(fixtures: Path, limbo: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": {}, "limbo": {}}
    cwd = Path.cwd()
    for name, argv in runs(fixtures):
        os.chdir(fixtures)
        try:
            status, stdout, stderr = _cli(*argv)
        finally:
            os.chdir(cwd)
        try:
            report: Any = json.loads(stdout)
        except ValueError:
            report = {"stdout": stdout}
        out["runs"][name] = {"status": status, "report": report, "stderr": stderr.strip()}
    if limbo:
        sys.path.insert(0, str(Path.cwd()))
        from tests.conformance.limbo import run_all

        for outcome in run_all():
            if isinstance(outcome, str):
                out["limbo"][outcome] = "SKIPPED"
            else:
                out["limbo"][outcome.id] = (
                    f"{outcome.actual}{'' if outcome.matched else ' (mismatch)'}"
                )
    return out


# --- comparison -----------------------------------------------------------------------------


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _diff(old: Any, new: Any, where: str, changes: list[str], added: set[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            if key not in new:
                changes.append(f"{where}.{key}: removed")
            else:
                _diff(old[key], new[key], f"{where}.{key}", changes, added)
        for key in new:
            if key not in old:
                added.add(f"{_generic(where)}.{key}")
        return
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            changes.append(f"{where}: {len(old)} items -> {len(new)}")
            return
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, f"{where}[{i}]", changes, added)
        return
    if old != new:
        changes.append(f"{where}: {json.dumps(old)[:160]} -> {json.dumps(new)[:160]}")


def _generic(where: str) -> str:
    import re

    return re.sub(r"\[\d+\]", "[]", where.split("/", 1)[-1] if "/" in where else where)


def _drop_new(old: Any, new: Any) -> Any:
    """``new`` without the keys ``old`` does not have (new fields are not differences)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: _drop_new(old[k], v) for k, v in new.items() if k in old}
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_drop_new(a, b) for a, b in zip(old, new, strict=True)]
    return new


def _sorted_findings(value: Any) -> Any:
    """The same structure with every ``findings`` list sorted: order-only differences vanish."""
    if isinstance(value, dict):
        return {
            k: sorted((_sorted_findings(x) for x in v), key=lambda f: json.dumps(f, sort_keys=True))
            if k == "findings" and isinstance(v, list)
            else _sorted_findings(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_sorted_findings(v) for v in value]
    return value


def _findings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "findings" and isinstance(item, list):
                yield from (f for f in item if isinstance(f, dict) and "rule_id" in f)
            else:
                yield from _findings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _findings(item)


def compare(base: dict[str, Any], here: dict[str, Any], allow_reorder: bool) -> int:
    differences, reordered, added = 0, [], set()
    for name in sorted(set(base["runs"]) | set(here["runs"])):
        if name not in here["runs"] or name not in base["runs"]:
            print(f"DIFF {name}: run only on one side")
            differences += 1
            continue
        old, new = _strip(base["runs"][name]), _strip(here["runs"][name])
        changes: list[str] = []
        _diff(old, new, name, changes, added)
        if not changes:
            continue
        if _sorted_findings(old) == _sorted_findings(_drop_new(old, new)):
            reordered.append(name)
            continue
        differences += 1
        print(f"DIFF {name}:")
        for line in changes[:12]:
            print(f"    {line}")
        if len(changes) > 12:
            print(f"    ... {len(changes) - 12} more")
    for case in sorted(set(base["limbo"]) | set(here["limbo"])):
        a, b = base["limbo"].get(case), here["limbo"].get(case)
        if a != b:
            differences += 1
            print(f"DIFF limbo {case}: {a} -> {b}")
    for label, data in (("REF ", base), ("here", here)):
        verdicts = list(data["limbo"].values())
        if verdicts:
            skipped = verdicts.count("SKIPPED")
            mismatched = sum(v.endswith("(mismatch)") for v in verdicts)
            print(f"limbo {label}: {len(verdicts) - skipped - mismatched} matched, "
                  f"{mismatched} mismatched, {skipped} skipped")  # fmt: skip
    rule_ids = [f["rule_id"] for f in _findings(here["runs"])]
    print(
        f"{len(here['runs'])} runs compared ({len(rule_ids)} findings of {len(set(rule_ids))} "
        f"rules); new fields: {', '.join(sorted(added)) or 'none'}"
    )
    if reordered:
        print(f"finding order changed (same findings) in {len(reordered)} runs: "
              f"{', '.join(reordered[:6])}{' ...' if len(reordered) > 6 else ''}")  # fmt: skip
    print(f"{differences} differences")
    return 1 if differences or (reordered and not allow_reorder) else 0


# --- driver ---------------------------------------------------------------------------------


def _side(src_root: Path, fixtures: Path, out: Path, limbo: bool) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=f"{src_root / 'src'}{os.pathsep}{src_root}")
    cmd = [sys.executable, str(Path(__file__).resolve()), "snapshot",
           "--fixtures", str(fixtures), "--out", str(out)] + (["--limbo"] if limbo else [])  # fmt: skip
    subprocess.run(cmd, check=True, env=env, cwd=src_root)
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["compare", "snapshot"], default="compare")
    parser.add_argument("--against", default="main", help="the commit to compare with")
    parser.add_argument("--no-limbo", action="store_true", help="skip the x509-limbo verdicts")
    parser.add_argument("--allow-reorder", action="store_true",
                        help="finding order changes within a target are not a failure")  # fmt: skip
    parser.add_argument("--fixtures", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--limbo", action="store_true")
    args = parser.parse_args()
    if args.mode == "snapshot":
        data = snapshot(args.fixtures, args.limbo)
        args.out.write_text(json.dumps(data, sort_keys=True), "utf-8")
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    ref = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    base_tree = ROOT.parent / f".certready-behaviour-{ref}-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="certready-behaviour-") as tmp:
        work = Path(tmp)
        fixtures = work / "fixtures"
        build_fixtures(fixtures)
        subprocess.run(["git", "worktree", "add", "--detach", "--force", str(base_tree), ref],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        try:
            print(
                f"behaviour: REF {ref} vs this checkout ({'with' if not args.no_limbo else 'without'} x509-limbo)"
            )
            base = _side(base_tree, fixtures, work / "base.json", not args.no_limbo)
            here = _side(ROOT, fixtures, work / "here.json", not args.no_limbo)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)],
                           cwd=ROOT, check=False, capture_output=True)  # fmt: skip
        return compare(base, here, args.allow_reorder)


if __name__ == "__main__":
    sys.exit(main())
