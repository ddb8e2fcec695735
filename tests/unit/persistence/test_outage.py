"""Telling a database outage from a busy database from a bug, and logging outages once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from structlog.testing import capture_logs

from leveattest.core.errors import LeveattestError
from leveattest.core.problems import error_for_http_status, problem_body, problem_headers
from leveattest.persistence import make_engine
from leveattest.persistence.outage import (
    Backoff,
    DatabaseFault,
    OutageEpisode,
    database_fault,
    unavailable_error,
)


def _wrapped(orig: BaseException, *, invalidated: bool = False) -> OperationalError:
    return OperationalError("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (_wrapped(psycopg.OperationalError("connection refused")), DatabaseFault.OUTAGE),
        (_wrapped(psycopg.errors.AdminShutdown()), DatabaseFault.OUTAGE),
        (_wrapped(psycopg.errors.CannotConnectNow()), DatabaseFault.OUTAGE),
        (_wrapped(psycopg.errors.ConnectionFailure()), DatabaseFault.OUTAGE),
        (_wrapped(Exception("anything"), invalidated=True), DatabaseFault.OUTAGE),
        (
            psycopg.OperationalError("server closed the connection unexpectedly"),
            DatabaseFault.OUTAGE,
        ),
        (_wrapped(sqlite3.OperationalError("unable to open database file")), DatabaseFault.OUTAGE),
        (_wrapped(sqlite3.OperationalError("database is locked")), DatabaseFault.BUSY),
        (_wrapped(psycopg.errors.LockNotAvailable()), DatabaseFault.BUSY),
        (_wrapped(psycopg.errors.QueryCanceled()), DatabaseFault.BUSY),
        (_wrapped(psycopg.errors.TooManyConnections()), DatabaseFault.BUSY),
        (PoolTimeoutError("QueuePool limit reached"), DatabaseFault.BUSY),
        (IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation()), None),
        (_wrapped(sqlite3.OperationalError("no such table: x")), None),
        (ValueError("not a database error"), None),
    ],
)
def test_database_errors_are_sorted_into_outage_busy_or_bug(error, fault):
    assert database_fault(error) is fault


def test_an_outage_wrapped_in_another_error_is_still_an_outage():
    try:
        try:
            raise psycopg.OperationalError("connection refused")
        except psycopg.OperationalError as exc:
            raise RuntimeError("the job queue failed") from exc
    except RuntimeError as outer:
        error = unavailable_error(outer)
    assert error is not None
    assert error.code == "service_unavailable"


def test_outage_and_busy_answer_503_with_retry_after_and_a_bug_does_not():
    outage = unavailable_error(_wrapped(psycopg.OperationalError("refused")))
    busy = unavailable_error(_wrapped(sqlite3.OperationalError("database is locked")))
    assert outage is not None
    assert busy is not None
    assert (outage.code, outage.http_status, problem_headers(outage)["Retry-After"]) == (
        "service_unavailable",
        503,
        "5",
    )
    assert (busy.code, busy.http_status, problem_headers(busy)["Retry-After"]) == (
        "service_busy",
        503,
        "1",
    )
    assert unavailable_error(IntegrityError("INSERT", {}, Exception())) is None


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(tmp_path: Path):
    folder = tmp_path / "not-yet"  # an absolute path: make_engine does not create it
    engine = make_engine(f"sqlite:///{folder}/down.db")
    try:
        with capture_logs() as logs:
            for _ in range(3):
                with pytest.raises(OperationalError) as failed, engine.connect():
                    pass
                assert database_fault(failed.value) is DatabaseFault.OUTAGE
            folder.mkdir()
            for _ in range(3):
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    events = [entry["event"] for entry in logs]
    assert events == ["db.unavailable", "db.available_again"]
    assert logs[0]["error_type"] == "OperationalError"


def test_a_loop_logs_one_line_per_episode():
    episode = OutageEpisode("worker")
    with capture_logs() as logs:
        for _ in range(2):
            episode.failed(psycopg.OperationalError("refused"))
            episode.failed(psycopg.OperationalError("refused"))
            episode.succeeded()
            episode.succeeded()
    assert [entry["event"] for entry in logs] == ["db.unavailable", "db.available_again"] * 2
    assert episode.episodes == 2


def test_backoff_doubles_up_to_its_ceiling_and_starts_over_after_a_reset():
    backoff = Backoff(ceiling=5.0, initial=1.0)
    assert [backoff.next_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    backoff.reset()
    assert backoff.next_delay() == 1.0


@pytest.mark.parametrize(
    ("status", "code", "answered"),
    [
        (400, "request_invalid", 400),
        (404, "not_found", 404),
        (405, "method_not_allowed", 405),
        (413, "input_too_large", 413),
        (415, "input_unsupported_format", 415),
        (422, "request_invalid", 422),
        (429, "too_many_requests", 429),
        (418, "request_refused", 418),
        (503, "service_unavailable", 503),
        (502, "internal_error", 500),
    ],
)
def test_a_framework_status_keeps_its_4xx_with_a_stable_code(status, code, answered):
    error, kept = error_for_http_status(status)
    assert (error.code, kept) == (code, answered)
    assert problem_body(error, (), status=kept)["status"] == answered


def test_context_never_overwrites_the_standard_members_of_a_problem():
    error = LeveattestError(status="collecting", code="x", reason="r")
    body = problem_body(error, {"status", "code", "reason"}, renamed={"status": "state"})
    assert body["status"] == 500
    assert body["code"] == "internal_error"
    assert (body["state"], body["reason"]) == ("collecting", "r")
