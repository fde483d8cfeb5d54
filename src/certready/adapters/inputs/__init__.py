"""Every input the tool reads: certificate and key files, folders, standard input, trust files,
CRLs, manifests, targets files, lab files and secrets.

Modules, each named after what it reads:

- ``read``: bounded reads of a file, standard input or a folder's files (size caps, one error
  message per failure); standard input is always passed in, never taken from ``sys.stdin``;
- ``sniff``: which format an input is, from its content (UTF-16, bare base64, mistaken files);
- ``pem``: the one PEM block scanner (linear in the input's size) and PEM certificate files;
- ``der``: DER inputs, told apart by their ASN.1 structure;
- ``pkcs7``: PKCS#7 bundles and the chain order they do not keep;
- ``pkcs12``: PKCS#12 files;
- ``keys``: private keys and unlocking them with a password;
- ``kdf``: the key-derivation work a PFX or an encrypted key asks for, read (with ``asn1``, a
  small bounded BER reader) and refused above documented ceilings before anything is derived;
- ``passwords``: secrets from an environment variable or a file (the prompt is the CLI's);
- ``bundle``: what an input holds (:class:`Bundle`), ``load``: bytes or files to bundles.
"""

from __future__ import annotations

from certready.adapters.inputs.bundle import (
    STDIN,
    Bundle,
    LoadedCertificate,
    LoadedKey,
    LoadedRequest,
    PasswordSource,
    PfxEncryption,
    display_name,
    key_location,
    location,
)
from certready.adapters.inputs.keys import HOW_TO_UNLOCK
from certready.adapters.inputs.load import (
    SKIPPED,
    iter_inputs,
    load_bytes,
    load_certificates_file,
    load_file,
)
from certready.adapters.inputs.pem import lenient_certificates, scan_pem
from certready.adapters.inputs.pkcs7 import chain_order
from certready.adapters.inputs.read import MAX_INPUT_BYTES, read_bytes, read_input

__all__ = [
    "HOW_TO_UNLOCK",
    "MAX_INPUT_BYTES",
    "SKIPPED",
    "STDIN",
    "Bundle",
    "LoadedCertificate",
    "LoadedKey",
    "LoadedRequest",
    "PasswordSource",
    "PfxEncryption",
    "chain_order",
    "display_name",
    "iter_inputs",
    "key_location",
    "lenient_certificates",
    "load_bytes",
    "load_certificates_file",
    "load_file",
    "location",
    "read_bytes",
    "read_input",
    "scan_pem",
]
