"""Schema and contract: migrations match the models, OpenAPI is published, logs stay clean."""

from __future__ import annotations

import io

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from api_helpers import Harness, auth, facts
from sqlalchemy import Engine, inspect

from leveattest.core.logging import configure_logging
from leveattest.sessions.db import VERSION_TABLE, Base


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
    assert VERSION_TABLE in inspect(engine).get_table_names()


def test_openapi_is_published_under_v1_with_problem_responses(harness: Harness):
    response = harness.client.get("/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    paths = spec["paths"]
    assert {
        "/v1/sessions",
        "/v1/sessions/{session_id}",
        "/v1/sessions/{session_id}/consent",
        "/v1/sessions/{session_id}/parts/{part}",
        "/v1/sessions/{session_id}/frames/{index}",
        "/v1/sessions/{session_id}/submit",
        "/v1/sessions/{session_id}/retry",
        "/v1/sessions/{session_id}/privacy",
    } <= set(paths)
    upload = paths["/v1/sessions/{session_id}/parts/{part}"]["put"]
    assert "image/jpeg" in upload["requestBody"]["content"]
    assert "413" in upload["responses"]
    assert "Problem" in spec["components"]["schemas"]


def test_logs_of_a_whole_session_hold_no_personal_data(harness: Harness):
    stream = io.StringIO()
    configure_logging("DEBUG", json_logs=True, stream=stream)
    try:
        started = harness.ready()
        harness.client.post(f"/v1/sessions/{started['session_id']}/submit", headers=auth(started))
        assert harness.run_worker() == "approved"
    finally:
        configure_logging("INFO")
    logs = stream.getvalue()
    document = facts()
    assert "session.decided" in logs
    for secret in (
        document.national_id,
        document.surname,
        document.given_names,
        started["access_token"],
        started["aa_nonce"],
        started["session_id"],
    ):
        assert secret not in logs
