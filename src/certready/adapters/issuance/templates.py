"""The same request as a Windows ``certreq`` INF and an OpenSSL ``req`` config.

For administrators who create the key where it will live (``certreq -new`` on the Windows server,
``openssl req`` on Linux) instead of using certready's key. Both are rendered from the
:class:`~.extensions.RequestSpec` the CSR is built from, so the three say the same thing.
"""

from __future__ import annotations

from certready.adapters.issuance.extensions import RequestSpec
from certready.core.facts import EKU_NAMES, key_usage_hex

_OPENSSL_KEY_USAGE = {
    "digital_signature": "digitalSignature",
    "content_commitment": "nonRepudiation",
    "key_encipherment": "keyEncipherment",
    "data_encipherment": "dataEncipherment",
    "key_agreement": "keyAgreement",
    "key_cert_sign": "keyCertSign",
    "crl_sign": "cRLSign",
}
_OPENSSL_EKU = {"1.3.6.1.5.5.7.3.1": "serverAuth", "1.3.6.1.5.5.7.3.2": "clientAuth"}
_WINDOWS_EC_ALGORITHM = {"p256": "ECDSA_P256", "p384": "ECDSA_P384"}
_OPENSSL_CURVE = {"p256": "P-256", "p384": "P-384"}


def _quote_inf(value: str) -> str:
    """An INF string value: inside double quotes, a ``"`` is written twice."""
    return value.replace('"', '""')


def _x500_value(value: str) -> str:
    """A value as ``CertStrToName`` reads it: in double quotes, an inner ``"`` doubled, so a
    comma, a ``+`` or an ``=`` in an organisation's name stays part of the value."""
    return '"' + value.replace('"', '""') + '"'


def x500_subject(spec: RequestSpec) -> str:
    """``CN="app.example.org", O="Sunrise, Inc."``: the Subject certreq passes to CertStrToName."""
    parts = [f"CN={_x500_value(spec.common_name)}"]
    if spec.organization:
        parts.append(f"O={_x500_value(spec.organization)}")
    return ", ".join(parts)


def inf_bytes(text: str) -> bytes:
    """certreq reads an INF in the ANSI code page unless it is Unicode (UTF-16 with a BOM):
    ASCII stays as it is, anything else is written as UTF-16 so accents survive."""
    if text.isascii():
        return text.encode("ascii")
    return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")


def certreq_inf(spec: RequestSpec, stem: str | None = None) -> str:
    """A ``certreq -new`` policy file: KSP key, the spec's KU/EKU, every name in the SAN."""
    if spec.key_type.startswith("rsa"):
        algorithm, length = "RSA", spec.key_type[3:]
    else:
        algorithm, length = _WINDOWS_EC_ALGORITHM[spec.key_type], spec.key_type[1:]
    lines = [
        "; certreq policy file written by certready. On the server, in an elevated prompt:",
        f";   certreq -new {stem or spec.common_name}.inf {stem or spec.common_name}.csr",
        "; submit the .csr to your CA, then, on the same server:",
        ";   certreq -accept <issued certificate>.cer",
        "; The key is made on the server and never leaves it (Exportable lets you back it up).",
        "[Version]",
        'Signature="$Windows NT$"',
        "",
        "[NewRequest]",
        f'Subject = "{_quote_inf(x500_subject(spec))}"',
        f"KeyAlgorithm = {algorithm}",
        f"KeyLength = {length}",
        'ProviderName = "Microsoft Software Key Storage Provider"',
        "HashAlgorithm = SHA256",
        "MachineKeySet = TRUE",
        "Exportable = TRUE",
        "RequestType = PKCS10",
        "SMIME = FALSE",
        f"KeyUsage = 0x{key_usage_hex(frozenset(spec.key_usage))}",
        "",
        "[EnhancedKeyUsageExtension]",
        *(f"OID = {oid} ; {EKU_NAMES.get(oid, oid)}" for oid in spec.extended_key_usage),
        "",
        "[Extensions]",
        "; Subject Alternative Name: every name clients use",
        '2.5.29.17 = "{text}"',
        *(f'_continue_ = "dns={name}&"' for name in spec.dns_names),
        *(f'_continue_ = "ipaddress={address}&"' for address in spec.ip_addresses),
        "",
    ]
    return "\r\n".join(lines)


def _conf_value(value: str) -> str:
    """OpenSSL's config parser reads quotes, ``$`` and ``#`` specially: escape them."""
    return "".join("\\" + c if c in "\\\"'$#" else c for c in value)


def openssl_config(spec: RequestSpec, stem: str | None = None) -> str:
    """An ``openssl req -config`` file with the spec's subject, KU, EKU and SANs."""
    if spec.key_type.startswith("rsa"):
        newkey = f"-newkey rsa:{spec.key_type[3:]}"
    else:
        newkey = f"-newkey ec -pkeyopt ec_paramgen_curve:{_OPENSSL_CURVE[spec.key_type]}"
    usages = ", ".join(_OPENSSL_KEY_USAGE[b] for b in spec.key_usage)
    ekus = ", ".join(_OPENSSL_EKU.get(o, o) for o in spec.extended_key_usage)
    alt = [f"DNS.{i} = {n}" for i, n in enumerate(spec.dns_names, 1)]
    alt += [f"IP.{i} = {a}" for i, a in enumerate(spec.ip_addresses, 1)]
    dn = [f"CN = {_conf_value(spec.common_name)}"]
    if spec.organization:
        dn.insert(0, f"O = {_conf_value(spec.organization)}")
    name = stem or spec.common_name
    lines = [
        "# OpenSSL request config written by certready. To create a key and request with it:",
        f"#   openssl req -new {newkey} -noenc \\",
        f"#     -keyout {name}.key -out {name}.csr -config {name}.cnf",
        "",
        "[ req ]",
        "prompt = no",
        "default_md = sha256",
        "utf8 = yes",
        "string_mask = utf8only",
        "distinguished_name = dn",
        "req_extensions = v3_req",
        "",
        "[ dn ]",
        *dn,
        "",
        "[ v3_req ]",
        "basicConstraints = critical, CA:FALSE",
        f"keyUsage = critical, {usages}",
        f"extendedKeyUsage = {ekus}",
        "subjectAltName = @alt_names",
        "",
        "[ alt_names ]",
        *alt,
        "",
    ]
    return "\n".join(lines)
