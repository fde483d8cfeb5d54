"""The Starlette application ``serve`` runs under uvicorn: dashboard pages, ``/metrics``, login
and the acknowledge action. Pages are server-rendered (Jinja2, autoescaped, every value passed
through ``visible`` first); the Content-Security-Policy allows no script at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2
import markupsafe
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from certready import __version__
from certready.adapters.inventory import InventoryError, Store
from certready.adapters.inventory.watch_store import WatchStore
from certready.adapters.metrics import CONTENT_TYPE, Metrics
from certready.adapters.reporting.visible import visible
from certready.core.durations import parse_duration
from certready.core.errors import UsageError
from certready.interfaces.web.access import COOKIE, Access
from certready.services import dashboard

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
Clock = Callable[[], dt.datetime]


def _finalize(value: object) -> object:
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return visible(value)
    return value


@cache
def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("certready.interfaces.web", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["q"] = lambda s: quote(str(s), safe="")
    environment.filters["date"] = lambda d: d.strftime("%Y-%m-%d %H:%M UTC") if d else ""
    return environment


class _Guard(BaseHTTPMiddleware):
    def __init__(self, app: Any, access: Access) -> None:
        super().__init__(app)
        self.access = access

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path != "/login" and not self.access.allowed(
            request.headers.get("authorization"), request.cookies.get(COOKIE)
        ):
            if request.url.path == "/metrics" or "text/html" not in request.headers.get(
                "accept", ""
            ):
                return PlainTextResponse(
                    "401 Unauthorized: give Authorization: Bearer TOKEN\n",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="certready"'},
                )
            return _page("login.html.j2", status=401, error=None)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response


def _page(name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    html = _templates().get_template(name).render(version=__version__, **values)
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
    )


def build_app(
    watch: WatchStore, inventory: Store, metrics: Metrics, access: Access, clock: Clock
) -> Starlette:
    """The ASGI application (the stores are opened and closed by the caller)."""

    async def index(request: Request) -> Response:
        now = clock()
        return _page("index.html.j2", deployments=dashboard.deployments(watch, now), now=now)

    async def deployment(request: Request) -> Response:
        now = clock()
        params = request.query_params
        environment = params.get("environment") or None
        severity = params.get("severity") or None
        days = params.get("days") or None
        run_id = params.get("run") or None
        try:
            max_days = int(days) if days is not None else None
            page = dashboard.deployment_page(
                watch,
                inventory,
                request.path_params["name"],
                now,
                environment=environment,
                severity=severity,
                max_days=max_days,
                run_id=int(run_id) if run_id is not None else None,
            )
        except (UsageError, ValueError) as exc:
            return _page("error.html.j2", status=404, message=str(exc))
        return _page(
            "deployment.html.j2",
            page=page,
            now=now,
            environment=environment or "",
            severity=severity or "",
            days=days or "",
            csrf=access.csrf(),
        )

    async def certificate(request: Request) -> Response:
        now = clock()
        try:
            page = dashboard.certificate_page(watch, request.path_params["fingerprint"], now)
        except UsageError as exc:
            return _page("error.html.j2", status=404, message=str(exc))
        return _page("certificate.html.j2", page=page, now=now)

    async def acknowledge(request: Request) -> Response:
        form = await request.form()
        if not access.csrf_ok(_text(form.get("csrf"))):
            return PlainTextResponse("403 Forbidden: the form's CSRF value is wrong\n", 403)
        name = _text(form.get("deployment")) or ""
        reason = (_text(form.get("reason")) or "").strip()
        if not reason:
            return _page("error.html.j2", status=400, message="an acknowledgement needs a reason")
        now = clock()
        try:
            expires = now + parse_duration(_text(form.get("for")) or "30d")
        except ValueError as exc:
            return _page("error.html.j2", status=400, message=str(exc))
        try:
            watch.acknowledge(
                deployment=name,
                target=_text(form.get("target")) or "",
                rule_id=_text(form.get("rule_id")) or "",
                location=_text(form.get("location")) or "",
                reason=reason[:2000],
                by=(_text(form.get("by")) or "dashboard").strip()[:200] or "dashboard",
                now=now,
                expires_at=expires,
            )
        except InventoryError as exc:
            return _page("error.html.j2", status=503, message=str(exc))
        return RedirectResponse(f"/deployments/{quote(name, safe='')}#findings", status_code=303)

    async def metrics_route(request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return _page("login.html.j2", error=None)
        form = await request.form()
        if not access.required:
            return RedirectResponse("/", status_code=303)
        if not access.token_matches(_text(form.get("token")) or ""):
            return _page("login.html.j2", status=401, error="wrong token")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE, access.session_value(), httponly=True, samesite="strict", path="/"
        )
        return response

    routes = [
        Route("/", index),
        Route("/deployments/{name:path}", deployment),
        Route("/certificates/{fingerprint}", certificate),
        Route("/acknowledge", acknowledge, methods=["POST"]),
        Route("/metrics", metrics_route),
        Route("/login", login, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_Guard, access=access)])


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


__all__ = ["CSP", "build_app"]
