"""Identity linking through the invitation, end to end in the register (both databases):
the invited person is the subject, a foreign document becomes their alias, and every
company sees the one certificate by the identifier it knows (docs/identity.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from register_testkit import nid, run
from sqlalchemy import func, select

from leveattest.mrz.national.norway import make_norwegian_id
from register.client import CertificateRecord, HolderFacts, SessionStart
from register.db.models import Person, PersonAlias
from register.errors import CertificateRecordError
from register.identity import norwegian_id, person_id_from_json
from register.manual import record_manual_certificate
from register.persons import find_person
from register.requests import create_request, open_invitation
from register.retention import person_report, record_objection

BORN = date(1955, 6, 30)
PASSPORT = {"foreign_id": "SW7654321", "issuing_state": "SWE"}


def dnr(index: int = 0, birth: date = BORN) -> str:
    found = 0
    for individual in range(1, 500):
        try:
            value = make_norwegian_id(birth, individual, kind="d_number")
        except ValueError:
            continue
        if found == index:
            return value
        found += 1
    raise AssertionError("ran out of individual numbers")


def _swedish_chip(**overrides) -> HolderFacts:
    fields = {
        "surname": "AAKESSON",
        "given_names": "MAERTA INGRID",
        "birth_date": BORN.isoformat(),
        "document_type": "P",
        "document_issuing_state": "SWE",
        "document_number": PASSPORT["foreign_id"],
    }
    fields.update(overrides)
    return HolderFacts(**fields)


def _invite(company, person, state, *, name="Märta Ingrid Åkesson", birth=None):
    run(
        company.client.register_relationship(
            person, "AGR-1", "2026-02", full_name=name, birth_date=birth
        )
    )
    run(company.client.request_certificate(person))
    return _letter(state, person)


def _letter(state, person, *, request=False) -> str:
    """The reference of the person's open invitation (``request``: ask for one first)."""
    with state.unit_of_work() as session:
        found = find_person(session, _pid(person))
        assert found is not None
        if request:
            create_request(session, state.clock, state.settings, found, schedule="yearly")
        invitation = open_invitation(session, found.id, state.clock.today())
        assert invitation is not None
        return invitation.reference


def _pid(person):
    return person_id_from_json(person, accept_synthetic=True)


def _session(register_client, reference, session_reference="session-0000-a"):
    started = register_client.start_invitation_session(reference, session_reference, per_day=5)
    assert started is SessionStart.STARTED
    return session_reference


def _birth(holder: HolderFacts) -> date | None:
    try:
        return date.fromisoformat(holder.birth_date or "")
    except ValueError:
        return None  # unknown parts: the service records no birth date


def _record(session_reference, holder, **overrides):
    fields = {
        "full_name": f"{holder.given_names} {holder.surname}"[:300],  # as the service cuts it
        "birth_date": _birth(holder),
        "certified_at": datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        "document_type": holder.document_type,
        "document_issuing_state": holder.document_issuing_state,
        "method": "chip_face_liveness",
        "session_reference": session_reference,
        "holder": holder,
    }
    fields.update(overrides)
    return CertificateRecord(**fields)


def _status(company, person):
    return run(company.client.status(person))["status"]


def _persons(state) -> int:
    with state.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def test_foreign_passport_and_d_nummer_link_and_a_passport_payer_sees_the_same_certificate(
    make_company, register_client, state
):
    by_dnr, by_passport = make_company("payer-a"), make_company("payer-b")
    person = {"national_id": dnr()}
    reference = _invite(by_dnr, person, state)
    session_reference = _session(register_client, reference)
    link = register_client.link_identity(session_reference, _swedish_chip())
    assert (link.outcome, link.reasons) == ("link", ["name_and_birth_date_match"])
    receipt = register_client.record_certificate(_record(session_reference, _swedish_chip()))
    assert receipt.created
    assert receipt.fulfilled_requests == 1
    assert _status(by_dnr, person)["state"] == "certified"
    # a company that knows her by the Swedish passport number finds the same person
    run(by_passport.client.register_relationship(PASSPORT, "AGR-9", "2026-02"))
    status = _status(by_passport, PASSPORT)
    assert status["state"] == "certified"
    assert status["last_certificate"]["issuing_state"] == "SWE"
    assert run(by_passport.client.batch([PASSPORT]))[0]["status"]["state"] == "certified"
    assert _persons(state) == 1  # never a second person


def test_a_payer_who_knew_her_by_passport_first_is_merged_in_and_keeps_its_identifier(
    make_company, register_client, state
):
    by_dnr, by_passport = make_company("payer-a"), make_company("payer-b")
    run(by_passport.client.register_relationship(PASSPORT, "AGR-9", "2026-02"))
    run(by_passport.client.request_certificate(PASSPORT))
    person = {"national_id": dnr()}
    reference = _invite(by_dnr, person, state)
    assert _persons(state) == 2  # two records until the chip links them
    session_reference = _session(register_client, reference)
    assert register_client.link_identity(session_reference, _swedish_chip()).outcome == "link"
    receipt = register_client.record_certificate(_record(session_reference, _swedish_chip()))
    assert receipt.fulfilled_requests == 2  # both companies' requests
    assert _persons(state) == 1
    assert _status(by_dnr, person)["state"] == "certified"
    assert _status(by_passport, PASSPORT)["state"] == "certified"
    # the passport payer's changes feed names her by the passport, never by the D-nummer
    items = run(by_passport.client.changes())["items"]
    assert items
    assert all(item["person"] == PASSPORT for item in items)
    assert dnr() not in str(items)


def test_norwegian_passport_and_fodselsnummer_link_by_the_number_without_an_alias(
    make_company, register_client, state
):
    company = make_company()
    person = {"national_id": nid(0)}
    reference = _invite(company, person, state, name="Kari Nordmann")
    session_reference = _session(register_client, reference)
    chip = HolderFacts(
        national_id=nid(0),
        surname="NORDMANN",
        given_names="KARI",
        birth_date="1950-05-17",
        document_issuing_state="NOR",
        document_number="AB1234567",
    )
    assert register_client.link_identity(session_reference, chip).reasons == ["national_id_matches"]
    register_client.record_certificate(_record(session_reference, chip))
    assert _status(company, person)["state"] == "certified"
    with state.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(PersonAlias)) == 0


def test_foreign_passport_and_fodselsnummer_link_by_name_and_birth_date(
    make_company, register_client, state
):
    company = make_company()
    person = {"national_id": nid(0)}
    reference = _invite(company, person, state, name="Jürgen Weiß")
    session_reference = _session(register_client, reference)
    chip = HolderFacts(
        surname="WEISS",
        given_names="JUERGEN",
        birth_date="1950-05-17",  # the fødselsnummer's birth date
        document_issuing_state="D<<",
        document_type="P",
        document_number="C01X00T47",
    )
    assert register_client.link_identity(session_reference, chip).outcome == "link"
    register_client.record_certificate(_record(session_reference, chip))
    assert _status(company, person)["state"] == "certified"


def test_a_name_changed_by_marriage_waits_for_a_reviewer_who_records_on_the_invited_person(
    make_company, register_client, state
):
    company = make_company()
    person = {"national_id": dnr()}
    reference = _invite(company, person, state, name="Märta Ingrid Lindqvist")
    session_reference = _session(register_client, reference)
    link = register_client.link_identity(session_reference, _swedish_chip())
    assert (link.outcome, link.session_reason) == ("review", "identity_partial_match")
    assert link.differences == ["surname"]
    assert link.register_full_name == "Märta Ingrid Lindqvist"  # for the side-by-side view
    with pytest.raises(CertificateRecordError) as refused:
        register_client.record_certificate(_record(session_reference, _swedish_chip()))
    assert refused.value.context["reason"] == "identity_not_linked"
    approved = _record(session_reference, _swedish_chip(), reviewed_by="reviewer-1")
    assert register_client.record_certificate(approved).created
    assert _status(company, person)["state"] == "certified"
    assert _persons(state) == 1
    with state.unit_of_work() as session:
        kept = find_person(session, norwegian_id(dnr(), accept_synthetic=True))
        assert kept is not None
        assert kept.full_name == "MAERTA INGRID AAKESSON"


def test_twins_are_never_linked_to_each_other(make_company, register_client, state):
    company = make_company()
    kari, kristin = {"national_id": dnr(0)}, {"national_id": dnr(1)}
    kari_letter = _invite(company, kari, state, name="Kari Åkesson")
    run(company.client.register_relationship(kristin, "AGR-2", "2026-02", full_name="Kristin Å"))
    kristin_chip = _swedish_chip(given_names="KRISTIN", document_number="SW1111111")
    # Kristin certified first: her passport becomes her alias
    _session(register_client, _letter(state, kristin, request=True), "session-kristin")
    register_client.record_certificate(
        _record("session-kristin", kristin_chip, reviewed_by="reviewer-1")
    )
    # Kristin's chip presented on Kari's letter: never linked, and never taken over
    kari_session = _session(register_client, kari_letter, "session-kari-0")
    link = register_client.link_identity(kari_session, kristin_chip)
    assert (link.outcome, link.reasons) == ("review", ["document_of_other_person"])
    with pytest.raises(CertificateRecordError) as refused:
        register_client.record_certificate(
            _record(kari_session, kristin_chip, reviewed_by="reviewer-2")
        )
    assert refused.value.context["reason"] == "document_of_other_person"
    assert _status(company, kari)["state"] == "no_certificate"
    assert _persons(state) == 2


def test_the_persons_report_finds_disclosures_under_every_identifier(
    make_company, register_client, state
):
    by_dnr, by_passport = make_company("payer-a"), make_company("payer-b")
    person = {"national_id": dnr()}
    session_reference = _session(register_client, _invite(by_dnr, person, state))
    register_client.record_certificate(_record(session_reference, _swedish_chip()))
    run(by_passport.client.register_relationship(PASSPORT, "AGR-9", "2026-02"))
    _status(by_dnr, person)
    _status(by_passport, PASSPORT)
    with state.unit_of_work() as session:
        report = person_report(session, _pid(PASSPORT), state.settings.secret.get_secret_value())
    assert report is not None
    assert report["person"] == person
    assert report["document_aliases"] == [PASSPORT | {"document_type": "P"}]
    assert sorted(d["company"] for d in report["disclosures"]) == ["payer-a AS", "payer-b AS"]


def test_a_manual_certificate_answers_an_objection_and_fulfils_requests(
    make_company, register_client, state
):
    company = make_company()
    person = {"national_id": nid(0)}
    run(company.client.register_relationship(person, "AGR-1", "2026-02"))
    with state.unit_of_work() as session:
        assert record_objection(session, state.clock, norwegian_id(nid(0)))
    run(company.client.request_certificate(person))
    assert _status(company, person)["state"] == "objected"
    with state.unit_of_work() as session:
        receipt = record_manual_certificate(
            session,
            state.clock,
            norwegian_id(nid(0)),
            certified_on=date(2026, 3, 12),
            paper_reference="NAV-2026-000123",
            recorded_by="operator-1",
            kind="paper",
            secret=state.settings.secret.get_secret_value(),
        )
    assert receipt.fulfilled_requests == 1
    status = _status(company, person)
    assert status["state"] == "certified"
    assert status["last_certificate"]["method"] == "manual"
    assert status["last_certificate"]["document_type"] == "paper"
    assert status["outstanding_request"] is None
    assert status["objection"]["instruction"] == "use_manual_certificate"
    with state.unit_of_work() as session:
        report = person_report(
            session, norwegian_id(nid(0)), state.settings.secret.get_secret_value()
        )
    assert report is not None
    assert report["certificates"][0]["paper_reference"] == "NAV-2026-000123"


def test_a_manual_certificate_needs_a_reference_an_operator_and_a_known_person(state):
    bad = [
        {"paper_reference": " "},
        {"recorded_by": ""},
        {"kind": "telepathy"},
        {"certified_on": date(2027, 1, 1)},
    ]
    for override in bad:
        fields = {
            "certified_on": date(2026, 3, 12),
            "paper_reference": "NAV-1",
            "recorded_by": "operator-1",
            "kind": "paper",
        } | override
        with pytest.raises(CertificateRecordError), state.unit_of_work() as session:
            record_manual_certificate(
                session, state.clock, norwegian_id(nid(5)), secret="s", **fields
            )
    with pytest.raises(CertificateRecordError), state.unit_of_work() as session:
        record_manual_certificate(
            session,
            state.clock,
            norwegian_id(nid(5)),
            certified_on=date(2026, 3, 12),
            paper_reference="NAV-1",
            recorded_by="operator-1",
            secret="s",
        )


ODD_HOLDERS = [
    _swedish_chip(surname="A\u030aKESSON", given_names="MA\u0308RTA INGRID"),  # combining marks
    _swedish_chip(surname="\u0410KESSON"),  # a Cyrillic look-alike A
    _swedish_chip(surname="\u0391\u039a\u0395SSON"),  # Greek capitals
    _swedish_chip(given_names=""),  # no given names
    _swedish_chip(surname="X" * 200, given_names="Y" * 200),  # 200-character names
    _swedish_chip(birth_date="5506<<"),  # day unknown in the MRZ
    _swedish_chip(birth_date="55<<<<"),  # month and day unknown
    _swedish_chip(birth_date="1955-XX-XX"),  # a national document's unknown parts
    _swedish_chip(birth_date=None),
]


@pytest.mark.parametrize("holder", ODD_HOLDERS, ids=range(len(ODD_HOLDERS)))
def test_odd_names_and_dates_get_a_clear_decision_and_never_a_second_person(
    make_company, register_client, state, holder
):
    company = make_company()
    person = {"national_id": dnr()}
    session_reference = _session(register_client, _invite(company, person, state))
    link = register_client.link_identity(session_reference, holder)
    assert link.outcome in {"link", "review"}
    record = _record(session_reference, holder, birth_date=None)
    if link.outcome == "review":
        with pytest.raises(CertificateRecordError):
            register_client.record_certificate(record)
        record = record.model_copy(update={"reviewed_by": "reviewer-1"})
    assert register_client.record_certificate(record).created
    assert _persons(state) == 1
    assert _status(company, person)["state"] == "certified"
