"""The mobile API's OpenAPI document: FastAPI's, finished by ``leveattest.core.openapi``
(problem responses as ``application/problem+json``, the ``UploadPart`` enum) with the
session token's HTTP bearer scheme from ``leveattest.api.deps``.

tests/api/test_api_openapi_client.py generates a client from it (openapi-python-client)
and drives a session with that client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from leveattest.contracts.sessions import UploadPart
from leveattest.core.openapi import enum_schema, finish_document

DESCRIPTION = """\
The phone's side of a life certificate: start a session from the letter's QR code,
consent, upload the chip files, the photos and the liveness frames, submit, and follow
the decision.

**Authentication.** `POST /v1/sessions` answers an `access_token` for that session only;
every later call sends it as `Authorization: Bearer <access_token>`. A missing token is
`401 session_token_missing`; a wrong one answers like an unknown session (`404`).

**Errors** are RFC 9457 `application/problem+json` with a stable `code`.
"""
TAGS = [
    {"name": "sessions", "description": "A verification session, from start to decision"},
    {"name": "uploads", "description": "Chip files, photos and liveness frames (raw bodies)"},
]


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that finishes FastAPI's document (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=DESCRIPTION,
                routes=app.routes,
                tags=TAGS,
            )
            app.openapi_schema = finish_document(
                document, schemas={UploadPart.__name__: enum_schema(UploadPart)}
            )
        return app.openapi_schema

    replace: Callable[[], dict[str, Any]] = openapi
    app.openapi = replace  # type: ignore[method-assign]
