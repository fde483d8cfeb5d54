"""Policy profiles read from disk: the built-in ones shipped in the package, and TOML files.

:mod:`certready.core.policy` parses a profile's text and resolves its settings; this module does the
reading, including each profile an ``extends`` names (a built-in name or a path relative to the
profile that names it).
"""

from __future__ import annotations

import errno
from importlib import resources
from pathlib import Path

from certready.adapters.inputs.read import os_reason, read_bytes
from certready.core.errors import InputError, PolicyError
from certready.core.policy import BUILTIN_PROFILES, DEFAULT_PROFILE, MAX_PROFILE_BYTES, Policy
from certready.core.policy import parse_policy as parse_policy_text


def load_policy(spec: str | Path | None = None) -> Policy:
    """A built-in profile by name (``homecare``, ``webpki``) or a TOML profile file by path."""
    if spec is None:
        spec = DEFAULT_PROFILE
    if isinstance(spec, str) and spec in BUILTIN_PROFILES:
        return _load_builtin(spec, seen=())
    path = Path(spec)
    if not _exists(path, location=None):
        known = ", ".join(BUILTIN_PROFILES)
        raise PolicyError(
            f"no built-in profile or file named {str(spec)!r} (built-in profiles: {known})"
        )
    return _load_file(path, seen=())


def parse_policy(
    text: str, *, source: str, seen: tuple[str, ...] = (), base_dir: Path | None = None
) -> Policy:
    """Parse a profile's text, reading the profiles it ``extends`` from disk."""
    return parse_policy_text(
        text, source=source, seen=seen, base_dir=base_dir, load_parent=_load_parent
    )


def _load_parent(extends: str, base_dir: Path | None, seen: tuple[str, ...]) -> Policy:
    if extends in BUILTIN_PROFILES:
        return _load_builtin(extends, seen=seen)
    parent_path = (base_dir or Path.cwd()) / extends
    if not _exists(parent_path, location=seen[-1] if seen else None):
        raise PolicyError(
            f"extends {extends!r}: no such built-in profile or file",
            location=seen[-1] if seen else None,
            key="profile.extends",
        )
    return _load_file(parent_path, seen=seen)


def _load_builtin(name: str, seen: tuple[str, ...]) -> Policy:
    text = resources.files("certready.core.profiles").joinpath(f"{name}.toml").read_text("utf-8")
    return parse_policy(text, source=f"builtin:{name}", seen=seen)


def _exists(path: Path, *, location: str | None) -> bool:
    """Whether ``path`` names something. A name holding a NUL names nothing; one the file system
    cannot look up (``File name too long``) is an error naming it and ``location`` (the profile
    that names it), where ``Path.exists`` raises."""
    try:
        path.stat()
    except FileNotFoundError:
        return False
    except ValueError:  # embedded NUL
        return False
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.ELOOP):
            return False
        raise PolicyError(
            f"cannot read profile {_shown(path)!r}: {os_reason(exc)}", location=location
        ) from None
    return True


def _shown(path: Path) -> str:
    """A path for a one-line message: a name longer than a file system allows is cut short."""
    text = str(path)
    return text if len(text) <= 120 else f"{text[:60]}...{text[-40:]}"


def _load_file(path: Path, seen: tuple[str, ...]) -> Policy:
    try:
        text = read_bytes(  # bounded: /dev/zero is not a profile
            str(path),
            limit=MAX_PROFILE_BYTES,
            prefix="cannot read profile: ",
            folder=None,
            what="a profile",
        ).decode("utf-8")
    except InputError as exc:
        raise PolicyError(exc.message, location=str(path)) from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"cannot read profile: {exc}", location=str(path)) from None
    return parse_policy(text, source=str(path), seen=seen, base_dir=path.parent)
