"""``leveattest company ...``: what a pension company's integration does, over HTTP.

Create keys, prove a relationship with a signed payment statement, ask for a new
certificate, query one person or a batch, poll the changes feed and verify the
register's signed answers against its JWKS. Connection options can come from the
environment (``LEVEATTEST_COMPANY_*``). The HTTP client and the JOSE code are imported
inside the commands, so that ``leveattest company ... --help`` starts at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from leveattest.cli.app import company_app, emit_json, fail
from leveattest.core.errors import LeveattestError

if TYPE_CHECKING:
    from register.company_client import CompanyClient

T = TypeVar("T")

Url = Annotated[
    str, typer.Option("--url", envvar="LEVEATTEST_COMPANY_URL", help="Register API base URL.")
]
ClientId = Annotated[str, typer.Option("--client-id", envvar="LEVEATTEST_COMPANY_CLIENT_ID")]
KeyPath = Annotated[
    Path,
    typer.Option("--key", envvar="LEVEATTEST_COMPANY_KEY", help="Private JWK file (keygen)."),
]
NationalId = Annotated[str | None, typer.Option("--national-id", help="Fødselsnummer/D-nummer.")]
ForeignId = Annotated[str | None, typer.Option("--foreign-id")]
State = Annotated[str | None, typer.Option("--state", help="Issuing state of --foreign-id.")]
AsJson = Annotated[bool, typer.Option("--json", help="Errors as JSON.")]


def _person(national_id: str | None, foreign_id: str | None, state: str | None) -> dict[str, str]:
    if national_id and not foreign_id:
        return {"national_id": national_id}
    if foreign_id and state and not national_id:
        return {"foreign_id": foreign_id, "issuing_state": state}
    raise typer.BadParameter("give --national-id, or --foreign-id with --state")


def _run(
    url: str,
    client_id: str,
    key: Path,
    work: Callable[[CompanyClient], Awaitable[T]],
    as_json: bool,
) -> T:
    import httpx  # noqa: PLC0415 - start-up time, see the module docstring

    from register.company_client import CompanyClient, load_private_key  # noqa: PLC0415

    async def main() -> T:
        async with CompanyClient(url, client_id, load_private_key(key)) as client:
            return await work(client)

    try:
        return asyncio.run(main())
    except LeveattestError as error:
        fail(error, as_json=as_json)
    except (httpx.HTTPError, OSError) as exc:
        typer.echo(f"error [register_unreachable]: {type(exc).__name__}", err=True)
        raise typer.Exit(2) from exc


@company_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Directory for the key files.")] = Path(
        "var/company"
    ),
    kid: Annotated[str | None, typer.Option("--kid")] = None,
) -> None:
    """Create an ES256 key pair; prints the public JWK to register with the register."""
    from register.company_client import generate_company_key, save_private_key  # noqa: PLC0415

    key = generate_company_key(kid)
    save_private_key(key, out / f"{key.kid}.private.jwk.json")
    public = key.as_dict(private=False)
    (out / f"{key.kid}.public.jwk.json").write_text(json.dumps(public, indent=2))
    emit_json(
        {
            "kid": key.kid,
            "private_key_file": str(out / f"{key.kid}.private.jwk.json"),
            "public_jwk": public,
        }
    )


@company_app.command("register-relationship")
def register_relationship(
    *,
    url: Url,
    client_id: ClientId,
    key: KeyPath,
    agreement: Annotated[str, typer.Option("--agreement", help="Pension agreement reference.")],
    period: Annotated[str, typer.Option("--period", help="Latest payment period, YYYY-MM.")],
    national_id: NationalId = None,
    foreign_id: ForeignId = None,
    state: State = None,
    as_json: AsJson = False,
) -> None:
    """Prove a pension relationship with a payment statement signed by the company key."""
    person = _person(national_id, foreign_id, state)
    emit_json(
        _run(
            url,
            client_id,
            key,
            lambda c: c.register_relationship(person, agreement, period),
            as_json,
        )
    )


@company_app.command("status")
def status(
    *,
    url: Url,
    client_id: ClientId,
    key: KeyPath,
    national_id: NationalId = None,
    foreign_id: ForeignId = None,
    state: State = None,
    as_json: AsJson = False,
) -> None:
    """Status of one person (signature verified against the register's JWKS)."""
    person = _person(national_id, foreign_id, state)
    emit_json(_run(url, client_id, key, lambda c: c.status(person), as_json))


@company_app.command("request")
def request(
    *,
    url: Url,
    client_id: ClientId,
    key: KeyPath,
    national_id: NationalId = None,
    foreign_id: ForeignId = None,
    state: State = None,
    as_json: AsJson = False,
) -> None:
    """Ask for a new life certificate for a person the company pays (the register's
    reminders follow until the deadline); prints the request id and the deadline."""
    person = _person(national_id, foreign_id, state)
    emit_json(_run(url, client_id, key, lambda c: c.request_certificate(person), as_json))


@company_app.command("batch")
def batch(
    url: Url,
    client_id: ClientId,
    key: KeyPath,
    ids_file: Annotated[Path, typer.Argument(help="One national id per line.")],
    as_json: AsJson = False,
) -> None:
    """Batch status; prints one verified NDJSON record per line."""
    persons = [
        {"national_id": line.strip()} for line in ids_file.read_text().splitlines() if line.strip()
    ]
    for record in _run(url, client_id, key, lambda c: c.batch(persons), as_json):
        typer.echo(json.dumps(record, ensure_ascii=False))


@company_app.command("changes")
def changes(
    *,
    url: Url,
    client_id: ClientId,
    key: KeyPath,
    since: Annotated[str | None, typer.Option("--since", help="Cursor from the last poll.")] = None,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    as_json: AsJson = False,
) -> None:
    """One verified page of the changes feed; keep ``next_cursor`` for the next poll."""
    emit_json(_run(url, client_id, key, lambda c: c.changes(since, limit), as_json))


@company_app.command("verify")
def verify(
    answer: Annotated[Path, typer.Argument(help="A saved answer: JWS, {statement}, or NDJSON.")],
    jwks: Annotated[
        str, typer.Option("--jwks", help="JWKS file, or URL of /.well-known/jwks.json.")
    ],
) -> None:
    """Verify a signed answer from the register offline (exit 1 when it does not verify)."""
    import httpx  # noqa: PLC0415 - start-up time, see the module docstring

    from register.company_client import verify_batch, verify_statement  # noqa: PLC0415

    key_set: dict[str, Any] = (
        httpx.get(jwks, timeout=30).json()
        if jwks.startswith(("http://", "https://"))
        else json.loads(Path(jwks).read_text())
    )
    raw = answer.read_bytes()
    try:
        if b'"manifest"' in raw:
            lines = [line + b"\n" for line in raw.split(b"\n") if line]
            records, manifest = verify_batch(lines, key_set)
            emit_json({"verified": True, "manifest": manifest, "records": len(records)})
            return
        text = raw.decode().strip()
        statement = json.loads(text)["statement"] if text.startswith("{") else text
        emit_json({"verified": True, "claims": verify_statement(statement, key_set)})
    except LeveattestError as error:
        typer.echo(f"not verified [{error.code}]", err=True)
        raise typer.Exit(1) from error
