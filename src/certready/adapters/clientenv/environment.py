"""``HTTPS_PROXY``/``NO_PROXY``: the proxy command-line tools and most runtimes read.

Lower-case names first (curl reads only ``https_proxy``'s lower-case twin for some schemes; Python
prefers lower case), then upper case; ``ALL_PROXY`` when no HTTPS proxy is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from certready.core.client import BypassSyntax, ProxySetting, ProxySource

PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
NO_PROXY_VARIABLES = ("no_proxy", "NO_PROXY")
DEFAULT_PORTS = {"http": 80, "https": 443, "socks4": 1080, "socks5": 1080, "socks5h": 1080}


def environment_proxy(environ: Mapping[str, str]) -> ProxySetting | None:
    """The environment's HTTPS proxy, or ``None`` when none is set."""
    for name in PROXY_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            break
    else:
        return None
    bypass = next((environ[n] for n in NO_PROXY_VARIABLES if environ.get(n, "").strip()), "")
    scheme, host, port, credentials = parse_proxy_url(value)
    shown = f"{scheme}://{host}:{port}" if host else value
    return ProxySetting(
        source=ProxySource.ENVIRONMENT,
        description=f"{name}={shown}",
        host=host or None,
        port=port,
        scheme=scheme,
        bypass=bypass,
        bypass_syntax=BypassSyntax.NO_PROXY,
        credentials=credentials,
    )


def parse_proxy_url(text: str) -> tuple[str, str, int, tuple[str, str] | None]:
    """``http://user:pw@proxy:3128`` -> (scheme, host, port, credentials); no scheme = http."""
    url = text.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 80)
    except ValueError:
        port = DEFAULT_PORTS.get(scheme, 80)
    credentials = None
    if parts.username is not None:
        credentials = (unquote(parts.username), unquote(parts.password or ""))
    return scheme, (parts.hostname or ""), port, credentials
