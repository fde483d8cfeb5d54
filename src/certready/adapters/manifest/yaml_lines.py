"""YAML text -> plain data, bounded (size, values, depth; no merge keys), remembering the line of
every key path so each error can name it."""

from __future__ import annotations

from typing import Any

import yaml

from certready.adapters.manifest.model import Loc
from certready.core.errors import ManifestError

MAX_MANIFEST_BYTES = 256 * 1024
"""A manifest describes one deployment: 256 KiB holds several hundred servers with comments, and
any text of that size is composed within about a second and 50 MB (issue 14)."""
MAX_VALUES = 50_000
"""Values (mappings, lists, scalars) a manifest may expand to, YAML aliases included: a "billion
laughs" (aliases nine deep) stops here instead of filling the memory."""
MAX_DEPTH = 64
"""Nesting depth: a real manifest nests 7 levels; 600 would exhaust Python's recursion."""
_MERGE_TAG = "tag:yaml.org,2002:merge"


class KeyLines:
    """YAML node -> plain data, remembering the 1-based line of every key path.

    Bounded: at most :data:`MAX_VALUES` values (an alias is expanded each time it is used, so
    this is what bounds "billion laughs") and :data:`MAX_DEPTH` levels."""

    def __init__(self, source: str) -> None:
        self.lines: dict[Loc, int] = {}
        self.errors: list[ManifestError] = []
        """Duplicate keys and keys that are not words: reported with the validation's errors."""
        self._constructor = yaml.constructor.SafeConstructor()
        self._source = source
        self._values = 0
        self._seen: set[int] = set()
        self._aliased = False

    def _where(self, node: yaml.Node) -> str:
        return f"{self._source}:{node.start_mark.line + 1}"

    def _count(self, node: yaml.Node, depth: int) -> None:
        self._values += 1
        if id(node) in self._seen:
            self._aliased = True  # composed once, used again: an alias
        else:
            self._seen.add(id(node))
        if self._values > MAX_VALUES:
            what = "YAML aliases expand to" if self._aliased else "the manifest holds"
            raise ManifestError(
                f"{what} more than {MAX_VALUES:,} values; refusing to read further",
                location=self._where(node),
            )
        if depth > MAX_DEPTH:
            raise ManifestError(
                f"nested deeper than {MAX_DEPTH} levels", location=self._where(node)
            )

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _MERGE_TAG:
            raise ManifestError(
                "YAML merge keys (<<) are not supported: write the keys out",
                location=self._where(node),
            )
        try:
            value = self._constructor.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            problem = exc.problem or "cannot read this value"
            raise ManifestError(
                f"not valid YAML: {problem.splitlines()[0]}", location=self._where(node)
            ) from None
        except (ValueError, OverflowError) as exc:  # e.g. the timestamp 2026-13-45
            raise ManifestError(f"not a valid value: {exc}", location=self._where(node)) from None
        if isinstance(value, str) and "\0" in value:
            raise ManifestError("contains a NUL character", location=self._where(node))
        return value

    def convert(self, node: yaml.Node, loc: Loc, source: str, depth: int = 0) -> Any:
        self._count(node, depth)
        self.lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, str | int):
                    line = key_node.start_mark.line + 1
                    self.errors.append(
                        ManifestError("a key must be a word", location=f"{source}:{line}")
                    )
                    continue
                if key in out:
                    line = key_node.start_mark.line + 1
                    self.errors.append(
                        ManifestError(
                            f"duplicate key {key!r}", location=f"{source}:{line}", key=str(key)
                        )
                    )
                    continue
                out[key] = self.convert(value_node, (*loc, key), source, depth + 1)
                self.lines[(*loc, key)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(n, (*loc, i), source, depth + 1) for i, n in enumerate(node.value)]
        return self._scalar(node)

    def line(self, loc: Loc) -> int:
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1)


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
