"""``leveattest keys``: the master keys' ids, and moving stored data to a new master key.

``rotate`` moves everything the service stored under a previous master key (named in
``LEVEATTEST_SECURITY__PREVIOUS_MASTER_KEYS``) to ``LEVEATTEST_SECURITY__MASTER_KEY``;
with ``--register`` it does the same for the register's secret
(``LEVEATTEST_REGISTER__SECRET`` and ``LEVEATTEST_REGISTER__PREVIOUS_SECRETS``). It can
be run again at any time: a run that stopped half-way is finished, a finished one
changes nothing. The procedure, and what cannot be moved: docs/keys.md.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from leveattest.cli.app import emit_json, fail, keys_app, settings_or_exit
from leveattest.core.clock import SystemClock
from leveattest.core.errors import LeveattestError
from leveattest.core.keys import keyring_from
from leveattest.core.logging import configure_logging
from leveattest.core.settings import Settings
from leveattest.review.auth import totp_context
from leveattest.review.models import StaffAccount
from leveattest.sessions.blob_store import blob_store_for
from leveattest.sessions.db import make_engine, make_session_factory, upgrade
from leveattest.sessions.rotation import SealedColumn, rotate_service

TOTP_SECRETS = SealedColumn(
    "totp_secrets",
    StaffAccount,
    StaffAccount.totp_secret_sealed,
    lambda row: totp_context(row.id),
)


def _progress(step: str) -> None:
    typer.echo(f"progress {step}", err=True)


def _rotate_service(settings: Settings, *, migrate_first: bool, batch: int) -> dict[str, Any]:
    ring = keyring_from(settings.security)
    engine = make_engine(
        settings.database.url, connect_timeout_seconds=settings.database.connect_timeout_seconds
    )
    try:
        if migrate_first:
            upgrade(engine)
        blobs = blob_store_for(settings, engine, SystemClock())
        report = rotate_service(
            make_session_factory(engine),
            blobs,
            ring,
            extra=(TOTP_SECRETS,),
            batch=batch,
            progress=_progress,
        )
    finally:
        engine.dispose()
    return report.to_dict()


def _rotate_register(tree: Settings, *, migrate_first: bool, batch: int) -> dict[str, Any]:
    # the register's modules only when asked for
    from register.db.engine import make_engine as register_engine  # noqa: PLC0415
    from register.db.engine import make_session_factory as register_sessions  # noqa: PLC0415
    from register.db.migrate import upgrade as register_upgrade  # noqa: PLC0415
    from register.rotation import rotate_register  # noqa: PLC0415
    from register.settings import register_keyring  # noqa: PLC0415

    settings = tree.register
    engine = register_engine(
        settings.database_url, connect_timeout_seconds=settings.database_connect_timeout_seconds
    )
    try:
        if migrate_first:
            register_upgrade(engine)
        report = rotate_register(
            register_sessions(engine), register_keyring(settings), batch=batch, progress=_progress
        )
    finally:
        engine.dispose()
    return report.to_dict()


@keys_app.command("rotate")
def rotate(
    register: Annotated[
        bool, typer.Option("--register", help="the register's secret and database instead")
    ] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, help="rows per transaction")] = 200,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Move stored keys, sealed values and keyed MACs to the current master key."""
    settings = settings_or_exit(as_json=as_json)
    # stderr: stdout is the report
    configure_logging(settings.logging.level, json_logs=settings.logging.json_logs)
    try:
        if register:
            result = _rotate_register(settings, migrate_first=migrate_first, batch=batch)
        else:
            result = _rotate_service(settings, migrate_first=migrate_first, batch=batch)
    except LeveattestError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json(result)
    else:
        previous = ", ".join(result["previous_key_ids"]) or "-"
        typer.echo(f"current key {result['key_id']}; previous: {previous}")
        for name, value in result.items():
            if name not in {"key_id", "previous_key_ids"}:
                typer.echo(f"{name}: {value}")
    if result.get("complete") is False:
        # something is under a key the ring lacks: not everything can be moved
        raise typer.Exit(1)


@keys_app.command("ids")
def ids(
    register: Annotated[bool, typer.Option("--register", help="the register's secrets")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the key ids of the configured master keys (never the keys)."""
    settings = settings_or_exit(as_json=as_json)
    try:
        if register:
            from register.settings import register_keyring  # noqa: PLC0415

            ring = register_keyring(settings.register)
        else:
            ring = keyring_from(settings.security)
    except LeveattestError as exc:
        fail(exc, as_json=as_json)
    result = {"current": ring.current_id, "previous": list(ring.previous_ids)}
    if as_json:
        emit_json(result)
        return
    typer.echo(f"current {result['current']}")
    for previous in result["previous"]:
        typer.echo(f"previous {previous}")
