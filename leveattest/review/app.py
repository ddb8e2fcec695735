"""``create_review_app(ctx, settings)``: the ops console, served under ``/ops``.

Server-rendered pages (Jinja2, autoescaped), our own CSS, no JavaScript and nothing
fetched from elsewhere. Every response is ``Cache-Control: no-store`` with a strict
Content-Security-Policy; errors render an HTML page with the stable error code for a
browser (``Accept: text/html``) and problem+json for anything else, with the status kept
(a framework ``HTTPException`` too); a database outage answers 503 ``service_unavailable``
with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException

from leveattest.core.errors import LeveattestError, RequestInvalidError, UnsupportedFormatError
from leveattest.core.observability import install_observability
from leveattest.core.problems import ProblemRenderer, error_for_http_status
from leveattest.core.ratelimit import RateLimiter
from leveattest.core.security_headers import PAGE_HEADERS, add_security_headers
from leveattest.persistence.outage import DATABASE_ERROR_TYPES, unavailable_error
from leveattest.review import web
from leveattest.review.auth import IdentityProvider, LocalIdentityProvider
from leveattest.review.errors import NotSignedInError
from leveattest.review.images import UrlSigner, signing_key
from leveattest.review.service import ReviewService
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.context import SessionContext
from leveattest.storage.envelope import MasterKey

HERE = Path(__file__).resolve().parent
# the console publishes no error context, and has no Bearer realm (it signs in by form)
PROBLEMS = ProblemRenderer()
SECURITY_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    env.globals["score_bar"] = web.score_bar_markup
    return env


def create_review_app(
    ctx: SessionContext,
    settings: ReviewSettings | None = None,
    *,
    provider: IdentityProvider | None = None,
) -> FastAPI:
    settings = settings or ctx.settings.review
    service = ReviewService(
        ctx,
        settings,
        provider or LocalIdentityProvider(settings, MasterKey.from_ring(ctx.keyring)),
        UrlSigner(
            signing_key(settings.url_signing_key.get_secret_value(), ctx.keyring),
            settings.image_url_seconds,
        ),
    )
    app = FastAPI(title="leveattest ops console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.review = service
    app.state.rate_limiter = RateLimiter(ctx.settings.rate_limits)
    install_observability(app, "ops")
    app.state.templates = templates()
    app.include_router(web.router)
    app.mount("/ops/static", StaticFiles(directory=HERE / "static"), name="ops-static")

    def _refused(
        request: Request,
        error: LeveattestError,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The error page for a browser (it asks for HTML), problem+json for anything else
        (monitors, scripts); both with the stable code and the status."""
        problem = PROBLEMS.render(error, instance=request.url.path, status=status, headers=headers)
        if "text/html" in request.headers.get("accept", ""):
            html = app.state.templates.get_template("error.html").render(
                code=error.code, message=error.message, status=problem.status, staff=None
            )
            return HTMLResponse(html, status_code=problem.status, headers=problem.headers)
        return JSONResponse(
            problem.body,
            status_code=problem.status,
            media_type=problem.media_type,
            headers=problem.headers,
        )

    @app.middleware("http")
    async def _forms_only(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """The console's forms are URL-encoded; a multipart body is refused unread (no
        uploads here, and Starlette leaves the temporary file of a truncated part open)."""
        if request.headers.get("content-type", "").lower().lstrip().startswith("multipart/"):
            return _refused(request, UnsupportedFormatError(), 415)
        return await call_next(request)

    add_security_headers(app, SECURITY_HEADERS)

    @app.exception_handler(LeveattestError)
    async def _error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LeveattestError)
        if isinstance(exc, NotSignedInError) and request.method == "GET":
            return RedirectResponse("/ops/login", status_code=303)
        return _refused(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: Exception) -> Response:
        del exc  # pydantic errors may echo input: never returned
        return _refused(request, RequestInvalidError())

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        error, status = error_for_http_status(exc.status_code)
        allow = {"Allow": exc.headers["Allow"]} if exc.headers and "Allow" in exc.headers else None
        return _refused(request, error, status, allow)

    async def _database(request: Request, exc: Exception) -> Response:
        error = unavailable_error(exc)
        if error is None:
            raise exc  # a bug, not an outage: a 500 with its traceback
        return _refused(request, error)

    for error_type in DATABASE_ERROR_TYPES:
        app.add_exception_handler(error_type, _database)

    return app
