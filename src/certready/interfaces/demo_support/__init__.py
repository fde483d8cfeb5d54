"""Pieces of ``make demo`` that are not the demo's story: loopback TLS servers."""
