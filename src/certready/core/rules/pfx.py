"""Rules: pfx — what a PFX (PKCS#12) file's encryption means for the Windows that imports it.

Windows Server 2016 and older (and Windows 10 before 1709) import only PFX files encrypted with
PBE-SHA1-3DES; OpenSSL 3 and cryptography write AES-256 (PBES2) by default, which those systems
refuse with "The password you entered is incorrect". The encryption is a fact of the file, not
of the certificate: the audit, which reads the manifest's files, reports it against the server.
"""

from __future__ import annotations

from certready.core.model import Severity
from certready.core.rules.registry import SSL_AND_STS, analysed_elsewhere, rule

pfx_windows_import = rule(
    id="pfx.windows-import",
    title="A PFX encrypted with AES (PBES2) is imported only by Windows Server 2019 / Windows 10 "
    "1709 and later",
    severity=Severity.INFO,
    rationale=(
        "Windows Server 2016 and older cannot import a PKCS#12 file encrypted with AES-256 "
        "(PBES2, RFC 8018): the import fails as if the password were wrong. A 3DES-encrypted PFX "
        "with a SHA-1 MAC imports everywhere."
    ),
    remediation=(
        "On Windows Server 2016 or older, rebuild the PFX with 3DES: `certready pfx CERT KEY "
        "CHAIN --legacy --out FILE.pfx` (or `certready lab issue --legacy-pfx` for a lab "
        "certificate); on Windows Server 2019 and later nothing needs to change."
    ),
    references=(
        "RFC 8018 §6.2 (PBES2)",
        "RFC 7292 Appendix C (PBE-SHA1-3DES)",
        "Microsoft: AES-256 PFX import needs Windows 10 1709 / Windows Server 2019",
    ),
    roles=SSL_AND_STS,
)(analysed_elsewhere)
