"""Reading a manifest: the file (bounded, UTF-16 or BOM from Windows), its YAML and its
validation, every error at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml
from pydantic import ValidationError

from certready.adapters.inputs.read import read_bytes
from certready.adapters.inputs.sniff import PEM_MARK, is_utf16
from certready.adapters.manifest.deployment import to_deployment
from certready.adapters.manifest.messages import in_line_order, validation_message
from certready.adapters.manifest.model import QUOTE_HINT, Loc, ManifestModel
from certready.adapters.manifest.yaml_lines import MAX_DEPTH, MAX_MANIFEST_BYTES, KeyLines, dotted
from certready.core.deployment import Deployment
from certready.core.errors import InputError, ManifestError

TAB_HINT = "the line is indented with a tab; YAML indents with spaces only (replace each tab)"


def _tab_at(text: str, line: int, column: int) -> bool:
    """Whether the YAML error points at a tab in a line's indentation (an editor's tab key)."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    indent = lines[line][: len(lines[line]) - len(lines[line].lstrip(" \t"))]
    return "\t" in indent and column <= len(indent)


def parse_manifest(text: str, source: str) -> tuple[ManifestModel, KeyLines]:
    """Validate manifest text; a ManifestError names ``source:line`` and the key."""
    if len(text) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            f"larger than {MAX_MANIFEST_BYTES // 1024} KiB: a manifest describes one deployment",
            location=source,
        )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except RecursionError:  # the pure-Python composer (no libyaml) on deep nesting
        raise ManifestError(f"nested deeper than {MAX_DEPTH} levels", location=source) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = str(exc.problem or exc.context)
        if "unknown escape character" in problem:  # "certs\\mobile.pfx" in double quotes
            problem += f": a backslash inside double quotes starts an escape; {QUOTE_HINT}"
        elif mark is not None and _tab_at(text, mark.line, mark.column):
            problem += f": {TAB_HINT}"
        raise ManifestError(f"not valid YAML: {problem}", location=f"{source}:{line}") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ManifestError(f"not valid YAML: {first}", location=source) from None
    if node is None:
        raise ManifestError("empty manifest", location=f"{source}:1")
    lines = KeyLines(source)
    data = lines.convert(node, (), source)
    if not isinstance(data, dict):
        raise ManifestError(
            "a manifest is a mapping (deployment:, environments:...)", location=f"{source}:1"
        )
    errors = list(lines.errors)
    try:
        model = ManifestModel.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc: Loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            key = dotted(loc)
            message = validation_message(err, loc)
            errors.append(
                ManifestError(
                    f"{key}: {message}" if key else message,
                    location=f"{source}:{lines.line(loc)}",
                    key=key,
                )
            )
    if errors:
        raise in_line_order(errors)
    return model, lines


def load_manifest(path: str | Path) -> Deployment:
    """Read and validate a manifest file; ``ManifestError`` naming file, line and key."""
    path = Path(path)
    try:
        data = read_bytes(  # bounded: /dev/zero is not a manifest
            str(path),
            limit=MAX_MANIFEST_BYTES,
            prefix="cannot read manifest: ",
            folder=None,
            what="a manifest",
        )
        if looks_like_certificate(data):
            raise InputError(
                "a certificate or key file, not a deployment manifest (YAML; `certready "
                f"manifest init` writes one): check the file itself with `certready lint {path}`"
            )
        text, notes = decode_manifest(data)
    except InputError as exc:
        raise ManifestError(exc.message, location=str(path)) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(exc, str(path)) from None
    model, lines = parse_manifest(text, str(path))
    return replace(to_deployment(model, lines, path), notes=notes)


UTF8_MARK = b"\xef\xbb\xbf"


def looks_like_certificate(data: bytes) -> bool:
    """PEM blocks, or binary DER (a PFX, a .cer): what ``lint`` reads, given to ``audit`` by
    mistake. (YAML text never starts a line with ``-----BEGIN``.)"""
    if PEM_MARK in data[:4096]:
        return True
    if data[:1] != b"\x30":
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\x00" in data


def not_utf8(exc: UnicodeDecodeError, source: str) -> ManifestError:
    """A manifest that is not UTF-8 (Notepad's "ANSI", Windows-1252): the line and the byte;
    or damaged UTF-16."""
    data = bytes(exc.object)
    if exc.encoding.lower().replace("-", "").startswith("utf16"):
        return ManifestError(
            "cannot read manifest: damaged UTF-16 text: save it as UTF-8", location=source
        )
    line = data[: exc.start].count(b"\n") + 1
    return ManifestError(
        f"cannot read manifest: byte 0x{data[exc.start]:02X} is not UTF-8 (a file saved as "
        '"ANSI" or Windows-1252?): save it as UTF-8',
        location=f"{source}:{line}",
    )


def decode_manifest(data: bytes) -> tuple[str, tuple[str, ...]]:
    """A manifest's text, and a note when Windows wrote it: UTF-16 with a byte-order mark
    (PowerShell 5's ``Out-File`` and ``>``), or UTF-8 with one (Notepad), read like a UTF-16 PEM
    file is. ``UnicodeDecodeError`` when it is neither valid UTF-8 nor UTF-16."""
    if is_utf16(data):
        return data.decode("utf-16"), (
            "UTF-16 text (as PowerShell 5's Out-File writes it): read as UTF-16",
        )
    if data.startswith(UTF8_MARK):
        return data[len(UTF8_MARK) :].decode("utf-8"), (
            "UTF-8 with a byte-order mark (as Notepad writes it): read without the mark",
        )
    if b"\0" in data:
        raise InputError(
            "cannot read manifest: it holds NUL bytes (UTF-16 without a byte-order mark?): "
            "save it as UTF-8"
        )
    return data.decode("utf-8"), ()
