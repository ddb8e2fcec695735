"""Letters that keep working until the job is done (issue 12, item 2): an invitation is
valid until its requests are fulfilled or its deadline passes; after a withdrawal, an
abandoned or expired session or a rejection the same QR code starts a fresh session (new
id and token, the old one stays closed); at most ``max_sessions_per_day`` a day."""

from __future__ import annotations

from api_helpers import Harness, auth, certificates, facts, invite, later
from sqlalchemy import text

from leveattest.pipeline.outcome import Decision


def _start(harness: Harness, reference: str):
    return harness.client.post("/v1/sessions", json={"invitation_reference": reference})


def _status(harness: Harness, started: dict) -> str:
    response = harness.client.get(f"/v1/sessions/{started['session_id']}", headers=auth(started))
    return str(response.json()["status"])


def test_an_abandoned_session_is_closed_when_the_letter_starts_a_fresh_one(harness: Harness):
    reference = invite(harness.register)
    first = _start(harness, reference).json()
    harness.consent(first)
    second = _start(harness, reference)
    assert second.status_code == 201, second.text
    fresh = second.json()
    assert fresh["session_id"] != first["session_id"]
    assert fresh["access_token"] != first["access_token"]
    assert _status(harness, first) == "expired"  # the old one stays closed
    upload = harness.client.put(
        f"/v1/sessions/{first['session_id']}/parts/PAGE",
        content=b"\xff\xd8\xff\xd9",
        headers={**auth(first), "content-type": "image/jpeg"},
    )
    assert upload.status_code == 410
    assert upload.json()["code"] == "session_expired"


def test_after_a_withdrawal_the_same_letter_starts_a_session_that_can_be_approved(
    harness: Harness,
):
    reference = invite(harness.register)
    first = _start(harness, reference).json()
    harness.consent(first)
    withdrawn = harness.client.delete(
        f"/v1/sessions/{first['session_id']}/consent", headers=auth(first)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    second = _start(harness, reference).json()
    harness.consent(second)
    harness.upload_all(second)
    harness.client.post(f"/v1/sessions/{second['session_id']}/submit", headers=auth(second))
    assert harness.run_worker() == "approved"
    assert [ref for ref, _ in certificates(harness.register)] == [second["session_id"]]
    assert _status(harness, first) == "withdrawn"
    done = _start(harness, reference)  # its request is fulfilled: the letter has done its job
    assert done.status_code == 404
    assert done.json()["code"] == "invitation_invalid"


def test_after_a_rejection_the_same_letter_starts_a_fresh_session(harness: Harness):
    harness.pipeline.decision = Decision.REJECT
    first = harness.ready()
    harness.client.post(f"/v1/sessions/{first['session_id']}/submit", headers=auth(first))
    assert harness.run_worker() == "rejected"
    again = _start(harness, invite(harness.register))
    assert again.status_code == 201, again.text
    assert _status(harness, first) == "rejected"


def test_no_new_session_while_one_from_the_letter_is_analysed_or_reviewed(harness: Harness):
    harness.pipeline.decision = Decision.REVIEW
    first = harness.ready()
    harness.client.post(f"/v1/sessions/{first['session_id']}/submit", headers=auth(first))
    reference = invite(harness.register)
    queued = _start(harness, reference)
    assert (queued.status_code, queued.json()["code"]) == (409, "invitation_in_progress")
    assert harness.run_worker() == "needs_review"
    in_review = _start(harness, reference)
    assert (in_review.status_code, in_review.json()["code"]) == (409, "invitation_in_progress")


def test_a_letter_starts_at_most_the_configured_sessions_per_day(harness: Harness):
    harness.ctx.session_settings.max_sessions_per_day = 2
    reference = invite(harness.register)
    assert _start(harness, reference).status_code == 201
    assert _start(harness, reference).status_code == 201
    third = _start(harness, reference)
    assert (third.status_code, third.json()["code"]) == (429, "invitation_daily_limit")
    later(harness.clock, days=1)
    assert _start(harness, reference).status_code == 201


def test_a_session_left_open_past_its_expiry_is_closed_and_the_letter_starts_anew(
    harness: Harness,
):
    reference = invite(harness.register)
    first = _start(harness, reference).json()
    later(harness.clock, hours=harness.ctx.session_settings.session_ttl_hours + 1)
    again = _start(harness, reference)
    assert again.status_code == 201, again.text
    assert _status(harness, first) == "expired"


def test_a_foreign_passport_of_the_invited_person_is_approved_and_becomes_her_alias(
    harness: Harness,
):
    """The register knows her by fødselsnummer and name; her chip is a Swedish passport
    without a Norwegian number: linked by name and birth date, no reviewer needed."""
    harness.pipeline.document = facts(0).model_copy(
        update={
            "issuing_state": "SWE",
            "nationality": "SWE",
            "national_id": None,
            "national_id_kind": None,
            "foreign_id": "SW7654321",
            "document_number": "SW7654321",
        }
    )
    started = harness.start()
    with harness.register.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text("UPDATE persons SET full_name = 'Kari Nordmann'"))
    harness.consent(started)
    harness.upload_all(started)
    harness.client.post(f"/v1/sessions/{started['session_id']}/submit", headers=auth(started))
    assert harness.run_worker() == "approved"
    with harness.register.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.execute(text("SELECT count(*) FROM persons")).scalar_one() == 1
        alias = conn.execute(text("SELECT id_state, id_value, id_kind FROM person_aliases")).one()
    assert tuple(alias) == ("SWE", "SW7654321", "P")
