"""What the register's OpenAPI document says beyond its routes: the company's OAuth 2.0
client credentials flow (``private_key_jwt``), the problem responses of each operation with
their stable codes, and the finishing of the document (``leveattest.core.openapi``).

A client generator (tests/register/test_register_openapi_client.py runs
openapi-python-client) gets typed request and response models, one operation id per
route and the token URL from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from leveattest.core.errors import LeveattestError
from leveattest.core.openapi import finish_document
from register import errors
from register.schemas import REQUEST_MODELS, BatchLine, RegisterProblem
from register.settings import (
    SCOPE_READ,
    SCOPE_RELATIONSHIPS,
    SCOPE_REQUESTS,
    SCOPE_SUBJECT_ACCESS,
)

TOKEN_PATH = "/register/v1/oauth/token"  # noqa: S105 - a path, not a secret
DESCRIPTION = """\
The central life-certificate register, for pension companies.

**Authentication.** OAuth 2.0 client credentials (RFC 6749 §4.4) with `private_key_jwt`
client authentication (RFC 7523): `POST /register/v1/oauth/token` with a client assertion
signed by a key the company registered, then `Authorization: Bearer <access_token>`
(valid 300 s) on every call; each operation names the scope it needs.

**Signed answers.** Status and changes answer `{"statement": <compact JWS>}`, a batch
answers NDJSON whose last line carries a signed manifest; verify them with the keys at
`/.well-known/jwks.json`. National identifiers travel only in request bodies.

**Errors** are RFC 9457 `application/problem+json` with a stable `code`; each operation
lists the codes it can answer. While the database is unreachable or busy every operation
answers 503 (`service_unavailable`, `service_busy`) with `Retry-After`.
"""
TAGS = [
    {"name": "auth", "description": "Access tokens for companies (OAuth 2.0)"},
    {"name": "relationships", "description": "Proof that a company pays a pension"},
    {"name": "status", "description": "Signed status of the persons a company pays"},
    {"name": "requests", "description": "Asking a person for a new life certificate"},
    {"name": "keys", "description": "The register's public signing keys"},
    {"name": "privacy", "description": "A person's own access report, with disclosure proofs"},
]

SECURITY_SCHEME = "companyOAuth"
COMPANY_OAUTH: dict[str, Any] = {
    "type": "oauth2",
    "description": (
        "Client credentials grant; the client authenticates with private_key_jwt "
        "(client_assertion_type urn:ietf:params:oauth:client-assertion-type:jwt-bearer, "
        "RFC 7523), never with a shared secret."
    ),
    "flows": {
        "clientCredentials": {
            "tokenUrl": TOKEN_PATH,
            "scopes": {
                SCOPE_READ: "status, batch status and the changes feed",
                SCOPE_RELATIONSHIPS: "register payment relationships",
                SCOPE_REQUESTS: "ask for a new life certificate",
                SCOPE_SUBJECT_ACCESS: "a person's own access report (the pensioner's pages)",
            },
        }
    },
}

BATCH_ANSWER: dict[str, Any] = {
    "description": (
        "NDJSON: one `BatchLine` per person in the order asked (`found`, `not_found` or "
        '`invalid`), then a last line `{"manifest": <compact JWS>}` whose `count` and '
        "`sha256` cover the bytes of all the lines before it"
    ),
    "content": {
        "application/x-ndjson": {
            "schema": {"type": "string", "contentMediaType": "application/x-ndjson"},
            "x-ndjson-line": {"$ref": f"#/components/schemas/{BatchLine.__name__}"},
        }
    },
}

SUBJECT_ACCESS_REPORT: dict[str, Any] = {
    "description": (
        "The access report (format `leveattest-register-access/1`): what the register "
        "holds about the person, identifiers masked, and each disclosure with its Merkle "
        "audit path under a signed tree head (docs/register.md)"
    ),
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
}

Code = type[LeveattestError] | tuple[int, str]
_UNAVAILABLE: tuple[Code, ...] = ((503, "service_unavailable"), (503, "service_busy"))
BODY_CODES: tuple[Code, ...] = (errors.RegisterInputError, errors.BatchTooLargeError)
AUTHENTICATED: tuple[Code, ...] = (
    errors.InvalidTokenError,
    errors.InsufficientScopeError,
    *_UNAVAILABLE,
)


def problem_responses(*codes: Code) -> dict[int | str, dict[str, Any]]:
    """``responses`` for a route: one problem response per status, listing its codes."""
    by_status: dict[int, list[str]] = {}
    for entry in codes:
        status, code = entry if isinstance(entry, tuple) else (entry.http_status, entry.code)
        if code not in by_status.setdefault(status, []):
            by_status[status].append(code)
    return {
        status: {
            "model": RegisterProblem,
            "description": "Problem codes: " + ", ".join(f"`{c}`" for c in by_status[status]),
        }
        for status in sorted(by_status)
    }


def statement_codes(*extra: Code) -> tuple[Code, ...]:
    return (*AUTHENTICATED, *BODY_CODES, *extra)


TOKEN_CODES: tuple[Code, ...] = (
    errors.UnsupportedGrantError,
    errors.InvalidScopeError,
    errors.ClientAuthenticationError,
    errors.UnknownClientError,
    errors.AssertionMalformedError,
    errors.AssertionSignatureError,
    errors.AssertionClaimsError,
    errors.AssertionAudienceError,
    errors.AssertionExpiredError,
    errors.AssertionNotYetValidError,
    errors.AssertionLifetimeError,
    errors.AssertionReplayedError,
    *BODY_CODES,
    (429, "rate_limited"),
    *_UNAVAILABLE,
)


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
            document = finish_document(document, request_models=REQUEST_MODELS)
            _publish_security(app, document)
            app.openapi_schema = document
        return app.openapi_schema

    replace: Callable[[], dict[str, Any]] = openapi
    app.openapi = replace  # type: ignore[method-assign]


def _publish_security(app: FastAPI, document: dict[str, Any]) -> None:
    """``companyOAuth`` on each operation whose token check (``register.routes._requires``)
    names a scope: the check reads the header itself, so FastAPI does not know it."""
    document["components"]["securitySchemes"] = {SECURITY_SCHEME: COMPANY_OAUTH}
    scopes_by_operation: dict[str, list[str]] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.operation_id:
            scopes_by_operation[route.operation_id] = [
                scope
                for dependency in route.dependant.dependencies
                if (scope := getattr(dependency.call, "required_scope", None))
            ]
    for path_item in document["paths"].values():
        for operation in path_item.values():
            scopes = scopes_by_operation.get(operation.get("operationId", ""))
            if scopes:
                operation["security"] = [{SECURITY_SCHEME: scopes}]
