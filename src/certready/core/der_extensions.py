"""Each extension of a certificate on its own, from the raw DER (RFC 5280 §4.1, §4.2).

``cryptography`` parses a certificate's extensions all at once: one malformed extension makes
every one unreadable. :func:`split_extensions` finds each ``Extension`` in the TBSCertificate and
:func:`certificate_with_only` rebuilds the certificate with that one extension, so each can be
parsed (or refused) alone. The signature is left as it was: the rebuilt DER is only ever parsed,
never verified.
"""

from __future__ import annotations

from typing import NamedTuple

_SEQUENCE = 0x30
_EXTENSIONS = 0xA3  # [3] EXPLICIT Extensions, in the TBSCertificate

ASN1_TAG_NAMES = {
    0x01: "a BOOLEAN",
    0x02: "an INTEGER",
    0x03: "a BIT STRING",
    0x04: "an OCTET STRING",
    0x05: "a NULL",
    0x06: "an OBJECT IDENTIFIER",
    0x0A: "an ENUMERATED",
    0x0C: "a UTF8String",
    0x13: "a PrintableString",
    0x16: "an IA5String",
    0x30: "a SEQUENCE",
    0x31: "a SET",
}


class RawExtension(NamedTuple):
    """One ``Extension ::= SEQUENCE { extnID, critical, extnValue }`` as found in the DER."""

    oid: str
    critical: bool
    value: bytes
    """The content of extnValue (the DER of the extension's own type)."""
    der: bytes
    """The whole Extension TLV."""


class _Tlv(NamedTuple):
    tag: int
    start: int
    """Where the TLV begins."""
    content: int
    """Where its content begins."""
    end: int


def _read(data: bytes, i: int) -> _Tlv:
    if i + 2 > len(data):
        raise ValueError("truncated DER")
    tag, length = data[i], data[i + 1]
    j = i + 2
    if length & 0x80:
        size = length & 0x7F
        if size == 0 or size > 4 or j + size > len(data):
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[j : j + size], "big")
        j += size
    if j + length > len(data):
        raise ValueError("truncated DER")
    return _Tlv(tag, i, j, j + length)


def _children(data: bytes, start: int, end: int) -> list[_Tlv]:
    out: list[_Tlv] = []
    i = start
    while i < end:
        tlv = _read(data, i)
        out.append(tlv)
        i = tlv.end
    if i != end:
        raise ValueError("DER children overrun their parent")
    return out


def _encode(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    octets = (size.bit_length() + 7) // 8
    return bytes([tag, 0x80 | octets]) + size.to_bytes(octets, "big") + body


def _oid_text(body: bytes) -> str:
    if not body:
        raise ValueError("empty OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(a) for a in (*head, *arcs[1:]))


class _Layout(NamedTuple):
    cert: _Tlv
    tbs: _Tlv
    extensions: _Tlv
    """The [3] wrapper."""
    items: list[_Tlv]


def _layout(der: bytes) -> _Layout:
    cert = _read(der, 0)
    tbs = _read(der, cert.content)
    if cert.tag != _SEQUENCE or tbs.tag != _SEQUENCE:
        raise ValueError("not a certificate")
    wrapper = next((t for t in _children(der, tbs.content, tbs.end) if t.tag == _EXTENSIONS), None)
    if wrapper is None:
        return _Layout(cert, tbs, tbs, [])
    sequence = _read(der, wrapper.content)
    return _Layout(cert, tbs, wrapper, _children(der, sequence.content, sequence.end))


def split_extensions(der: bytes) -> tuple[RawExtension, ...]:
    """Every extension of the certificate ``der``, in order. Raises ``ValueError`` when the
    DER around them cannot be walked."""
    out: list[RawExtension] = []
    for item in _layout(der).items:
        parts = _children(der, item.content, item.end)
        if len(parts) not in (2, 3) or parts[0].tag != 0x06 or parts[-1].tag != 0x04:
            raise ValueError("an Extension is not SEQUENCE { OID, [BOOLEAN], OCTET STRING }")
        critical = len(parts) == 3 and der[parts[1].content : parts[1].end] != b"\x00"
        out.append(
            RawExtension(
                _oid_text(der[parts[0].content : parts[0].end]),
                critical,
                der[parts[-1].content : parts[-1].end],
                der[item.start : item.end],
            )
        )
    return tuple(out)


def certificate_with_only(der: bytes, extension: RawExtension) -> bytes:
    """The certificate ``der`` rebuilt with ``extension`` as its only extension (signature kept:
    for parsing only)."""
    layout = _layout(der)
    wrapper = _encode(_EXTENSIONS, _encode(_SEQUENCE, extension.der))
    tbs_body = (
        der[layout.tbs.content : layout.extensions.start]
        + wrapper
        + der[layout.extensions.end : layout.tbs.end]
    )
    rest = der[layout.tbs.end : layout.cert.end]
    return _encode(_SEQUENCE, _encode(_SEQUENCE, tbs_body) + rest)


def value_tag_name(extension: RawExtension) -> str:
    """What the extension's value is, in ASN.1 words (``an INTEGER``)."""
    if not extension.value:
        return "empty"
    tag = extension.value[0]
    return ASN1_TAG_NAMES.get(tag, f"tag 0x{tag:02x}")
