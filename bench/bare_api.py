"""The bare baseline of the API benchmark: a minimal ASGI app that only writes uploads.

It speaks just enough of the mobile API for ``bench/locust_phones.py`` to walk the same
journey: ``POST /v1/sessions`` answers a made-up session (id, token, consent version,
AA nonce, challenge id), consent and submit answer at once, and every ``PUT
.../parts/<name>`` and ``PUT .../frames/<index>`` writes its body to a file under
``BARE_API_DIR`` (in a worker thread, as the real service does) — no authentication, no
database, no encryption, no checks: the floor for a Python ASGI app on uvicorn receiving
these bodies on this machine. ``bench/api_load.py`` serves it with the same uvicorn
settings (host, processes, log level) as ``leveattest serve`` and the same load.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_bare_app(folder: Path) -> Starlette:
    folder.mkdir(parents=True, exist_ok=True)

    async def start(_request: Request) -> Response:
        session = secrets.token_hex(12)
        (folder / session).mkdir()
        return JSONResponse(
            {
                "session_id": session,
                "access_token": secrets.token_urlsafe(24),
                "consent_notice_versions": ["bare"],
                "aa_nonce": secrets.token_hex(8),
                "liveness_challenge": {"challenge_id": secrets.token_hex(8)},
            },
            status_code=201,
        )

    async def accept(_request: Request) -> Response:
        return Response(status_code=204)

    async def upload(request: Request) -> Response:
        body = await request.body()
        session = request.path_params["session"]
        name = f"{request.path_params['kind']}-{request.path_params['name']}"
        target = folder / session / name
        if not target.parent.is_dir():
            return Response(status_code=404)
        await anyio.to_thread.run_sync(target.write_bytes, body)
        return Response(status_code=204)

    async def healthz(_request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/v1/sessions", start, methods=["POST"]),
        Route("/v1/sessions/{session}/consent", accept, methods=["POST"]),
        Route("/v1/sessions/{session}/submit", accept, methods=["POST"]),
        Route("/v1/sessions/{session}/{kind:str}/{name:str}", upload, methods=["PUT"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes)


def create_bare_app_from_environment() -> Starlette:
    """For uvicorn's ``factory=True`` (several worker processes share the folder)."""
    return create_bare_app(Path(os.environ["BARE_API_DIR"]))
