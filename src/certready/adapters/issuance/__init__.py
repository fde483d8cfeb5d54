"""Issuance: keys, certificate requests, the lab CA, PKCS#12 and planted defects.

- :mod:`.keys`: key generation and the only code that writes private keys (PKCS#8, 0600, no clobber).
- :mod:`.extensions`: what a request or a leaf asks for (:class:`~.extensions.RequestSpec`), as
  X.509 extensions.
- :mod:`.csr`: PKCS#10 requests.
- :mod:`.templates`: the same request as a Windows ``certreq`` INF and an OpenSSL config.
- :mod:`.ca`: the lab root and issuing CA on disk, and the one function that signs a leaf.
- :mod:`.defects`: the catalogue of defects ``lab issue --defect`` can plant, each with its rule.
- :mod:`.pkcs12`: PFX files (AES-256 PBES2, or 3DES/SHA-1 MAC for old Windows).
- :mod:`.openssl`: the ``openssl`` command line, for what cryptography refuses (SHA-1 signatures).
"""
