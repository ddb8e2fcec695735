"""The review tables: migrations match the models, the audit trail is append-only on
PostgreSQL, and ``leveattest ops add-user`` shows the TOTP set-up once."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from review_helpers import Console
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from leveattest.review.models import StaffAccount
from leveattest.sessions.db import VERSION_TABLE, Base, make_engine, make_session_factory


def test_migrations_match_the_models(engine: Engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": False,
                "version_table": VERSION_TABLE,
                "include_name": lambda name, kind, _parent: (
                    kind != "table" or name in Base.metadata.tables
                ),
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_audit_events_cannot_be_changed_on_postgresql(engine: Engine, console: Console):
    if engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    console.signed_in(console.add_user("rita", "reviewer"))
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE review_audit_events SET outcome = 'ok'"))
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM review_audit_events"))


def test_add_user_prints_the_totp_setup_once_and_stores_only_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    monkeypatch.setenv("LEVEATTEST_DATABASE__URL", url)
    _register_commands()
    result = CliRunner().invoke(app, ["ops", "add-user", "Rita", "--role", "reviewer", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["username"] == "rita"
    assert shown["totp_uri"].startswith("otpauth://totp/")
    assert pyotp.TOTP(shown["totp_secret"]).now().isdigit()
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db:
            account = db.query(StaffAccount).one()
            assert account.role == "reviewer"
            assert shown["password"] not in (account.password_hash or "")
            assert (account.password_hash or "").startswith("$argon2")
            assert shown["totp_secret"].encode() not in (account.totp_secret_sealed or b"")
    finally:
        engine.dispose()
    again = CliRunner().invoke(app, ["ops", "add-user", "rita", "--role", "reviewer"])
    assert again.exit_code == 2
    bad_role = CliRunner().invoke(app, ["ops", "add-user", "x1", "--role", "boss"])
    assert bad_role.exit_code != 0
