"""DER as a tree, to build the inputs cryptography refuses to write (a PFX whose MAC asks for
2^31 - 1 iterations): parse, change an INTEGER, encode again with the lengths that follow.

OCTET STRINGs that hold DER (a PFX's AuthenticatedSafe, its SafeContents) are parsed too.
"""

from __future__ import annotations

Node = tuple[int, "bytes | list[Node]"]


def parse(data: bytes) -> list[Node]:
    out: list[Node] = []
    i = 0
    while i < len(data):
        tag, length = data[i], data[i + 1]
        i += 2
        if length & 0x80:
            size = length & 0x7F
            length = int.from_bytes(data[i : i + size], "big")
            i += size
        content = data[i : i + length]
        i += length
        if tag & 0x20 or (tag == 0x04 and content[:1] == b"\x30" and _is_der(content)):
            out.append((tag, parse(content)))
        else:
            out.append((tag, content))
    return out


def _is_der(data: bytes) -> bool:
    try:
        return encode(parse(data)) == data
    except (IndexError, ValueError):
        return False


def encode(nodes: list[Node]) -> bytes:
    out = b""
    for tag, content in nodes:
        body = encode(content) if isinstance(content, list) else content
        size = len(body)
        if size < 0x80:
            length = bytes([size])
        else:
            octets = (size.bit_length() + 7) // 8
            length = bytes([0x80 | octets]) + size.to_bytes(octets, "big")
        out += bytes([tag]) + length + body
    return out


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
