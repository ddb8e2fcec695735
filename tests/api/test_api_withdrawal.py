"""Complete withdrawal: nothing of the person is left but a receipt (issue 12, item 4).

The database is searched as a whole: no table may hold the plain SHA-256 of an uploaded
chip file (what the passport's EF.SOD signs, so it would link the session to the
passport), the national id, or the check results and facts of a withdrawn session.
"""

from __future__ import annotations

import hashlib

from api_helpers import CHIP, Harness, auth, certificates, nid
from sqlalchemy import Engine, func, select, text

from leveattest.pipeline.outcome import Decision
from leveattest.sessions.db import Base
from leveattest.sessions.deletion import REGISTER_KEEPS
from leveattest.sessions.models import (
    NotificationOutbox,
    SessionUpload,
    StoredCheck,
    VerificationSession,
)


def _database_text(engine: Engine) -> str:
    """Every row of every leveattest table, as text."""
    dump = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            dump += [repr(tuple(row)) for row in conn.execute(text(f"SELECT * FROM {table.name}"))]
    return "\n".join(dump)


def _plain_hashes() -> list[str]:
    return [hashlib.sha256(data).hexdigest() for data in CHIP.values()]


def _decided(harness: Harness, decision: Decision, state: str) -> tuple[str, dict[str, str]]:
    harness.pipeline.decision = decision
    started = harness.ready()
    sid, headers = started["session_id"], auth(started)
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers)
    assert harness.run_worker() == state
    return sid, headers


def _count(harness: Harness, model: type, session_id: str) -> int:
    with harness.ctx.unit_of_work() as db:
        query = select(func.count()).select_from(model).where(model.session_id == session_id)  # type: ignore[attr-defined]
        return int(db.scalar(query) or 0)


def test_upload_rows_keep_a_keyed_mac_never_the_plain_hash_the_passport_signs(
    engine: Engine, harness: Harness
):
    started = harness.ready()
    dump = _database_text(engine)
    assert not [digest for digest in _plain_hashes() if digest in dump]
    with harness.ctx.unit_of_work() as db:
        macs = [u.content_mac for u in db.scalars(select(SessionUpload))]
    assert macs
    assert all(mac is not None and len(mac) == 64 for mac in macs)
    # the phone's receipt still names the SHA-256 of what it sent
    receipt = harness.client.put(
        f"/v1/sessions/{started['session_id']}/parts/DG1",
        content=CHIP["DG1"],
        headers={**auth(started), "content-type": "application/octet-stream"},
    )
    assert receipt.status_code == 200  # the same bytes again: nothing new written
    assert receipt.json()["sha256"] == hashlib.sha256(CHIP["DG1"]).hexdigest()


def test_withdrawal_during_review_leaves_only_a_receipt_without_personal_data(
    engine: Engine, harness: Harness
):
    sid, headers = _decided(harness, Decision.REVIEW, "needs_review")
    assert _count(harness, StoredCheck, sid) == 2

    receipt = harness.client.delete(f"/v1/sessions/{sid}/consent", headers=headers).json()

    items = {item["category"]: item["count"] for item in receipt["items"]}
    assert items == {
        "chip": len(CHIP) + 1,  # with the AA signature
        "page": 1,
        "selfie": 1,
        "liveness": 3,
        "check_results": 2,
        "person_facts": 1,
        "document_facts": 1,
    }
    assert receipt["register_keeps"] is None
    assert _count(harness, SessionUpload, sid) == 0
    assert _count(harness, StoredCheck, sid) == 0
    with harness.ctx.unit_of_work() as db:
        row = db.get_one(VerificationSession, sid)
        kept = (row.person_facts, row.document_type, row.document_issuing_state, row.age_band)
        assert kept == (None, None, None, None)
        assert (row.reasons, row.advice, row.expected_person_fp) == ([], [], None)
        assert row.state == "withdrawn"
    dump = _database_text(engine)
    assert nid(0) not in dump
    assert "NORDMANN" not in dump
    assert not [digest for digest in _plain_hashes() if digest in dump]
    status = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()
    assert (status["status"], status["reasons"], status["outcome"]) == ("withdrawn", [], None)


def test_withdrawal_after_approval_says_what_the_register_keeps_and_why(harness: Harness):
    sid, headers = _decided(harness, Decision.APPROVE, "approved")
    assert _count(harness, NotificationOutbox, sid) == 1

    receipt = harness.client.delete(f"/v1/sessions/{sid}/consent", headers=headers).json()

    items = {item["category"]: item["count"] for item in receipt["items"]}
    # biometrics and document data went at the decision; the results and facts go now
    assert not {"chip", "page", "selfie", "liveness", "person_facts"} & set(items)
    assert items == {"check_results": 2, "document_facts": 1, "notifications": 1}
    keeps = receipt["register_keeps"]
    assert keeps["items"] == list(REGISTER_KEEPS)
    assert {"full_name", "birth_date", "identifier", "certificate_date"} <= set(REGISTER_KEEPS)
    assert keeps["reason_id"] == "withdrawal.register_keeps"
    assert "pensjonsselskapene dine trenger den" in keeps["reason"]  # consent language nb
    assert certificates(harness.register) == [
        (sid, "leveattest-app")
    ]  # not the service's to delete
    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()
    assert privacy["check_results"] == 0
    assert privacy["deletions"][-1] == receipt
    again = harness.client.delete(f"/v1/sessions/{sid}/consent", headers=headers)
    assert again.json() == receipt
