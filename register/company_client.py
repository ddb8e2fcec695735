"""What a pension company's integration does, as a small async Python client (httpx).

It authenticates with a private_key_jwt client assertion, caches access tokens, signs
payment statements, queries status / batch / changes and verifies every signed answer
against the register's JWKS. Tests drive it against the ASGI app with
``httpx.ASGITransport``; the ``leveattest company`` CLI uses it over the network.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

import httpx
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jws import JWSRegistry

from leveattest.core.clock import Clock, SystemClock
from leveattest.core.errors import LeveattestError
from register.auth import ASSERTION_TYPE, GRANT_TYPE
from register.keys import SIGNING_ALG, canonical_json
from register.relationships import STATEMENT_TYP


class RegisterHTTPError(LeveattestError):
    """The register refused the request."""

    code = "register_client_refused"
    http_status = 502


class StatementVerificationError(LeveattestError):
    """A signed answer from the register did not verify."""

    code = "register_statement_unverified"
    http_status = 502


def generate_company_key(kid: str | None = None) -> ECKey:
    kid = kid or f"co-{secrets.token_hex(6)}"
    return ECKey.generate_key(
        "P-256", parameters={"kid": kid, "use": "sig", "alg": SIGNING_ALG}, private=True
    )


def save_private_key(key: ECKey, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(key.as_dict(private=True)))
    path.chmod(0o600)


def load_private_key(path: Path) -> ECKey:
    return ECKey.import_key(json.loads(path.read_text()))


class _StatementRegistry(JWSRegistry):
    """A changes page of 10,000 items is megabytes; joserfc's default limit is 128 kB."""

    max_payload_length = 64_000_000


_STATEMENTS = _StatementRegistry(algorithms=[SIGNING_ALG])


def verify_statement(statement: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Verify a compact JWS from the register against its JWKS; return the claims."""
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        payload = jws.deserialize_compact(
            statement, key_set, algorithms=[SIGNING_ALG], registry=_STATEMENTS
        ).payload
        claims = json.loads(payload)
    except (JoseError, ValueError, TypeError) as exc:
        raise StatementVerificationError from exc
    if not isinstance(claims, dict):
        raise StatementVerificationError
    return claims


def verify_batch(
    lines: list[bytes], jwks: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Check the signed manifest (count and sha256 over the preceding lines)."""
    if not lines:
        raise StatementVerificationError("empty batch answer")
    body, last = lines[:-1], json.loads(lines[-1])
    manifest = verify_statement(str(last.get("manifest", "")), jwks)
    digest = hashlib.sha256(b"".join(body)).hexdigest()
    if manifest.get("sha256") != digest or manifest.get("count") != len(body):
        raise StatementVerificationError("batch lines do not match the signed manifest")
    return [json.loads(line) for line in body], manifest


class CompanyClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        key: ECKey,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id, self.key = client_id, key
        self.clock = clock or SystemClock()
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._tokens: dict[str, tuple[str, float]] = {}
        self._jwks: dict[str, Any] | None = None

    @property
    def token_endpoint(self) -> str:
        return self.base_url + "/oauth/token"

    async def __aenter__(self) -> CompanyClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def client_assertion(self, *, lifetime: int = 60, audience: str | None = None) -> str:
        now = int(self.clock.now().timestamp())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience or self.token_endpoint,
            "iat": now,
            "exp": now + lifetime,
            "jti": secrets.token_urlsafe(18),
        }
        header = {"alg": SIGNING_ALG, "kid": str(self.key.kid), "typ": "JWT"}
        return jws.serialize_compact(header, canonical_json(claims), self.key)

    async def request_token(self, scope: str, assertion: str | None = None) -> httpx.Response:
        form = {
            "grant_type": GRANT_TYPE,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion or self.client_assertion(),
            "scope": scope,
        }
        return await self._http.post(self.token_endpoint, data=form)

    async def token(self, scope: str) -> str:
        cached = self._tokens.get(scope)
        now = self.clock.now().timestamp()
        if cached and cached[1] - 30 > now:
            return cached[0]
        response = _checked(await self.request_token(scope))
        data = response.json()
        self._tokens[scope] = (data["access_token"], now + int(data["expires_in"]))
        return str(data["access_token"])

    def payment_statement(
        self,
        person: dict[str, str],
        agreement_reference: str,
        latest_payment_period: str,
        *,
        full_name: str | None = None,
        birth_date: str | None = None,
    ) -> str:
        """``full_name`` / ``birth_date``: the pensioner as the company knows them, so the
        register can link a foreign document to them (docs/identity.md)."""
        claims: dict[str, Any] = {
            "iss": self.client_id,
            "iat": int(self.clock.now().timestamp()),
            "person": person,
            "agreement_reference": agreement_reference,
            "latest_payment_period": latest_payment_period,
        }
        if full_name is not None:
            claims["full_name"] = full_name
        if birth_date is not None:
            claims["birth_date"] = birth_date
        header = {"alg": SIGNING_ALG, "kid": str(self.key.kid), "typ": STATEMENT_TYP}
        return jws.serialize_compact(header, canonical_json(claims), self.key)

    async def _call(self, method: str, path: str, scope: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self.token(scope)}"}
        return await self._http.request(method, self.base_url + path, headers=headers, **kwargs)

    async def register_relationship(
        self,
        person: dict[str, str],
        agreement_reference: str,
        latest_payment_period: str,
        *,
        full_name: str | None = None,
        birth_date: str | None = None,
    ) -> dict[str, Any]:
        statement = self.payment_statement(
            person,
            agreement_reference,
            latest_payment_period,
            full_name=full_name,
            birth_date=birth_date,
        )
        body = {"statement": statement}
        response = await self._call("POST", "/relationships", "register.relationships", json=body)
        return dict(_checked(response).json())

    async def request_certificate(self, person: dict[str, str]) -> dict[str, Any]:
        response = await self._call(
            "POST", "/requests", "register.requests", json={"person": person}
        )
        return dict(_checked(response).json())

    async def jwks(self, *, refresh: bool = False) -> dict[str, Any]:
        if self._jwks is None or refresh:
            response = _checked(await self._http.get(self.base_url + "/.well-known/jwks.json"))
            self._jwks = dict(response.json())
        return self._jwks

    async def verify(self, statement: str) -> dict[str, Any]:
        try:
            return verify_statement(statement, await self.jwks())
        except StatementVerificationError:
            return verify_statement(statement, await self.jwks(refresh=True))  # key rotated

    async def status(self, person: dict[str, str]) -> dict[str, Any]:
        response = _checked(
            await self._call("POST", "/status", "register.read", json={"person": person})
        )
        return await self.verify(response.json()["statement"])

    async def batch(self, persons: list[dict[str, str]]) -> list[dict[str, Any]]:
        response = _checked(
            await self._call("POST", "/status/batch", "register.read", json={"persons": persons})
        )
        lines = [line + b"\n" for line in response.content.split(b"\n") if line]
        records, _manifest = verify_batch(lines, await self.jwks())
        return records

    async def changes(self, since: str | None = None, limit: int | None = None) -> dict[str, Any]:
        params: dict[str, str | int] = {}
        if since:
            params["since"] = since
        if limit:
            params["limit"] = limit
        response = _checked(await self._call("GET", "/changes", "register.read", params=params))
        return await self.verify(response.json()["statement"])


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        try:
            code = str(response.json().get("code", "unknown"))
        except ValueError:
            code = "unknown"
        raise RegisterHTTPError(status=response.status_code, problem=code)
    return response
