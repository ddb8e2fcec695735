"""Writes from verification (register.client), requests and invitations, the disclosure log."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from PIL import Image
from pyzbar.pyzbar import decode
from register_testkit import nid, person, run
from sqlalchemy import select, text

from register.client import CertificateRecord, HolderFacts, SessionStart
from register.db.models import Certificate, CertificateRequest, DisclosureEntry
from register.disclosure import pseudonymise_disclosures, verify_chain
from register.errors import CertificateRecordError, NationalIdInvalidError
from register.identity import norwegian_id
from register.letters import invitation_letter_png, invitation_qr_png, reference_from_qr_text
from register.persons import get_or_create_person
from register.requests import create_request, due_reminders, record_reminder


def _record(index=0, session_reference="session-0000-a", **overrides):
    fields = {
        "national_id": nid(index),
        "full_name": "Ola Nordmann",
        "birth_date": date(1950, 5, 17),
        "certified_at": datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        "document_type": "P",
        "document_issuing_state": "NOR",
        "method": "chip_face_liveness",
        "session_reference": session_reference,
    }
    fields.update(overrides)
    return CertificateRecord(**fields)


def test_certificate_writes_are_idempotent_per_session(register_client, state):
    first = register_client.record_certificate(_record())
    again = register_client.record_certificate(_record())
    assert first.created
    assert not again.created
    assert first.certificate_id == again.certificate_id
    with state.unit_of_work() as session:
        assert len(session.scalars(select(Certificate)).all()) == 1


def test_certificate_with_inconsistent_or_missing_identity_is_refused(register_client):
    with pytest.raises(CertificateRecordError):
        register_client.record_certificate(_record(birth_date=date(1951, 1, 1)))
    with pytest.raises(NationalIdInvalidError):
        register_client.record_certificate(_record(national_id="17055012345"))
    with pytest.raises(CertificateRecordError):
        register_client.record_certificate(_record(national_id=None))
    future = datetime(2026, 4, 1, tzinfo=UTC)
    with pytest.raises(CertificateRecordError):
        register_client.record_certificate(_record(certified_at=future))


def test_foreign_identity_is_recorded(register_client):
    receipt = register_client.record_certificate(
        _record(national_id=None, foreign_id="sw1234567", foreign_id_state="SWE")
    )
    assert receipt.created


def test_one_certificate_fulfils_every_companys_open_request(make_company, register_client, state):
    payers = [make_company("payer-a"), make_company("payer-b")]
    for handle in payers:
        run(handle.client.register_relationship(person(0), "AGR-1", "2026-02"))
        run(handle.client.request_certificate(person(0)))
    with state.unit_of_work() as session:
        pension_person = get_or_create_person(session, state.clock, norwegian_id(nid(0)))
        create_request(session, state.clock, state.settings, pension_person, schedule="yearly")
    for handle in payers:
        status = run(handle.client.status(person(0)))["status"]
        assert status["outstanding_request"] is not None
    receipt = register_client.record_certificate(_record())
    assert receipt.fulfilled_requests == 3
    for handle in payers:
        status = run(handle.client.status(person(0)))["status"]
        assert status["outstanding_request"] is None
        assert status["state"] == "certified"
    with state.unit_of_work() as session:
        requests = session.scalars(select(CertificateRequest)).all()
        assert {r.certificate_id for r in requests} == {receipt.certificate_id}
        assert len({r.invitation_id for r in requests}) == 1  # one invitation serves all


def test_invitation_qr_decodes_and_starts_a_session(make_company, register_client, state):
    with state.unit_of_work() as session:
        pension_person = get_or_create_person(session, state.clock, norwegian_id(nid(0)))
        receipt = create_request(
            session, state.clock, state.settings, pension_person, schedule="yearly"
        )
    png = invitation_qr_png(state.settings, receipt.invitation_reference)
    decoded = decode(Image.open(BytesIO(png)))
    assert len(decoded) == 1
    reference = reference_from_qr_text(state.settings, decoded[0].data.decode())
    assert reference == receipt.invitation_reference
    info = register_client.lookup_invitation(reference)
    assert info is not None
    assert info.person == person(0)
    assert info.open
    assert info.sessions == []
    assert register_client.start_invitation_session(reference, "session-0000-a", per_day=5) == (
        SessionStart.STARTED
    )
    # the letter keeps working: a second session from it (after a withdrawal, say)
    assert register_client.start_invitation_session(reference, "session-0000-b", per_day=5) == (
        SessionStart.STARTED
    )
    assert register_client.lookup_invitation(reference).sessions == [
        "session-0000-a",
        "session-0000-b",
    ]
    assert register_client.lookup_invitation("NOSUCHREFERENCE") is None
    assert register_client.start_invitation_session("NOSUCHREFERENCE", "s-1234567", per_day=5) == (
        SessionStart.UNKNOWN
    )

    letter = invitation_letter_png(
        state.settings, reference, full_name=None, deadline=receipt.deadline
    )
    page = Image.open(BytesIO(letter))
    assert page.size == (1240, 1754)
    assert reference_from_qr_text(state.settings, decode(page)[0].data.decode()) == reference


def test_reminders_fall_due_after_the_interval(state, clock):
    with state.unit_of_work() as session:
        pension_person = get_or_create_person(session, clock, norwegian_id(nid(0)))
        create_request(session, clock, state.settings, pension_person, schedule="yearly")
    with state.unit_of_work() as session:
        assert due_reminders(session, clock, state.settings) == []
    clock.advance(timedelta(days=22))
    with state.unit_of_work() as session:
        due = due_reminders(session, clock, state.settings)
        assert len(due) == 1
        record_reminder(session, clock, due[0])
    with state.unit_of_work() as session:
        assert due_reminders(session, clock, state.settings) == []


def test_disclosure_chain_verifies_and_detects_tampering(make_company, state, engine):
    company = make_company()
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    for _ in range(3):
        run(company.client.status(person(0)))
    with state.unit_of_work() as session:
        assert verify_chain(session).ok
        assert verify_chain(session).entries == 3

    def tamper_and_check(sql, reason):
        with engine.begin() as conn:
            conn.execute(text(sql))
        with state.unit_of_work() as session:
            result = verify_chain(session)
        assert not result.ok
        assert result.reason == reason, result

    with engine.connect() as conn:
        original = conn.execute(
            text("SELECT action, entry_hash FROM disclosure_log WHERE seq = 2")
        ).one()
    tamper_and_check(
        "UPDATE disclosure_log SET action = 'batch' WHERE seq = 2", "entry_hash_mismatch"
    )
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE disclosure_log SET action = '{original.action}' WHERE seq = 2"))
    with engine.connect() as conn:
        commitment = conn.execute(
            text("SELECT subject_commitment FROM disclosure_log WHERE seq = 1")
        ).scalar_one()
    tamper_and_check(
        f"UPDATE disclosure_log SET subject_commitment = '{'0' * 64}' WHERE seq = 1",
        "entry_hash_mismatch",
    )
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE disclosure_log SET subject_commitment = :c WHERE seq = 1"),
            {"c": commitment},
        )
    tamper_and_check("DELETE FROM disclosure_log WHERE seq = 2", "seq_gap")
    tamper_and_check("DELETE FROM disclosure_log WHERE seq = 3", "head_mismatch")  # tail cut


def test_pseudonymised_entries_still_verify(make_company, state, clock):
    company = make_company()
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    run(company.client.status(person(0)))
    with state.unit_of_work() as session:
        assert pseudonymise_disclosures(session, clock.now() + timedelta(seconds=1)) == 1
    with state.unit_of_work() as session:
        entry = session.scalars(select(DisclosureEntry)).one()
        assert entry.subject_key is None
        assert entry.subject_salt is None
        assert verify_chain(session).ok


def test_phones_scanning_one_letter_at_once_never_exceed_the_daily_limit(register_client, state):
    with state.unit_of_work() as session:
        pension_person = get_or_create_person(session, state.clock, norwegian_id(nid(1)))
        receipt = create_request(
            session, state.clock, state.settings, pension_person, schedule="yearly"
        )
    reference = receipt.invitation_reference
    barrier = threading.Barrier(6)

    def claim(n: int) -> SessionStart:
        barrier.wait()
        return register_client.start_invitation_session(reference, f"session-race-{n}", per_day=2)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(claim, range(6)))
    assert results.count(SessionStart.STARTED) == 2
    assert results.count(SessionStart.DAILY_LIMIT) == 4
    state.clock.advance(timedelta(days=1))  # a new day: the letter works again
    assert claim_alone(register_client, reference, "session-next-day") is SessionStart.STARTED


def claim_alone(register_client, reference, session_reference):
    return register_client.start_invitation_session(reference, session_reference, per_day=2)


def test_a_letter_stops_working_once_its_requests_are_fulfilled_or_its_deadline_passed(
    register_client, state
):
    with state.unit_of_work() as session:
        pension_person = get_or_create_person(session, state.clock, norwegian_id(nid(0)))
        first = create_request(session, state.clock, state.settings, pension_person, schedule="y")
        other = get_or_create_person(session, state.clock, norwegian_id(nid(1)))
        second = create_request(session, state.clock, state.settings, other, schedule="y")
    register_client.start_invitation_session(
        first.invitation_reference, "session-0000-a", per_day=5
    )
    register_client.record_certificate(
        _record(0, "session-0000-a", holder=HolderFacts(national_id=nid(0)))
    )
    assert not register_client.lookup_invitation(first.invitation_reference).open
    assert claim_alone(register_client, first.invitation_reference, "s-late-0001") is (
        SessionStart.CLOSED
    )
    state.clock.advance(timedelta(days=state.settings.request_deadline_days + 1))
    assert register_client.lookup_invitation(second.invitation_reference).expired
    assert claim_alone(register_client, second.invitation_reference, "s-late-0002") is (
        SessionStart.CLOSED
    )
    with state.unit_of_work() as session:  # a new request after the certificate: a new letter
        again = create_request(session, state.clock, state.settings, pension_person, schedule="y")
    assert again.invitation_reference != first.invitation_reference
