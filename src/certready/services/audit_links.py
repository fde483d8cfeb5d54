"""Which targets a deployment finding is about: the audit's typed link from a report-level finding
to the targets of the server it concerns (:attr:`certready.core.model.Finding.about`).

The audit names each server's targets (:func:`file_target_name`, :func:`live_target_name`) and
knows where each server's findings are located: the server's manifest entry, the manifest key of
its certificate or STS certificate, or a certificate its endpoint presented. Matching compares
location values; no message or location text is read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from certready.core.deployment import Deployment, ServerSpec
from certready.core.location import Location
from certready.core.model import Finding, Role, TargetResult


def file_target_name(server: ServerSpec, role: Role) -> str:
    """``production/app``, ``production/app (sts)``: the target of a server's certificate file."""
    return f"{server.key}{' (sts)' if role is Role.STS else ''}"


def live_target_name(server: ServerSpec, sni: str | None = None) -> str:
    """``production/app (live host:port)``, ``... (live host:port, SNI name)``: a served target."""
    return f"{server.key} (live {server.endpoint}{f', SNI {sni}' if sni else ''})"


def _ssl_names(server: ServerSpec) -> set[str]:
    names = {file_target_name(server, Role.SSL)}
    if server.endpoint:
        names.add(live_target_name(server))
        names.update(live_target_name(server, sni) for sni in server.names)
    return names


def _presented_by(targets: Sequence[TargetResult]) -> dict[Location, str]:
    """The location of every certificate a target holds -> that target (first one wins)."""
    out: dict[Location, str] = {}
    for t in targets:
        out.setdefault(t.location, t.target)
        for element in t.certificates:
            out.setdefault(element.origin, t.target)
    return out


def link_to_targets(
    findings: Sequence[Finding], deployment: Deployment, targets: Sequence[TargetResult]
) -> tuple[Finding, ...]:
    """``findings`` with :attr:`Finding.about` naming the targets each one concerns.

    A finding located at a certificate a target holds (what an endpoint presented) is about that
    target; one located at a server's manifest entry or its certificate's key is about the
    server's TLS targets (file and live); at its STS certificate's key, about its STS target.
    Findings about clients, the proxy or the whole manifest keep ``about`` empty.
    """
    present = {t.target for t in targets}
    held = _presented_by(targets)
    by_location: dict[Location, set[str]] = {}
    for server in deployment.servers:
        ssl = _ssl_names(server) & present
        for where in (server.location, server.certificate.location if server.certificate else None):
            if where:
                by_location.setdefault(where, set()).update(ssl)
        if server.sts_certificate is not None and server.sts_certificate.location:
            sts = {file_target_name(server, Role.STS)} & present
            by_location.setdefault(server.sts_certificate.location, set()).update(sts)
    order = {t.target: i for i, t in enumerate(targets)}
    out: list[Finding] = []
    for f in findings:
        if f.about:
            out.append(f)
            continue
        names: set[str] = set()
        if f.location in held:
            names.add(held[f.location])
        else:
            names = by_location.get(f.location, set())
        out.append(replace(f, about=tuple(sorted(names, key=order.__getitem__))) if names else f)
    return tuple(out)


__all__ = ["file_target_name", "link_to_targets", "live_target_name"]
