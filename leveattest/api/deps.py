"""Request dependencies as ``Annotated`` aliases.

``async`` although they never await: FastAPI runs a plain ``def`` dependency in its
threadpool, two thread hops per request for a dictionary look-up and a header split."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from leveattest.sessions.context import SessionContext
from leveattest.sessions.errors import SessionTokenMissingError


async def get_context(request: Request) -> SessionContext:
    context: SessionContext = request.app.state.sessions
    return context


async def get_token(authorization: Annotated[str | None, Header()] = None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SessionTokenMissingError()
    return token.strip()


Context = Annotated[SessionContext, Depends(get_context)]
Token = Annotated[str, Depends(get_token)]
