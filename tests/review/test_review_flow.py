"""End to end with the mobile API and the worker: a session the pipeline sends to review
appears in the queue, a reviewer decides it in the console, the register and the
pensioner's status follow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import Harness, StubPipeline, SyncClient, auth, certificates, facts, invite, nid
from review_helpers import Console
from sqlalchemy import Engine, text

from leveattest.api.app import create_app
from leveattest.core.clock import FixedClock
from leveattest.core.settings import Settings
from leveattest.pipeline.outcome import Decision
from leveattest.review.app import create_review_app
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.settings import SessionSettings
from register.client import InProcessRegisterClient


@pytest.fixture
def flow(
    engine: Engine,
    tmp_path: Path,
    clock: FixedClock,
    register_client: InProcessRegisterClient,
    review_settings: ReviewSettings,
) -> Iterator[tuple[Harness, Console]]:
    api = create_app(
        Settings(data={"var_dir": tmp_path / "var"}),  # type: ignore[arg-type]
        clock=clock,
        register_client=register_client,
        session_settings=SessionSettings(),
        engine=engine,
    )
    ctx = api.state.sessions
    client = SyncClient(api)
    harness = Harness(client, ctx, clock, register_client, StubPipeline(Decision.REVIEW))
    ops = create_review_app(ctx, review_settings)
    with Console(ops, ctx, clock, register_client, review_settings) as console:
        yield harness, console
    client.close()


def _to_review(harness: Harness) -> tuple[str, dict[str, str]]:
    started = harness.ready()
    sid, headers = started["session_id"], auth(started)
    assert harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers).status_code == 202
    assert harness.run_worker() == "needs_review"
    return sid, headers


def test_a_review_case_is_decided_in_the_console_and_reaches_the_register(flow):
    harness, console = flow
    sid, headers = _to_review(harness)
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    queue = rita.get("/ops/queue")
    assert f'data-reference="{sid}"' in queue.text
    assert console.claim(rita, sid).status_code == 303
    page = rita.get(f"/ops/cases/{sid}")
    assert page.status_code == 200
    assert 'data-testid="case-image-selfie"' in page.text
    done = console.post(rita, f"/ops/cases/{sid}/approve")
    assert 'data-outcome="approved"' in done.text
    assert certificates(harness.register) == [(sid, "leveattest-app")]
    status = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()
    assert status["status"] == "approved"
    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()
    assert privacy["held"] == []


def test_a_retry_asked_in_the_console_reaches_the_pensioner(flow):
    harness, console = flow
    sid, headers = _to_review(harness)
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    console.claim(rita, sid)
    advice = "Please hold the passport still on the back of the phone."
    console.post(rita, f"/ops/cases/{sid}/retry", advice=advice)
    status = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()
    assert status["status"] == "retry_requested"
    assert status["advice"] == [advice]
    retry = harness.client.post(f"/v1/sessions/{sid}/retry", headers=headers)
    assert retry.status_code in {200, 201}, retry.text
    assert retry.json()["attempt"] == 2


def _name_the_invited_person(register: InProcessRegisterClient, full_name: str) -> None:
    with register.engine.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text("UPDATE persons SET full_name = :name"), {"name": full_name})
        conn.commit()


def test_a_near_identity_match_shows_register_and_chip_side_by_side_and_approval_links(flow):
    """The chip's holder has another surname than the register holds (married since): the
    case waits for a reviewer with the differences highlighted; approval records the
    certificate on the invited person, and her Swedish passport becomes an alias."""
    harness, console = flow
    harness.pipeline.decision = Decision.APPROVE
    harness.pipeline.document = facts(0).model_copy(
        update={
            "issuing_state": "SWE",
            "nationality": "SWE",
            "surname": "HANSEN",
            "national_id": None,
            "national_id_kind": None,
            "foreign_id": "SW7654321",
            "document_number": "SW7654321",
        }
    )
    started = harness.start()
    _name_the_invited_person(harness.register, "Kari Nordmann")
    harness.consent(started)
    harness.upload_all(started)
    sid = started["session_id"]
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))
    assert harness.run_worker() == "needs_review"
    status = harness.client.get(f"/v1/sessions/{sid}", headers=auth(started)).json()
    assert "identity_partial_match" in status["reasons"]
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    console.claim(rita, sid)
    page = rita.get(f"/ops/cases/{sid}").text
    assert 'data-testid="identity-comparison"' in page
    assert "Kari Nordmann" in page
    assert "KARI HANSEN" in page
    assert page.count('class="mrz-differs identity-differs"') == 1  # the name, not the date
    done = console.post(rita, f"/ops/cases/{sid}/approve")
    assert 'data-outcome="approved"' in done.text
    with harness.register.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.execute(text("SELECT count(*) FROM persons")).scalar_one() == 1
        aliases = conn.execute(text("SELECT id_state, id_value FROM person_aliases")).all()
    assert [tuple(a) for a in aliases] == [("SWE", "SW7654321")]


def test_only_a_register_operator_records_a_manual_certificate(flow):
    harness, console = flow
    invite(harness.register)  # the register knows the person (a yearly request)
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    assert rita.get("/ops/register/manual").status_code == 403
    operator = console.add_user("olga", "register_operator")
    olga = console.signed_in(operator)
    form = olga.get("/ops/register/manual")
    assert form.status_code == 200
    assert 'data-testid="nav-manual"' in form.text
    done = console.post(
        olga,
        "/ops/register/manual",
        csrf=console.csrf(olga, "/ops/register/manual"),
        national_id=nid(0),
        certified_on="2026-03-12",
        kind="paper",
        paper_reference="NAV-2026-42",
    )
    assert 'data-testid="manual-recorded"' in done.text
    with harness.register.engine.connect() as conn:  # type: ignore[attr-defined]
        row = conn.execute(
            text("SELECT method, paper_reference, recorded_by FROM certificates")
        ).one()
        open_requests = conn.execute(
            text("SELECT count(*) FROM certificate_requests WHERE fulfilled_at IS NULL")
        ).scalar_one()
    assert (row[0], row[1]) == ("manual", "NAV-2026-42")
    assert row[2] == f"ops:{operator.account_id}"  # who recorded it
    assert open_requests == 0  # requests are fulfilled like by any certificate
