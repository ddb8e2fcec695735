"""Rights requests (issue 13, item 4): the pensioner files an objection, a rectification or
a restriction from "my data"; each is a case in the ops console with the one-month answer
deadline of GDPR art. 12(3) and an audit trail; the answer appears on the pensioner's page.
On SQLite and PostgreSQL (the review fixtures)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from api_helpers import BIRTH, Harness, StubPipeline, SyncClient, invite
from review_helpers import Console
from sqlalchemy import Engine, select, text

from leveattest.api.app import create_app
from leveattest.core.clock import FixedClock
from leveattest.core.settings import Settings
from leveattest.pensioner.app import PensionerSettings, create_pensioner_app
from leveattest.review.app import create_review_app
from leveattest.review.models import StaffAccount
from leveattest.review.settings import ReviewSettings
from leveattest.sessions import rights
from leveattest.sessions.models import RightsRequest, RightsRequestEvent
from leveattest.sessions.retention import run_retention
from leveattest.sessions.settings import SessionSettings
from register.client import InProcessRegisterClient
from register.db.engine import make_session_factory as make_register_sessions
from register.invitation_view import RegisterRequesters


@pytest.fixture
def desk(
    engine: Engine,
    tmp_path: Path,
    clock: FixedClock,
    register_client: InProcessRegisterClient,
    review_settings: ReviewSettings,
) -> Iterator[tuple[Harness, Console, SyncClient]]:
    api = create_app(
        Settings(data={"var_dir": tmp_path / "var"}),  # type: ignore[arg-type]
        clock=clock,
        register_client=register_client,
        session_settings=SessionSettings(),
        engine=engine,
    )
    ctx = api.state.sessions
    client = SyncClient(api)
    harness = Harness(client, ctx, clock, register_client, StubPipeline())
    pages = create_pensioner_app(
        ctx,
        RegisterRequesters(make_register_sessions(register_client.engine)),  # type: ignore[attr-defined]
        PensionerSettings(cookie_secure=False, access_minutes=120),
    )
    browser = SyncClient(pages)
    browser.pages = pages  # type: ignore[attr-defined]  # for a second browser
    ops = create_review_app(ctx, review_settings)
    with Console(ops, ctx, clock, register_client, review_settings) as console:
        yield harness, console, browser
    browser.close()
    client.close()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 3, 16), date(2026, 4, 16)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 5, 31), date(2026, 6, 30)),
    ],
)
def test_the_answer_is_due_one_month_after_receipt(received, due):
    assert rights.one_month_after(received) == due


def test_a_request_is_a_case_with_a_deadline_a_trail_and_sealed_words(desk):
    harness, _console, _browser = desk
    ctx = harness.ctx
    with ctx.unit_of_work() as db:
        case = rights.file_request(
            db, ctx, "REFERENCE00001", "rectification", details=" Navn: Åse ", language="nb"
        )
    assert (case.state, case.due_on, case.details) == ("open", date(2026, 4, 16), "Navn: Åse")
    with ctx.unit_of_work() as db:
        row = db.get(RightsRequest, case.id)
        assert row is not None
        assert "Åse".encode() not in (row.details_sealed or b"")
        assert row.reference_key != "REFERENCE00001"
        with pytest.raises(rights.RightsRequestError):
            rights.file_request(db, ctx, "REFERENCE00001", "deletion", details="", language="nb")
    harness.clock.advance(timedelta(days=32))
    with ctx.unit_of_work() as db:
        (item,) = rights.rights_queue(db, harness.clock.today())
        assert item.overdue
        viewed = rights.view_request(db, ctx, case.id, "ops:a1")
        answered = rights.answer_request(db, ctx, case.id, "ops:a1", "Rettet.")
        with pytest.raises(rights.RightsRequestError):
            rights.answer_request(db, ctx, case.id, "ops:a1", "Again")
    assert [action for _at, _actor, action in viewed.trail] == ["received", "viewed"]
    assert answered.answer == "Rettet."
    with ctx.unit_of_work() as db:
        (mine,) = rights.requests_of(db, ctx, "REFERENCE00001")
        assert rights.requests_of(db, ctx, "REFERENCE00002") == []
        assert (mine.state, mine.answer) == ("answered", "Rettet.")
        assert not rights.rights_queue(db, harness.clock.today())[0].overdue


def test_an_objection_from_my_data_is_answered_in_the_console_and_shown_to_the_pensioner(desk):
    harness, console, browser = desk
    reference = invite(harness.register, 0)
    proven = browser.post(
        f"/i/{reference}/mydata",
        data={"day": str(BIRTH.day), "month": str(BIRTH.month), "year": str(BIRTH.year)},
    )
    assert proven.status_code == 303
    none_chosen = browser.post(f"/i/{reference}/mydata/requests?lang=en", data={"details": "x"})
    assert none_chosen.status_code == 400
    assert "Please choose what you want" in _text(none_chosen.text)
    sent = browser.post(
        f"/i/{reference}/mydata/requests?lang=en",
        data={"kind": "objection", "details": '<b onmouseover="x">Ring meg</b>'},
    )
    assert sent.status_code == 200
    assert "We answer here by April 16, 2026 at the latest" in _text(sent.text)
    assert "<b onmouseover" not in sent.text
    assert "&lt;b onmouseover=&#34;x&#34;&gt;Ring meg&lt;/b&gt;" in sent.text

    # another browser without the proof cannot file one
    stranger = SyncClient(browser.pages)  # type: ignore[attr-defined]
    try:
        refused = stranger.post(f"/i/{reference}/mydata/requests", data={"kind": "objection"})
        assert refused.status_code == 303
    finally:
        stranger.close()

    rita = console.signed_in(console.add_user("rita", "reviewer"))
    assert rita.get("/ops/rights").status_code == 403
    sonja = console.signed_in(console.add_user("sonja", "senior_reviewer"))
    listing = sonja.get("/ops/rights")
    assert 'data-testid="nav-rights"' in listing.text
    request_id = re.search(r'data-request="([0-9a-f]{32})"', listing.text)
    assert request_id is not None
    assert "Ring meg" not in listing.text  # the list holds no personal data
    case_url = f"/ops/rights/{request_id.group(1)}"
    page = sonja.get(case_url)
    assert 'data-testid="rights-kind">objection<' in page.text
    assert "2026-04-16" in page.text
    assert "&lt;b onmouseover" in page.text
    posted = console.post(
        sonja,
        f"{case_url}/answer",
        csrf=console.csrf(sonja, case_url),
        answer="Innsigelsen er registrert. Du får et papirskjema i posten.",
    )
    assert posted.status_code == 303
    done = sonja.get(case_url)
    assert 'data-testid="rights-answered"' in done.text
    trail = re.findall(
        r'<tr data-testid="trail-row"><td>[^<]*</td><td>([^<]*)</td><td>(\w+)', done.text
    )
    assert [action for _actor, action in trail] == [
        "received",
        "viewed",
        "viewed",
        "answered",
        "viewed",
    ]
    assert trail[0][0] == "pensioner"
    assert [e.action for e in console.audit() if e.action.startswith("ops:rights")] == [
        "ops:rights:list",
        "ops:rights:list",
        "ops:rights:view",
        "ops:rights:view",
        "ops:rights:answer",
        "ops:rights:view",
    ]

    shown = browser.get(f"/i/{reference}/mydata/report?lang=nb")
    text = _text(shown.text)
    assert "Svaret vårt" in text
    assert "Innsigelsen er registrert. Du får et papirskjema i posten." in text
    with harness.ctx.unit_of_work() as db:
        states = db.scalars(select(RightsRequest.state)).all()
    assert states == ["answered"]


def test_the_clock_decides_overdue_in_the_console(desk):
    harness, console, _browser = desk
    with harness.ctx.unit_of_work() as db:
        rights.file_request(
            db, harness.ctx, "REFERENCE00003", "restriction", details="", language="de"
        )
    harness.clock.set(datetime(2026, 4, 17, 9, 0, tzinfo=UTC))
    olga = console.signed_in(console.add_user("olga", "register_operator"))
    listing = olga.get("/ops/rights")
    assert 'data-testid="rights-overdue"' in listing.text


def test_a_register_operator_records_an_objection_and_the_letter_still_opens_my_data(desk):
    harness, console, browser = desk
    company_person = invite(harness.register, 1)
    browser.post(
        f"/i/{company_person}/mydata",
        data={"day": str(BIRTH.day), "month": str(BIRTH.month), "year": str(BIRTH.year)},
    )
    browser.post(f"/i/{company_person}/mydata/requests", data={"kind": "objection"})
    browser.post(f"/i/{company_person}/mydata/requests", data={"kind": "restriction"})
    with harness.ctx.unit_of_work() as db:
        kinds = {r.kind: r.id for r in db.scalars(select(RightsRequest)).all()}
    sonja = console.signed_in(console.add_user("sonja", "senior_reviewer"))
    case_url = f"/ops/rights/{kinds['objection']}"
    assert 'data-testid="objection-form"' not in sonja.get(case_url).text
    refused = console.post(sonja, f"{case_url}/objection", csrf=console.csrf(sonja, case_url))
    assert refused.status_code == 403
    olga = console.signed_in(console.add_user("olga", "register_operator"))
    assert 'data-testid="objection-form"' in olga.get(case_url).text
    done = console.post(olga, f"{case_url}/objection", csrf=console.csrf(olga, case_url))
    assert done.status_code == 303
    page = olga.get(case_url).text
    assert 'data-testid="objection-recorded"' in page
    assert "objection_recorded" in page  # in the trail
    again = console.post(olga, f"{case_url}/objection", csrf=console.csrf(olga, case_url))
    assert again.status_code == 422  # once
    restriction = f"/ops/rights/{kinds['restriction']}"
    not_objection = console.post(
        olga, f"{restriction}/objection", csrf=console.csrf(olga, restriction)
    )
    assert not_objection.status_code == 422
    with harness.register.engine.connect() as conn:  # type: ignore[attr-defined]
        objected = conn.execute(text("SELECT objected_at, full_name FROM persons")).one()
        audited = conn.execute(
            text("SELECT detail FROM audit_events WHERE action = :a"),
            {"a": "operator:person:objection_recorded"},
        ).scalar_one()
    assert objected[0] is not None
    assert objected[1] is None
    assert f"ops:{olga_id(console, 'olga')}" in audited
    # the letter still opens "my data": the report says objected, the requests are listed
    report = browser.get(f"/i/{company_person}/mydata/report.json")
    assert report.status_code == 200
    assert json.loads(report.text)["register"]["objected_at"] is not None


def olga_id(console: Console, username: str) -> str:
    with console.ctx.unit_of_work() as db:
        return db.scalars(select(StaffAccount.id).where(StaffAccount.username == username)).one()


def test_answered_requests_go_with_the_retention_job_after_18_months(desk):
    harness, _console, _browser = desk
    ctx = harness.ctx
    with ctx.unit_of_work() as db:
        answered = rights.file_request(
            db, ctx, "REFERENCE00004", "rectification", details="x", language="nb"
        )
        rights.answer_request(db, ctx, answered.id, "ops:a1", "Done.")
        still_open = rights.file_request(
            db, ctx, "REFERENCE00004", "restriction", details="", language="nb"
        )
    harness.clock.advance(timedelta(days=ctx.session_settings.session_record_days - 1))
    assert run_retention(ctx).rights_requests_deleted == 0
    harness.clock.advance(timedelta(days=2))
    assert run_retention(ctx).rights_requests_deleted == 1
    with ctx.unit_of_work() as db:
        assert [r.id for r in rights.requests_of(db, ctx, "REFERENCE00004")] == [still_open.id]
        assert db.scalars(select(RightsRequestEvent.request_id)).all() == [still_open.id]
