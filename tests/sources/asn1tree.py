"""DER as a tree, to build the inputs cryptography refuses to write (a PFX whose MAC asks for
2^31 - 1 iterations): parse, change an INTEGER, encode again with the lengths that follow.

OCTET STRINGs that hold DER (a PFX's AuthenticatedSafe, its SafeContents) are parsed too.
"""

from __future__ import annotations

from tests.der import Node, encode
from tests.der import parse as _parse


def parse(data: bytes) -> list[Node]:
    """The tree, OCTET STRINGs that hold DER included."""
    return _parse(data, nested_octets=True)


def integer(value: int) -> bytes:
    """An INTEGER's content (two's complement, shortest form)."""
    return value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)


def replace_integer(data: bytes, old: int, new: int, *, which: int) -> bytes:
    """``data`` with the ``which``-th INTEGER equal to ``old`` (in document order; -1: the last)
    set to ``new``."""
    nodes = parse(data)
    found: list[tuple[list[Node], int]] = []

    def visit(level: list[Node]) -> None:
        for i, (tag, content) in enumerate(level):
            if isinstance(content, list):
                visit(content)
            elif tag == 0x02 and content == integer(old):
                found.append((level, i))

    visit(nodes)
    level, i = found[which]
    level[i] = (0x02, integer(new))
    return encode(nodes)
