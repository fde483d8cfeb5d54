"""Errors that carry their data. Every user-facing failure is one of these.

The interfaces map a :class:`CertReadyError` to a one-line message and exit status 2; anything else
is a bug and gets a hint to rerun with ``--debug``.
"""

from __future__ import annotations


class CertReadyError(Exception):
    """Base of every expected error. ``location`` names the file, line, key or host concerned."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class InputError(CertReadyError):
    """A file or stream could not be read as certificates or keys (corrupt, empty, too large)."""


class PasswordError(InputError):
    """A PKCS#12 file or encrypted key needs a password that is missing or wrong."""


class KeyedError(CertReadyError):
    """An error in a structured file that also names the offending ``key`` (dotted)."""

    def __init__(
        self, message: str, *, location: str | None = None, key: str | None = None
    ) -> None:
        super().__init__(message, location=location)
        self.key = key


class PolicyError(KeyedError):
    """A policy profile is malformed: unknown rule id, unknown parameter, bad severity."""

    def __str__(self) -> str:
        """``site.toml: rules.key.rsa-size.min_bits: must be int, not 'big'``: the key is named
        unless the message already names it."""
        message = self.message
        if self.key and self.key not in message:
            message = f"{self.key}: {message}"
        return f"{self.location}: {message}" if self.location else message


class UsageError(CertReadyError):
    """The command line asks for something impossible (bad option value, missing argument)."""


class ManifestError(KeyedError):
    """A deployment manifest is malformed. ``location`` is ``file:line`` and ``key`` the dotted key.

    ``also`` holds the manifest's other errors when several were found at once (each is one line
    of ``str()``, this one first): a user fixes them all in one pass, not one per run."""

    def __init__(
        self,
        message: str,
        *,
        location: str | None = None,
        key: str | None = None,
        also: tuple[ManifestError, ...] = (),
    ) -> None:
        super().__init__(message, location=location, key=key)
        self.also = also

    @classmethod
    def every(cls, errors: list[ManifestError]) -> ManifestError:
        """One error carrying all of ``errors`` (the first in front)."""
        first, *rest = errors
        return cls(first.message, location=first.location, key=first.key, also=tuple(rest))

    @property
    def errors(self) -> tuple[ManifestError, ...]:
        """Every error found: this one, then ``also``."""
        return (ManifestError(self.message, location=self.location, key=self.key), *self.also)

    def __str__(self) -> str:
        own = f"{self.location}: {self.message}" if self.location else self.message
        return "\n".join((own, *(str(e) for e in self.also)))
