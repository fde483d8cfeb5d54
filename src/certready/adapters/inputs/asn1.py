"""A small, bounded BER/DER reader: enough ASN.1 to read the parameters of a structure before
handing it to ``cryptography`` (which has no API for them).

It reads definite and indefinite lengths (BER, as Windows and older Java write PKCS#12) and
constructed OCTET STRINGs, nests at most :data:`MAX_DEPTH` levels and visits at most
:data:`MAX_ELEMENTS` elements per input, so its cost is linear in the input's size whatever the
input holds. Anything it cannot read raises :class:`Malformed`.
"""

from __future__ import annotations

from typing import NamedTuple

MAX_DEPTH = 32
"""Deeper than any PKCS#12 or PKCS#8 structure (a PFX's key bag lies 9 levels down)."""
MAX_ELEMENTS = 1_000_000
"""Elements read per input: a 16 MiB PFX of certificate bags has a few thousand."""

SEQUENCE = 0x30
OCTET_STRING = 0x04
CONSTRUCTED_OCTET_STRING = 0x24
INTEGER = 0x02
OBJECT_IDENTIFIER = 0x06
CONTEXT_0 = 0xA0


class Malformed(Exception):
    """The input is not BER this reader can follow (its message says where and why)."""


class Element(NamedTuple):
    tag: int
    start: int
    """Where its content starts in :attr:`Reader.data`."""
    end: int
    """Where its content ends (before a BER end-of-contents marker)."""


class Reader:
    """Elements of ``data``, read with a budget shared by every call on this reader."""

    def __init__(self, data: bytes, budget: int = MAX_ELEMENTS) -> None:
        self.data = data
        self.budget = budget
        """Elements left to read (a reader of wrapped DER is given what its parent has left)."""

    def children(self, start: int, end: int, depth: int = 0) -> list[Element]:
        """The elements between ``start`` and ``end`` (the content of a constructed element)."""
        out: list[Element] = []
        offset = start
        while offset < end:
            element, offset = self._element(offset, end, depth)
            out.append(element)
        return out

    def of(self, element: Element, depth: int = 0) -> list[Element]:
        """The children of a constructed ``element``."""
        if not element.tag & 0x20:
            raise Malformed(f"a primitive element (tag {element.tag:#04x}) where a structure was")
        return self.children(element.start, element.end, depth + 1)

    def content(self, element: Element) -> bytes:
        return self.data[element.start : element.end]

    def octets(self, element: Element, depth: int = 0) -> bytes:
        """An OCTET STRING's bytes, joined from its pieces when BER splits it (constructed)."""
        if element.tag == OCTET_STRING or not element.tag & 0x20:
            return self.content(element)
        if depth > MAX_DEPTH:
            raise Malformed("nested too deep")
        return b"".join(self.octets(c, depth + 1) for c in self.of(element, depth))

    def _element(self, offset: int, end: int, depth: int) -> tuple[Element, int]:
        """The element at ``offset`` and the offset after it (its end-of-contents included)."""
        if depth > MAX_DEPTH:
            raise Malformed(f"nested more than {MAX_DEPTH} levels deep")
        self.budget -= 1
        if self.budget < 0:
            raise Malformed(f"more than {MAX_ELEMENTS:,} ASN.1 elements")
        data = self.data
        if offset + 2 > end:
            raise Malformed(f"truncated at byte {offset}")
        tag, first = data[offset], data[offset + 1]
        if tag & 0x1F == 0x1F:
            raise Malformed(f"a multi-byte tag at byte {offset}")
        start = offset + 2
        if first == 0x80:  # BER indefinite length: children up to the end-of-contents marker
            if not tag & 0x20:
                raise Malformed(f"a primitive element of indefinite length at byte {offset}")
            position = start
            while True:
                if position + 2 > end:
                    raise Malformed(f"no end-of-contents for the element at byte {offset}")
                if data[position] == 0 and data[position + 1] == 0:
                    return Element(tag, start, position), position + 2
                _, position = self._element(position, end, depth + 1)
        if first & 0x80:
            count = first & 0x7F
            if count > 4 or start + count > end:
                raise Malformed(f"an impossible length at byte {offset}")
            length = int.from_bytes(data[start : start + count], "big")
            start += count
        else:
            length = first
        if start + length > end:
            raise Malformed(f"the element at byte {offset} runs past its container")
        return Element(tag, start, start + length), start + length


def integer(reader: Reader, element: Element) -> int:
    """An INTEGER's value (one longer than 16 bytes is read as 2**128: larger than any bound)."""
    if element.tag != INTEGER or element.start == element.end:
        raise Malformed("an INTEGER was expected")
    if element.end - element.start > 16:
        return 2**128
    return int.from_bytes(reader.content(element), "big", signed=True)
