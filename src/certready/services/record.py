"""Recording runs into the inventory: a Report's targets turned into rows as they complete.

:class:`Recorder` is what a command holds while it runs: ``begin`` stores the run, ``add`` commits
one target (so a process killed mid-way keeps every target already done, and the run stays
incomplete), ``finish`` commits what is left (targets that completed together, as a lint's or an
audit's, in one transaction) and the run's end. A database error never stops the
command: the recorder keeps the first error (one line) and ignores the rest of the run; the command
prints its report, then the error, and exits 4.

Stored: certificate facts (fingerprints, names, dates, key type and size), endpoints, manifest
servers, observations and findings. Never a private key nor a password: only whether a key came
with the certificate.
"""

from __future__ import annotations

import datetime as dt
import getpass
import platform
import re
from collections.abc import Callable
from pathlib import Path

from certready import __version__
from certready.adapters.inventory import Database, InventoryError, Store
from certready.adapters.inventory.rows import (
    CertificateRecord,
    EndpointKey,
    FindingRecord,
    ObservationRecord,
    RunEnd,
    RunStart,
    ServerKey,
)
from certready.core.hostnames import is_ip_address
from certready.core.model import CertFacts, Finding, Report, TargetResult

Clock = Callable[[], dt.datetime]
MOZILLA = "trust:mozilla"
REPORT_TARGET = "(deployment)"
"""The target name of findings about a whole report (topology), not one target."""
_SERVER_TARGET = re.compile(r"(?P<environment>[^/\s]+)/(?P<name>[^\s(]+)(?: \(.*\))?")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Recorder:
    """Records one run of ``command`` into ``database``; see the module docstring."""

    def __init__(
        self,
        database: Database,
        command: str,
        *,
        manifest: str | Path | None = None,
        clock: Clock = _now,
    ) -> None:
        self.database = database
        self.command = command
        self.manifest = str(Path(manifest).resolve()) if manifest is not None else None
        self.clock = clock
        self.started_at = clock()
        self.run_id: int | None = None
        self.error: InventoryError | None = None
        self.deployment: str | None = None
        self._store: Store | None = None
        self._recorded: set[int] = set()

    def begin(self, profile: str, title: str | None = None) -> None:
        """Store the run (once). The deployment name of manifest servers is ``title``."""
        if self.run_id is not None or self.error is not None:
            return
        self.deployment = title or (Path(self.manifest).stem if self.manifest else None)
        start = RunStart(
            command=self.command,
            profile=profile,
            manifest=self.manifest,
            title=title,
            user_name=_user(),
            host_name=platform.node() or "unknown",
            version=__version__,
            started_at=self.started_at,
        )
        try:
            self._store = Store(self.database)
            self.run_id = self._store.begin_run(start)
        except InventoryError as exc:
            self._fail(exc)

    def add(self, result: TargetResult) -> None:
        """Commit one finished target (a no-op after an error, or for one already recorded)."""
        if self.error is not None or self._store is None or self.run_id is None:
            return
        if id(result) in self._recorded:
            return
        self._recorded.add(id(result))
        try:
            self._store.add_observation(
                self.run_id, observation(result, self.clock(), self.deployment)
            )
        except InventoryError as exc:
            self._fail(exc)

    def _add_together(self, results: list[TargetResult]) -> None:
        """Targets that completed together (a lint or an audit): one transaction."""
        if self.error is not None or self._store is None or self.run_id is None or not results:
            return
        self._recorded.update(id(r) for r in results)
        now = self.clock()
        try:
            self._store.add_observations(
                self.run_id, [observation(r, now, self.deployment) for r in results]
            )
        except InventoryError as exc:
            self._fail(exc)

    def finish(self, report: Report, exit_status: int) -> int | None:
        """Commit the targets not yet recorded and the run's end; the run id, or ``None`` when
        recording failed (then :attr:`error` says why)."""
        self.begin(report.profile, report.title)
        self._add_together([t for t in report.targets if id(t) not in self._recorded])
        if self.error is None and self._store is not None and self.run_id is not None:
            end = RunEnd(
                ended_at=self.clock(),
                verdict=report.worst.label if report.worst is not None else "ok",
                exit_status=exit_status,
                findings=tuple(_finding(f, REPORT_TARGET) for f in report.findings),
            )
            try:
                self._store.end_run(self.run_id, end)
            except InventoryError as exc:
                self._fail(exc)
        self.close()
        return self.run_id if self.error is None else None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _fail(self, error: InventoryError) -> None:
        self.error = error
        self.close()


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in a bare container
        return "unknown"


def observation(
    result: TargetResult, observed_at: dt.datetime, deployment: str | None
) -> ObservationRecord:
    """One target as the store keeps it. Locations are stored as their text (``str()``)."""
    location = str(result.location)
    public: bool | None = None
    if result.path:
        public = str(result.path[-1].origin) == MOZILLA
    certs = [certificate_record(e.certificate, public) for e in result.certificates]
    leaf = certs[0] if certs else None
    endpoint = endpoint_key(result)
    server = None
    if deployment is not None and (match := _SERVER_TARGET.fullmatch(result.target)):
        server = ServerKey(deployment, match["environment"], match["name"])
    return ObservationRecord(
        observed_at=observed_at,
        target=result.target,
        location=location,
        kind="endpoint" if endpoint is not None else "file",
        role=str(result.role.value),
        status=str(result.status.value),
        reason=result.reason,
        endpoint=endpoint,
        server=server,
        leaf=leaf,
        others=tuple(certs[1:]),
        private_key=str(result.private_key.value),
        findings=tuple(_finding(f, result.target) for f in result.findings),
    )


def endpoint_key(result: TargetResult) -> EndpointKey | None:
    """``tls://host:port`` locations are endpoints; SNI as sent (or as it would have been)."""
    location = str(result.location)
    if not location.startswith("tls://"):
        return None
    authority = location.removeprefix("tls://").split("#", 1)[0].split("/", 1)[0]
    host, _, port = authority.rpartition(":")
    if not host or not port.isdigit():
        return None
    host = host.strip("[]")
    if result.tls is not None:
        sni = result.tls.sni or ""
    else:
        sni = next((h for h in result.hosts if not is_ip_address(h)), "")
    return EndpointKey(host=host, port=int(port), sni=sni)


def certificate_record(facts: CertFacts, public: bool | None) -> CertificateRecord:
    san = facts.subject_alt_name
    names = (*san.dns_names, *san.ip_addresses) if san is not None else ()
    return CertificateRecord(
        fingerprint_sha256=facts.fingerprint_sha256,
        thumbprint_sha1=facts.thumbprint_sha1,
        subject=facts.subject,
        issuer=facts.issuer,
        serial_number=facts.serial_number,
        not_before=facts.not_valid_before,
        not_after=facts.not_valid_after,
        key_type=facts.public_key.key_type,
        key_bits=facts.public_key.size_bits,
        curve=facts.public_key.curve,
        signature_hash=facts.signature_hash,
        dns_names=tuple(names),
        is_ca=facts.is_ca,
        self_signed=facts.self_signed,
        public=public,
    )


def _finding(finding: Finding, target: str) -> FindingRecord:
    return FindingRecord(
        target=target,
        rule_id=finding.rule_id,
        severity=int(finding.severity),
        message=finding.message,
        location=str(finding.location),
        fingerprint_sha256=finding.fingerprint_sha256,
    )


__all__ = ["REPORT_TARGET", "Recorder", "certificate_record", "endpoint_key", "observation"]
