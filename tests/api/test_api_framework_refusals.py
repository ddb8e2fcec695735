"""What the web framework refuses keeps its 4xx status as a problem with a stable code,
and ``/readyz`` reports the database and the job queue when all is well."""

from __future__ import annotations

import httpx
from api_helpers import Harness, auth


def _problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def test_a_json_body_that_is_not_utf8_is_a_400_request_invalid_not_a_500(harness: Harness):
    bad = {"content-type": "application/json"}
    _problem(
        harness.client.post("/v1/sessions", content=b"\xff", headers=bad), 400, "request_invalid"
    )
    started = harness.start()
    consent = harness.client.post(
        f"/v1/sessions/{started['session_id']}/consent",
        content=b'{"notice_version": "\xff"}',
        headers={**auth(started), **bad},
    )
    _problem(consent, 400, "request_invalid")


def test_unknown_routes_and_methods_keep_404_and_405_with_allow(harness: Harness):
    _problem(harness.client.get("/v1/nothing-here"), 404, "not_found")
    not_allowed = harness.client.delete("/v1/sessions")
    _problem(not_allowed, 405, "method_not_allowed")
    assert not_allowed.headers["allow"] == "POST"


def test_a_session_state_in_a_problem_is_published_as_state_not_as_status(harness: Harness):
    started = harness.start()
    harness.consent(started)
    retry = harness.client.post(
        f"/v1/sessions/{started['session_id']}/retry", headers=auth(started)
    )
    body = _problem(retry, 409, "retry_not_available")
    assert body["state"] == "collecting"


def test_readyz_reports_the_database_and_the_queued_job_of_a_submitted_session(harness: Harness):
    assert harness.client.get("/healthz").status_code == 204
    idle = harness.client.get("/readyz")
    assert idle.status_code == 200, idle.text
    assert idle.json()["checks"]["database"] == {"ok": True}
    assert idle.json()["checks"]["jobs"]["queued"] == 0
    assert idle.json()["checks"]["jobs"]["oldest_queued_age_seconds"] is None
    started = harness.start()
    harness.consent(started)
    harness.upload_all(started)
    submitted = harness.client.post(
        f"/v1/sessions/{started['session_id']}/submit", headers=auth(started)
    )
    assert submitted.status_code in (200, 202), submitted.text
    jobs = harness.client.get("/readyz").json()["checks"]["jobs"]
    assert jobs["queued"] == 1
    assert jobs["oldest_queued_age_seconds"] == 0.0  # the test clock stands still
