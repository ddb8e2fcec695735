"""Outcomes reach the pensioner: plain words, what to do next, queued once (issue 12, item 7)."""

from __future__ import annotations

from api_helpers import Harness, auth
from sqlalchemy import inspect, select

from leveattest.contracts.sessions import OutcomeCode
from leveattest.core.i18n import Message, translate
from leveattest.pipeline.outcome import Decision
from leveattest.sessions.decision import reject_after_review
from leveattest.sessions.messages import OUTCOMES, REGISTER_KEEPS_REASON
from leveattest.sessions.models import NotificationOutbox, VerificationSession
from leveattest.sessions.notifications import queue_outcome


def _outbox(harness: Harness) -> list[tuple[str, str, str | None]]:
    with harness.ctx.unit_of_work() as db:
        rows = db.scalars(select(NotificationOutbox).order_by(NotificationOutbox.id))
        return [(r.session_id, r.outcome, r.language) for r in rows]


def _submitted(harness: Harness, decision: Decision) -> tuple[str, dict[str, str]]:
    harness.pipeline.decision = decision
    started = harness.ready()
    sid, headers = started["session_id"], auth(started)
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers)
    harness.run_worker()
    return sid, headers


def test_an_approval_tells_the_pensioner_there_is_nothing_to_do_and_is_queued_once(
    harness: Harness,
):
    sid, headers = _submitted(harness, Decision.APPROVE)
    outcome = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()["outcome"]
    assert outcome["code"] == "approved"
    assert outcome["message_id"] == "outcome.approved.message"
    assert outcome["next_step_id"] == "outcome.next.nothing"
    assert "før du får neste forespørsel" in outcome["next_step"]  # the bokmål catalog
    assert outcome["language"] == "nb"  # the consent language
    assert _outbox(harness) == [(sid, "approved", "nb")]
    with harness.ctx.unit_of_work() as db:
        row = db.get_one(VerificationSession, sid)
        assert queue_outcome(db, harness.clock, row) is False  # idempotent
    assert _outbox(harness) == [(sid, "approved", "nb")]


def test_a_rejection_after_review_points_to_the_manual_certificate(harness: Harness):
    sid, headers = _submitted(harness, Decision.REVIEW)
    status = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()
    assert status["outcome"] is None  # waiting for a person: no outcome yet
    assert _outbox(harness) == []

    reject_after_review(harness.ctx, sid, "reviewer-1", confirmed_by="senior-2")

    outcome = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()["outcome"]
    assert (outcome["code"], outcome["next_step_id"]) == (
        "rejected",
        "outcome.next.manual_certificate",
    )
    assert "leveattest på papir" in outcome["next_step"]  # the bokmål catalog
    assert _outbox(harness) == [(sid, "rejected", "nb")]


def test_a_session_still_collecting_has_no_outcome_and_queues_nothing(harness: Harness):
    started = harness.ready()
    status = harness.client.get(
        f"/v1/sessions/{started['session_id']}", headers=auth(started)
    ).json()
    assert status["outcome"] is None
    assert _outbox(harness) == []


def test_the_outbox_holds_no_personal_data_beyond_session_outcome_and_language(harness: Harness):
    columns = {
        c["name"]
        for c in inspect(harness.ctx.sessions.kw["bind"]).get_columns(
            NotificationOutbox.__tablename__
        )
    }
    assert columns == {"id", "session_id", "outcome", "language", "created_at", "sent_at"}


def test_every_outcome_has_a_message_and_a_next_step_with_unique_ids():
    assert set(OUTCOMES) == set(OutcomeCode)
    messages: list[Message] = [m for pair in OUTCOMES.values() for m in pair]
    messages.append(REGISTER_KEEPS_REASON)
    ids = {m.message_id: m.source for m in messages}
    assert all(source.strip() for source in ids.values())
    assert len(ids) == len({m.message_id for m in messages})  # one text per id
    assert len(set(ids)) == 6  # the deadline and the rejection share the next step


def test_a_language_without_a_catalog_gets_the_english_source():
    message, _next = OUTCOMES[OutcomeCode.DEADLINE_PASSED]
    assert translate(message, "fr") == message.source  # no French catalog
    assert translate(message, None) == message.source
    assert translate(message, "se") != message.source  # the Northern Sámi catalog
