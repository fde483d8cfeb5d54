"""A few lines of DER, for fixtures ``cryptography`` refuses to build: a 100-character CN, a
BER-encoded PKCS#12. Parse to a tree of ``(tag, bytes | children)``, change it, encode it again."""

from __future__ import annotations

Node = tuple[int, "bytes | list[Node]"]


def parse(data: bytes, *, nested_octets: bool = False) -> list[Node]:
    """Definite-length DER/BER into a tree; constructed tags (bit 0x20) hold their children.
    ``nested_octets``: an OCTET STRING that holds DER (a PFX's AuthenticatedSafe) is parsed too."""
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
        nested = nested_octets and tag == 0x04 and content[:1] == b"\x30" and _is_der(content)
        if tag & 0x20 or nested:
            out.append((tag, parse(content, nested_octets=nested_octets)))
        else:
            out.append((tag, content))
    return out


def _is_der(data: bytes) -> bool:
    try:
        return encode(parse(data, nested_octets=True)) == data
    except (IndexError, ValueError):
        return False


def encode(nodes: list[Node]) -> bytes:
    """The tree back to DER (definite lengths)."""
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


def replace(nodes: list[Node], old: bytes, new: bytes) -> list[Node]:
    """Every primitive value equal to ``old`` becomes ``new``."""
    return [
        (tag, replace(c, old, new) if isinstance(c, list) else (new if c == old else c))
        for tag, c in nodes
    ]


def indefinite(der: bytes) -> bytes:
    """The outer SEQUENCE re-encoded with BER's indefinite length (valid BER, not DER)."""
    [(tag, children)] = parse(der)
    assert isinstance(children, list)
    return bytes([tag, 0x80]) + encode(children) + b"\0\0"
