"""``leveattest ops``: administer the review console's staff accounts.

``add-user`` creates a local account and prints its TOTP set-up (secret and
``otpauth://`` URI) and, unless the password came from stdin, a generated password —
once: only an argon2 hash and the sealed TOTP secret are stored.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from leveattest.app import bootstrap
from leveattest.cli.app import emit_json, fail, ops_app, settings_or_exit
from leveattest.core.clock import SystemClock
from leveattest.core.errors import LeveattestError
from leveattest.review.auth import create_account
from leveattest.review.models import Role


@ops_app.command("add-user")
def add_user(
    name: Annotated[str, typer.Argument(help="user name (a-z, 0-9, '.', '_', '-')")],
    role: Annotated[
        Role,
        typer.Option(
            "--role", help="reviewer | senior_reviewer | auditor | admin | register_operator"
        ),
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a staff account; prints the TOTP provisioning URI and secret once."""
    settings = settings_or_exit(as_json=as_json)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        if migrate_first:
            bootstrap.migrate_service(settings)
        with bootstrap.service_database(settings) as sessions, sessions() as db, db.begin():
            created = create_account(
                db,
                bootstrap.master_key(settings),
                settings.review,
                SystemClock().now(),
                username=name,
                role=role.value,
                password=password,
            )
    except LeveattestError as exc:
        fail(exc, as_json=as_json)
    shown = {
        "username": created.account.username,
        "role": created.account.role,
        "totp_secret": created.totp_secret,
        "totp_uri": created.provisioning_uri,
    }
    if not password_stdin:
        shown["password"] = created.password
    if as_json:
        emit_json(shown)
        return
    typer.echo(f"created {shown['username']} ({shown['role']}); shown once, store it now:")
    for key in ("password", "totp_secret", "totp_uri"):
        if key in shown:
            typer.echo(f"  {key}: {shown[key]}")
