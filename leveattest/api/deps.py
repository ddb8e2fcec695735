"""Request dependencies as ``Annotated`` aliases.

``async`` although they never await: FastAPI runs a plain ``def`` dependency in its
threadpool, two thread hops per request for a dictionary look-up and a header split.
The session token is read through an HTTP bearer security scheme (``sessionToken`` in
the OpenAPI document); a missing one is our own ``401 session_token_missing``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leveattest.sessions.context import SessionContext
from leveattest.sessions.errors import SessionTokenMissingError

SESSION_TOKEN = HTTPBearer(
    scheme_name="sessionToken",
    description="The access_token of SessionStarted (256 random bits), for this session only",
    auto_error=False,
)


async def get_context(request: Request) -> SessionContext:
    context: SessionContext = request.app.state.sessions
    return context


async def get_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(SESSION_TOKEN)],
) -> str:
    if credentials is None:  # no header, another scheme, or no token after "Bearer"
        raise SessionTokenMissingError()
    return credentials.credentials


Context = Annotated[SessionContext, Depends(get_context)]
Token = Annotated[str, Depends(get_token)]
