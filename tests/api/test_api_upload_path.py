"""The frame and part upload path: what a frame costs the database, and that the lean path
keeps every answer (issue 15: upload p99 under 50 phones).

A phone sends 40 frames back to back. The check before a body is remembered per session
(``leveattest.api.admission``); the unit of work reads the locked session with its
liveness challenges in one statement and inserts the row unless the slot is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from api_helpers import JPEG, Harness, StubPipeline, SyncClient, auth, later
from leveattest_databases import emptied
from sqlalchemy import Engine, event, func, select

from leveattest.app import bootstrap
from leveattest.core.clock import FixedClock
from leveattest.core.settings import SessionSettings, Settings, StorageSettings
from leveattest.persistence import make_engine
from leveattest.sessions.context import blob_owner
from leveattest.sessions.models import SessionUpload, VerificationSession
from leveattest.sessions.parts import frame_slot
from register.client import InProcessRegisterClient


def _frame(
    harness: Harness,
    started: dict[str, Any],
    index: int,
    *,
    captured_at_ms: int | None = None,
    challenge: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = JPEG,
) -> httpx.Response:
    challenge = challenge or started["liveness_challenge"]["challenge_id"]
    at = index * 100 if captured_at_ms is None else captured_at_ms
    return harness.client.put(
        f"/v1/sessions/{started['session_id']}/frames/{index}"
        f"?captured_at_ms={at}&challenge_id={challenge}",
        content=body,
        headers={**(headers or auth(started)), "content-type": "image/jpeg"},
    )


def _rows(harness: Harness) -> int:
    with harness.ctx.unit_of_work() as db:
        return int(db.scalar(select(func.count()).select_from(SessionUpload)) or 0)


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs meanwhile (transaction control left out)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _ready_for_frames(harness: Harness) -> dict[str, Any]:
    started = harness.start()
    harness.consent(started)
    assert _frame(harness, started, 0).status_code == 201  # the session is now remembered
    return started


def test_a_new_frame_costs_one_locked_read_one_insert_and_one_update(
    harness: Harness, engine: Engine
):
    started = _ready_for_frames(harness)
    later(harness.clock, seconds=1)  # a later frame moves the session's updated_at
    with _statements(engine) as seen:
        assert _frame(harness, started, 1).status_code == 201
    assert len(seen) == 3, seen
    locked_read, insert, update = seen
    assert locked_read.startswith("SELECT")
    assert "attempt_nonces" in locked_read
    if engine.dialect.name == "postgresql":
        assert "FOR UPDATE OF verification_sessions" in locked_read
    assert insert.startswith("INSERT INTO session_uploads")
    assert "ON CONFLICT" in insert
    assert update.startswith("UPDATE verification_sessions")


def test_the_same_frame_again_is_idempotent_and_a_new_capture_time_replaces_it(
    harness: Harness,
):
    started = _ready_for_frames(harness)
    first = _frame(harness, started, 1)
    again = _frame(harness, started, 1)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    moved = _frame(harness, started, 1, captured_at_ms=150)
    assert moved.status_code == 200
    assert (moved.json()["replaced"], moved.json()["captured_at_ms"]) == (1, 150)
    assert moved.json()["sha256"] == first.json()["sha256"]
    assert _rows(harness) == 2


def test_a_frame_refused_by_its_challenge_leaves_no_row_behind(harness: Harness):
    started = _ready_for_frames(harness)
    refused = _frame(harness, started, 1, challenge="not-the-issued-one")
    assert refused.status_code == 404, refused.text
    assert refused.json()["code"] == "challenge_unknown"
    assert _rows(harness) == 1  # the row inserted before the check was rolled back
    assert _frame(harness, started, 1).status_code == 201  # and the slot is free


def test_a_wrong_token_for_a_remembered_session_is_not_found(harness: Harness):
    started = _ready_for_frames(harness)
    refused = _frame(harness, started, 1, headers={"Authorization": "Bearer not-the-token"})
    assert refused.status_code == 404
    assert refused.json()["code"] == "session_not_found"
    assert _rows(harness) == 1


@pytest.mark.parametrize("remembered", [True, False], ids=["remembered", "checked-again"])
def test_a_withdrawn_session_refuses_the_next_frame_whether_remembered_or_not(
    harness: Harness, remembered: bool
):
    started = _ready_for_frames(harness)
    withdrawn = harness.client.delete(
        f"/v1/sessions/{started['session_id']}/consent", headers=auth(started)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    admissions = harness.client.client._transport.app.state.upload_admissions
    if not remembered:
        admissions.forget(started["session_id"])
    refused = _frame(harness, started, 1)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "session_state_conflict"
    assert _rows(harness) == 0  # withdrawal deleted frame 0; nothing new was written
    assert len(admissions) == 0  # the refusal made the process forget the session


def test_a_remembered_session_still_expires_on_time(harness: Harness):
    started = _ready_for_frames(harness)
    later(harness.clock, hours=harness.ctx.session_settings.session_ttl_hours)
    refused = _frame(harness, started, 1)
    assert refused.status_code == 410, refused.text
    assert refused.json()["code"] == "session_expired"
    assert _rows(harness) == 1


def test_with_blobs_in_the_database_a_frame_needs_one_connection(
    migrated_engine: Engine,
    settings: Settings,
    session_settings: SessionSettings,
    clock: FixedClock,
    register_client: InProcessRegisterClient,
):
    """The blob is published in the upload's own transaction: one pooled connection per
    request thread (a second one, waited for while the first holds the session's lock,
    could exhaust the pool under load), and the blob commits with its row."""
    emptied(migrated_engine)
    one = make_engine(
        migrated_engine.url.render_as_string(hide_password=False),
        pool_size=1,
        max_overflow=0,
        pool_timeout=5,
    )
    tree = settings.model_copy(
        update={"sessions": session_settings, "storage": StorageSettings(backend="database")}
    )
    app = bootstrap.api_app(tree, clock, register_client=register_client, engine=one)
    client = SyncClient(app)
    try:
        harness = Harness(client, app.state.sessions, clock, register_client, StubPipeline())
        started = _ready_for_frames(harness)
        assert _frame(harness, started, 1).status_code == 201
        with harness.ctx.unit_of_work() as db:
            session = db.get(VerificationSession, started["session_id"])
            assert session is not None
            owner = blob_owner(session.id, session.attempt)
        assert harness.ctx.blobs.get(owner, frame_slot(1)) == JPEG
    finally:
        client.close()
        one.dispose()
