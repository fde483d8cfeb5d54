"""certready: is every server presenting a certificate every client accepts and the policy allows?"""

__version__ = "0.1.0"
