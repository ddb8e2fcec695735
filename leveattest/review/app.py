"""``create_review_app(ctx, settings)``: the ops console, served under ``/ops``.

Server-rendered pages (Jinja2, autoescaped), our own CSS, no JavaScript and nothing
fetched from elsewhere. Every response is ``Cache-Control: no-store`` with a strict
Content-Security-Policy; errors render an HTML page with the stable error code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader

from leveattest.core.errors import LeveattestError
from leveattest.review import web
from leveattest.review.auth import IdentityProvider, LocalIdentityProvider
from leveattest.review.errors import NotSignedInError
from leveattest.review.images import UrlSigner, signing_key
from leveattest.review.service import ReviewService
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.context import SessionContext
from leveattest.storage.envelope import MasterKey

HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
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
    settings = settings or ReviewSettings()
    master_secret = ctx.settings.security.master_key.get_secret_value()
    service = ReviewService(
        ctx,
        settings,
        provider or LocalIdentityProvider(settings, MasterKey.from_secret(master_secret)),
        UrlSigner(
            signing_key(settings.url_signing_key.get_secret_value(), master_secret),
            settings.image_url_seconds,
        ),
    )
    app = FastAPI(title="leveattest ops console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.review = service
    app.state.templates = templates()
    app.include_router(web.router)
    app.mount("/ops/static", StaticFiles(directory=HERE / "static"), name="ops-static")

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(LeveattestError)
    async def _error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LeveattestError)
        if isinstance(exc, NotSignedInError) and request.method == "GET":
            return RedirectResponse("/ops/login", status_code=303)
        html = app.state.templates.get_template("error.html").render(
            code=exc.code, message=exc.message, status=exc.http_status, staff=None
        )
        return HTMLResponse(html, status_code=exc.http_status)

    return app
