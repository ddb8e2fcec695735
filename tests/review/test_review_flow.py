"""End to end with the mobile API and the worker: a session the pipeline sends to review
appears in the queue, a reviewer decides it in the console, the register and the
pensioner's status follow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import Harness, StubPipeline, SyncClient, auth, certificates
from review_helpers import Console
from sqlalchemy import Engine

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
