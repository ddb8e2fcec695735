"""The migrations build the schema the models describe (no drift), on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from register.db.base import Base
from register.db.engine import make_engine
from register.db.migrate import VERSION_TABLE, downgrade, upgrade
from register.db.models import Head
from register.disclosure import subject_key
from register.settings import RegisterSettings


def test_models_and_migrations_do_not_drift(engine: Engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrations_use_their_own_version_table_and_seed_the_heads(engine: Engine):
    tables = set(inspect(engine).get_table_names())
    assert VERSION_TABLE in tables
    assert "alembic_version" not in tables
    with engine.connect() as conn:
        names = set(conn.scalars(select(Head.name)))
    assert names == {"change_events", "disclosure_log"}


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    try:
        upgrade(engine)
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
        upgrade(engine)
        assert "persons" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_migration_0002_keeps_the_last_certificate_the_sessions_and_a_keyed_log(tmp_path):
    """Data written under 0001 after 0002: one certificate per person (the last), each used
    invitation's session in invitation_sessions, and the log's plain references replaced
    by their keyed lookup."""
    engine = make_engine(f"sqlite:///{tmp_path / 'data.db'}")
    try:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO persons (id, id_scheme, id_state, id_value, id_kind, created_at, "
                "updated_at) VALUES (1, 'no', 'NOR', '17055000107', 'fodselsnummer', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                "INSERT INTO certificates (id, person_id, certified_at, document_type, "
                "issuing_state, method, session_reference, outcome, recorded_at) VALUES "
                "(1, 1, '2025-03-01 00:00:00', 'P', 'NOR', 'app', 'session-old', 'confirmed', "
                "'2025-03-01 00:00:00'), (2, 1, '2026-03-01 00:00:00', 'P', 'NOR', 'app', "
                "'session-new', 'confirmed', '2026-03-01 00:00:00')",
                "INSERT INTO invitations (id, reference, person_id, created_at, deadline, "
                "used_at, session_reference) VALUES (1, 'REF1', 1, '2026-02-01 00:00:00', "
                "'2026-04-01', '2026-02-02 00:00:00', 'session-new')",
                "INSERT INTO certificate_requests (id, person_id, schedule, created_at, deadline, "
                "reminders_sent, fulfilled_at, certificate_id, invitation_id) VALUES (1, 1, "
                "'yearly', '2026-02-01 00:00:00', '2026-04-01', 0, '2026-03-01 00:00:00', 2, 1)",
                "INSERT INTO disclosure_log (seq, created_at, client_id, action, "
                "statement_sha256, subject_commitment, subject_salt, subject_ref, prev_hash, "
                "entry_hash) VALUES (1, '2026-03-02 00:00:00', 'pension-a', 'status', 'x', "
                "'c', 's', 'no:17055000107', 'p', 'e')",
            ):
                conn.execute(text(statement))
        upgrade(engine)
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT session_reference FROM certificates")).scalars()
            assert list(kept) == ["session-new"]
            started = conn.execute(
                text("SELECT invitation_id, session_reference FROM invitation_sessions")
            ).all()
            assert [tuple(row) for row in started] == [(1, "session-new")]
            request = conn.execute(
                text("SELECT certificate_id, invitation_id FROM certificate_requests")
            ).one()
            assert tuple(request) == (2, 1)  # rebuilding the tables kept the request's links
            key = conn.execute(text("SELECT subject_key FROM disclosure_log")).scalar_one()
            columns = {c["name"] for c in inspect(conn).get_columns("disclosure_log")}
        secret = RegisterSettings().secret.get_secret_value()
        assert key == subject_key(secret, "no:17055000107")
        assert "subject_ref" not in columns
    finally:
        engine.dispose()
