"""``leveattest register ...``: run and administer the central register."""

from __future__ import annotations

import dataclasses
import json
import secrets
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from leveattest.app.register_root import (
    migrate_register,
    register_app,
    register_engine,
    register_signing_keys,
)
from leveattest.cli.app import emit_json, fail, settings_or_exit
from leveattest.cli.app import register_app as register_cli
from leveattest.core.clock import SystemClock
from leveattest.core.errors import InputError, LeveattestError
from leveattest.core.logging import configure_logging
from leveattest.persistence import SNAPSHOT_READ
from register.client import InProcessRegisterClient, ManualCertificate, verify_access_proof
from register.companies import add_company_key, company_by_client_id, register_company
from register.company_client import generate_company_key, save_private_key
from register.db.engine import make_session_factory
from register.disclosure import verify_chain
from register.retention import run_retention
from register.synthetic import DEFAULT_BATCH, SyntheticIdsRefusedError, load_synthetic


@register_cli.command("migrate")
def migrate() -> None:
    """Bring the register schema (LEVEATTEST_REGISTER__DATABASE_URL) to the latest revision."""
    migrate_register(settings_or_exit())
    emit_json({"migrated": True})


@register_cli.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8700,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Serve the register API with uvicorn (one process; put more behind a balancer)."""
    settings = settings_or_exit()  # the whole tree: one production switch for every part
    configure_logging(settings.logging.level, json_logs=settings.logging.json_logs)
    keys = register_signing_keys(settings)  # before anything starts: production never makes them
    if migrate_first:
        migrate_register(settings)
    app = register_app(settings, SystemClock(), keys=keys)
    # uvicorn's loggers go through ours (leveattest.core.logging)
    uvicorn.run(app, host=host, port=port, log_config=None)


@register_cli.command("seed-demo")
def seed_demo(
    out: Annotated[Path, typer.Option("--out", help="Where the demo company's key goes.")] = Path(
        "var/demo-company"
    ),
    client_id: Annotated[str, typer.Option("--client-id")] = "demo-pension",
) -> None:
    """Create a demo pension company with a fresh key pair (private key written to --out)."""
    tree = settings_or_exit()
    settings = tree.register
    migrate_register(tree)
    register_signing_keys(tree)
    clock = SystemClock()
    engine = register_engine(tree)
    try:
        with make_session_factory(engine)() as session, session.begin():
            company = company_by_client_id(session, client_id) or register_company(
                session, clock, client_id=client_id, name="Demo Pensjon AS"
            )
            key = generate_company_key(f"{client_id}-{secrets.token_hex(4)}")
            add_company_key(session, clock, company, key.as_dict(private=False))
    finally:
        engine.dispose()
    path = out / f"{key.kid}.private.jwk.json"
    save_private_key(key, path)
    emit_json(
        {
            "client_id": client_id,
            "kid": key.kid,
            "key_file": str(path),
            "url": settings.base_url,
            "try": f"leveattest company changes --url {settings.base_url} "
            f"--client-id {client_id} --key {path}",
        }
    )


@register_cli.command("load-synthetic")
def load_synthetic_cmd(
    *,
    persons: Annotated[int, typer.Option("--persons", min=1, help="How many persons.")],
    companies: Annotated[
        int, typer.Option("--companies", min=1, help="Pension companies (keys to --key-out).")
    ] = 1,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="Persons per COPY/insert and commit.")
    ] = DEFAULT_BATCH,
    related: Annotated[
        float,
        typer.Option("--related", min=0.0, max=1.0, help="Share of persons with a pension."),
    ] = 0.8,
    client_id: Annotated[str, typer.Option("--client-id")] = "bench-pension",
    key_out: Annotated[Path, typer.Option("--key-out")] = Path("var/bench-company"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Bulk-load synthetic persons into an empty register (for benchmarks).

    Synthetic identity numbers only (the register must have accept_synthetic_ids on),
    with certificates, open requests, change events and pension relationships with
    --companies companies whose private keys go to --key-out. PostgreSQL is loaded with
    COPY, SQLite with executemany; a register that already has persons is refused.
    """
    tree = settings_or_exit(as_json=as_json)
    if not tree.register.accept_synthetic_ids:
        fail(SyntheticIdsRefusedError(), as_json=as_json)
    engine = register_engine(tree)
    report = _progress_line(sys.stderr.isatty())
    try:
        summary = load_synthetic(
            engine,
            persons=persons,
            related=int(persons * related),
            companies=companies,
            client_id=client_id,
            key_out=key_out,
            batch=batch,
            progress=report,
        )
    except LeveattestError as exc:
        fail(exc, as_json=as_json)
    finally:
        engine.dispose()
    report(-1, persons, summary.seconds)  # ends a redrawn line
    rate = summary.rows / max(summary.seconds, 0.001)
    emit_json(
        {
            **dataclasses.asdict(summary),
            "key_files": [str(path) for path in summary.key_files],
            "rows_per_second": round(rate),
            "database": engine.dialect.name,
        }
    )


def _progress_line(tty: bool) -> Callable[[int, int, float], None]:
    """A progress line on stderr: redrawn in place on a terminal, one line per step else."""
    steps = 0

    def report(done: int, total: int, seconds: float) -> None:
        nonlocal steps
        if done < 0:  # finished: end the redrawn line
            if tty:
                typer.echo("", err=True)
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        rate = done / max(seconds, 0.001)
        line = f"[{bar}] {done:>11,}/{total:,} persons  {seconds:7.1f} s  {rate:9,.0f}/s"
        steps += 1
        if tty:
            typer.echo(f"\r{line}", err=True, nl=False)
        elif done == total or steps % 4 == 1:
            typer.echo(line, err=True)

    return report


@register_cli.command("add-company-key")
def add_company_key_cmd(
    client_id: Annotated[str, typer.Option("--client-id")],
    public_key: Annotated[Path, typer.Option("--public-key", help="Public JWK (keygen).")],
    name: Annotated[str | None, typer.Option("--name", help="Creates the company if new.")] = None,
) -> None:
    """Register a company's public key (creating the company when --name is given)."""
    tree = settings_or_exit()
    clock = SystemClock()
    engine = register_engine(tree)
    try:
        with make_session_factory(engine)() as session, session.begin():
            company = company_by_client_id(session, client_id)
            if company is None:
                if name is None:
                    raise typer.BadParameter("unknown client id: give --name to create it")
                company = register_company(session, clock, client_id=client_id, name=name)
            record = add_company_key(session, clock, company, json.loads(public_key.read_text()))
            kid = record.kid
    finally:
        engine.dispose()
    emit_json({"client_id": client_id, "kid": kid, "status": "active"})


@register_cli.command("retention")
def retention() -> None:
    """Run the retention job once (delete and pseudonymise what is past retention)."""
    tree = settings_or_exit()
    settings = tree.register
    engine = register_engine(tree)
    try:
        with make_session_factory(engine)() as session, session.begin():
            report = run_retention(session, SystemClock(), settings)
    finally:
        engine.dispose()
    emit_json(dataclasses.asdict(report))


@register_cli.command("record-manual")
def record_manual(
    *,
    certified_on: Annotated[
        str, typer.Option("--date", help="Date of the paper or in-person certificate, YYYY-MM-DD.")
    ],
    reference: Annotated[str, typer.Option("--reference", help="Reference of the paper.")],
    recorded_by: Annotated[str, typer.Option("--by", help="The operator recording it.")],
    national_id: Annotated[str | None, typer.Option("--national-id")] = None,
    foreign_id: Annotated[str | None, typer.Option("--foreign-id")] = None,
    state: Annotated[str | None, typer.Option("--issuing-state")] = None,
    kind: Annotated[str, typer.Option("--kind", help="paper | in_person")] = "paper",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a manual (paper or in-person) life certificate; audited in the register.

    Companies then see ``certified`` with method ``manual``; open requests are fulfilled.
    """
    tree = settings_or_exit()
    settings = tree.register
    person = (
        {"national_id": national_id}
        if national_id
        else {"foreign_id": foreign_id or "", "issuing_state": state or ""}
    )
    engine = register_engine(tree)
    try:
        client = InProcessRegisterClient(make_session_factory(engine), SystemClock(), settings)
        receipt = client.record_manual_certificate(
            ManualCertificate(
                person=person,
                certified_on=_date(certified_on),
                paper_reference=reference,
                recorded_by=recorded_by,
                kind=kind,
            )
        )
    except LeveattestError as exc:
        fail(exc, as_json=as_json)
    finally:
        engine.dispose()
    emit_json(
        {
            "certificate_id": receipt.certificate_id,
            "method": "manual",
            "fulfilled_requests": receipt.fulfilled_requests,
        }
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter("expected YYYY-MM-DD", param_hint="--date") from exc


@register_cli.command("verify-log")
def verify_log() -> None:
    """Verify the disclosure log's hash chain up to its head (for auditors).

    Exit 0 with ``chain verified: N entries``; exit 1 with the reason and the first
    entry (seq) that does not fit. It reads one snapshot (REPEATABLE READ on PostgreSQL)
    and blocks no writer.
    """
    tree = settings_or_exit()
    engine = register_engine(tree)
    snapshot = (
        {"isolation_level": "REPEATABLE READ"}
        if engine.dialect.name == "postgresql"
        else SNAPSHOT_READ  # SQLite: a deferred BEGIN, a WAL snapshot that blocks no writer
    )
    try:
        with make_session_factory(engine)() as session, session.begin():
            session.connection(execution_options=snapshot)
            result = verify_chain(session)
    finally:
        engine.dispose()
    if not result.ok:
        typer.echo(
            f"chain broken: {result.reason} at seq {result.first_bad_seq} "
            f"({result.entries} entries read)",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"chain verified: {result.entries} entries")


@register_cli.command("verify-proof")
def verify_proof(
    report: Annotated[Path, typer.Argument(help="An access report (JSON) with its proof.")],
    jwks: Annotated[
        Path | None,
        typer.Option("--jwks", help="The register's published JWKS (JSON file)."),
    ] = None,
) -> None:
    """Verify the disclosure proof of a person's access report, offline (the register's
    report, or the pensioner's "my data" JSON download that carries it under ``register``).

    Exit 0 with ``proof verified: N disclosures in a log of M entries``; exit 1 with the
    reason (and the entry) when anything was changed. Without ``--jwks`` the key in the
    report is used, which shows consistency only: compare its ``kid`` with the register's
    ``/.well-known/jwks.json``.
    """
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
        keys = json.loads(jwks.read_text(encoding="utf-8")) if jwks is not None else None
    except (OSError, ValueError) as exc:
        fail(InputError(reason=type(exc).__name__), as_json=False)
    if not isinstance(document, dict):
        document = {}
    if isinstance(document.get("register"), dict):  # the pensioner's "my data" download
        document = document["register"]
    result = verify_access_proof(document, keys)
    if not result.ok:
        at = f" at seq {result.seq}" if result.seq is not None else ""
        typer.echo(f"proof broken: {result.reason}{at}", err=True)
        raise typer.Exit(1)
    source = "the given JWKS" if jwks is not None else "the key in the report (not checked)"
    typer.echo(
        f"proof verified: {result.entries} disclosures in a log of {result.tree_size} "
        f"entries, signed by {result.kid} ({source})"
    )
