"""The mobile API: session creation and invitation look-ups rate-limited per address, the
request id in and out (and in the logs and problems), and ``/metrics``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from api_helpers import Harness, auth, invite
from prometheus_client import REGISTRY

from leveattest.core.logging import configure_logging
from leveattest.core.settings import MetricsSettings, RateLimitSettings, RegisterSettings, Settings

# Rate limits counted on a stopped clock: exact counts, whatever the machine's speed.
pytestmark = pytest.mark.usefixtures("rate_limit_clock")

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def limits() -> RateLimitSettings:
    return RateLimitSettings(enabled=True, sessions_per_address="100/minute")


@pytest.fixture
def settings(
    tmp_path: Path, limits: RateLimitSettings, register_settings: RegisterSettings
) -> Settings:
    return Settings(
        data={"var_dir": tmp_path / "var"},  # type: ignore[arg-type]
        register=register_settings,
        rate_limits=limits,
        metrics=MetricsSettings(token=TOKEN),  # type: ignore[arg-type]
    )


def _rate_limited(rule: str) -> float:
    return REGISTRY.get_sample_value("leveattest_rate_limited_total", {"rule": rule}) or 0.0


def _start(harness: Harness, index: int) -> object:
    reference = invite(harness.register, index)
    return harness.client.post("/v1/sessions", json={"invitation_reference": reference})


@pytest.mark.parametrize(
    ("rule", "limits"),
    [
        ("sessions_per_address", RateLimitSettings(enabled=True, sessions_per_address="2/minute")),
        (
            "invitations_per_address",
            RateLimitSettings(enabled=True, invitations_per_address="2/minute"),
        ),
    ],
)
def test_starting_sessions_and_invitation_look_ups_answer_429_per_address(
    harness: Harness, rule: str
):
    before = _rate_limited(rule)
    answers = [_start(harness, index) for index in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]  # type: ignore[attr-defined]
    refused = answers[2]
    assert refused.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert refused.json()["code"] == "rate_limited"  # type: ignore[attr-defined]
    assert int(refused.headers["retry-after"]) >= 1  # type: ignore[attr-defined]
    assert _rate_limited(rule) == before + 1


def test_a_sane_request_id_is_echoed_and_names_the_problem(harness: Harness):
    response = harness.client.post(
        "/v1/sessions", json={}, headers={"X-Request-ID": "phone-0042-abcdef"}
    )
    assert response.status_code == 422
    assert response.headers["x-request-id"] == "phone-0042-abcdef"
    assert response.json()["instance"] == "urn:leveattest:request:phone-0042-abcdef"


def test_an_insane_request_id_is_replaced_never_echoed(harness: Harness):
    response = harness.client.get("/v1/sessions/unknown", headers={"X-Request-ID": "<script>"})
    made = response.headers["x-request-id"]
    assert made != "<script>"
    assert len(made) == 32
    assert response.json()["instance"] == f"urn:leveattest:request:{made}"


def test_every_log_line_of_a_request_carries_its_request_id(harness: Harness):
    stream = io.StringIO()
    configure_logging("INFO", json_logs=True, stream=stream)
    try:
        for request_id in ("first-request-1", "second-request-2"):
            harness.client.get(
                "/v1/sessions/unknown",
                headers={"Authorization": "Bearer nothing", "X-Request-ID": request_id},
            )
    finally:
        configure_logging("INFO")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    problems = [line for line in lines if line["event"] == "api.problem"]
    assert [line["request_id"] for line in problems] == ["first-request-1", "second-request-2"]
    assert all("request_id" in line for line in lines)


def test_metrics_need_the_token(harness: Harness):
    assert harness.client.get("/metrics").status_code == 401
    wrong = harness.client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401


def test_metrics_show_queue_depth_outcomes_and_requests(harness: Harness):
    scrape = {"Authorization": f"Bearer {TOKEN}"}
    before = (
        REGISTRY.get_sample_value(
            "leveattest_outcomes_total", {"decision": "approve", "reason": "none"}
        )
        or 0.0
    )
    started = harness.ready()
    submitted = harness.client.post(
        f"/v1/sessions/{started['session_id']}/submit", headers=auth(started)
    )
    assert submitted.status_code == 202
    queued = harness.client.get("/metrics", headers=scrape)
    assert queued.status_code == 200
    assert queued.headers["content-type"].startswith("text/plain")
    assert 'leveattest_queue_jobs{state="queued"} 1.0' in queued.text
    assert "leveattest_queue_oldest_age_seconds" in queued.text
    assert 'leveattest_http_requests_total{app="api",status_class="2xx"}' in queued.text
    harness.run_worker()
    done = harness.client.get("/metrics", headers=scrape).text
    assert 'leveattest_queue_jobs{state="queued"} 0.0' in done
    after = REGISTRY.get_sample_value(
        "leveattest_outcomes_total", {"decision": "approve", "reason": "none"}
    )
    assert after == before + 1
    total = REGISTRY.get_sample_value("leveattest_stage_seconds_count", {"stage": "total"})
    assert total is None or total >= 0  # the stub pipeline reports no stage times
