"""Retention at 18 months with a controlled clock, a person's report, and objection."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from register_testkit import nid, person, run
from sqlalchemy import func, select

from register.client import CertificateRecord
from register.db.models import Certificate, DisclosureEntry, Person
from register.disclosure import verify_chain
from register.identity import norwegian_id
from register.retention import person_report, record_objection, run_retention


def _certify(register_client, index, reference, at):
    return register_client.record_certificate(
        CertificateRecord(
            national_id=nid(index),
            full_name="Per Hansen",
            birth_date=date(1950, 5, 17),
            certified_at=at,
            document_type="P",
            document_issuing_state="NOR",
            method="chip_face_liveness",
            session_reference=reference,
        )
    )


def test_retention_deletes_person_data_and_certificates_after_18_months(
    make_company, register_client, state, clock
):
    company = make_company()
    _certify(register_client, 0, "session-0000-a", clock.now())
    _certify(register_client, 1, "session-0001-a", clock.now())
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    run(company.client.status(person(0)))

    clock.set(datetime(2027, 9, 15, 10, 0, tzinfo=UTC))  # just under 18 months
    with state.unit_of_work() as session:
        report = run_retention(session, clock, state.settings)
    assert (report.certificates_deleted, report.persons_deleted) == (0, 0)

    clock.set(datetime(2027, 9, 16, 10, 1, tzinfo=UTC))  # 18 months and a minute
    with state.unit_of_work() as session:
        report = run_retention(session, clock, state.settings)
        assert report.certificates_deleted == 2
        assert report.persons_deleted == 2  # relationship ended 2026-05-31
        assert report.disclosures_pseudonymised == 1
    with state.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
        assert session.scalar(select(func.count()).select_from(Certificate)) == 0
        entry = session.scalars(select(DisclosureEntry)).one()
        assert entry.subject_key is None
        assert verify_chain(session).ok


def test_person_with_a_current_relationship_keeps_only_the_identifier(
    make_company, register_client, state, clock
):
    company = make_company()
    _certify(register_client, 0, "session-0000-a", clock.now())
    clock.set(datetime(2027, 9, 20, 10, 0, tzinfo=UTC))
    run(company.client.register_relationship(person(0), "AGR-1", "2027-08"))
    with state.unit_of_work() as session:
        report = run_retention(session, clock, state.settings)
        assert (report.certificates_deleted, report.persons_scrubbed) == (1, 1)
    with state.unit_of_work() as session:
        kept = session.scalars(select(Person)).one()
        assert (kept.full_name, kept.birth_date) == (None, None)
    assert run(company.client.status(person(0)))["status"]["state"] == "no_certificate"


def test_person_report_lists_data_and_recipients(make_company, register_client, state):
    company = make_company()
    _certify(register_client, 0, "session-0000-a", state.clock.now())
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    run(company.client.status(person(0)))
    with state.unit_of_work() as session:
        secret = state.settings.secret.get_secret_value()
        report = person_report(session, norwegian_id(nid(0)), secret)
        assert person_report(session, norwegian_id(nid(3)), secret) is None
    assert report is not None
    assert report["full_name"] == "Per Hansen"
    assert len(report["certificates"]) == 1
    assert report["relationships"][0]["company"] == "pension-a AS"
    assert report["disclosures"] == [
        {"at": state.clock.now().isoformat(), "company": "pension-a AS", "action": "status"}
    ]


def test_objection_removes_the_person_and_tells_paying_companies(
    make_company, register_client, state, clock
):
    company = make_company()
    _certify(register_client, 0, "session-0000-a", clock.now())
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    cursor = run(company.client.changes())["next_cursor"]
    clock.advance(timedelta(hours=1))
    with state.unit_of_work() as session:
        assert record_objection(session, clock, norwegian_id(nid(0)))
    status = run(company.client.status(person(0)))["status"]
    assert status == {
        "state": "objected",
        "instruction": "use_manual_certificate",
        "objected_at": clock.now().isoformat(),
    }
    items = run(company.client.changes(since=cursor))["items"]
    assert [i["kind"] for i in items] == ["objected"]
    with state.unit_of_work() as session:
        kept = session.scalars(select(Person)).one()
        assert (kept.full_name, kept.birth_date) == (None, None)
        assert session.scalar(select(func.count()).select_from(Certificate)) == 0
    clock.advance(timedelta(days=550))  # past 18 months
    with state.unit_of_work() as session:
        assert run_retention(session, clock, state.settings).persons_deleted == 1
