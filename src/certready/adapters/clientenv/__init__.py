"""A client machine's trust stores and proxy settings, read the way its applications read them.

One small interface, :class:`ClientEnvironment`, with one reader per operating system:

- :mod:`.linux`: the distribution's CA bundle (OpenSSL applications) and the NSS databases
  Chromium and Firefox use (through ``certutil`` from ``libnss3-tools``), plus the environment's
  ``HTTPS_PROXY``/``NO_PROXY``;
- :mod:`.windows`: the Root and CA stores (``ssl.enum_certificates``, LocalMachine and CurrentUser
  merged), WinINET (the registry through ``winreg``) and WinHTTP (``netsh winhttp show proxy``);
- :mod:`.macos`: the system roots, System and login keychains (``security find-certificate``) and
  ``scutil --proxy``.

Every reader takes its I/O (paths, a command runner, registry values, the environment) as
parameters, so the Windows and macOS ones are tested anywhere with recorded outputs; nothing here
needs administrator rights. The services' tests use a fake environment.
"""

from __future__ import annotations

import os
import sys
from typing import Protocol

from certready.core.client import ClientStore, ProxySetting
from certready.core.deployment import Platform


class ClientEnvironment(Protocol):
    """What ``certready doctor`` needs to know about the machine it runs on."""

    @property
    def platform(self) -> Platform: ...

    def trust_stores(self) -> tuple[ClientStore, ...]:
        """Every store this machine's applications read, with what each holds."""
        ...

    def proxy_settings(self) -> tuple[ProxySetting, ...]:
        """Every proxy setting of this machine (the environment's first), enabled or not."""
        ...


def this_platform(platform: str | None = None) -> Platform:
    """``sys.platform`` as a manifest's client platform."""
    plat = platform or sys.platform
    if plat == "win32":
        return Platform.WINDOWS
    if plat == "darwin":
        return Platform.MACOS
    return Platform.LINUX


def this_machine() -> ClientEnvironment:
    """The reader for the operating system certready runs on."""
    platform = this_platform()
    if platform is Platform.WINDOWS:
        from certready.adapters.clientenv.windows import WindowsEnvironment

        return WindowsEnvironment.from_system(dict(os.environ))
    if platform is Platform.MACOS:
        from certready.adapters.clientenv.macos import MacosEnvironment

        return MacosEnvironment.from_system(dict(os.environ))
    from certready.adapters.clientenv.linux import LinuxEnvironment

    return LinuxEnvironment.from_system(dict(os.environ))
