"""Rate limits on the token endpoint and relationship registration, the relationship-volume
anomaly check, request ids and the register's metrics."""

from __future__ import annotations

import json
import secrets
import socket
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from register_testkit import BASE_URL, person, run
from sqlalchemy import Engine, select

from leveattest.core.clock import FixedClock
from leveattest.core.settings import AnomalySettings, MetricsSettings, RateLimitSettings
from register.anomaly import ANOMALY_ACTION
from register.api import create_register_app
from register.db.models import AuditEvent
from register.keys import RegisterKeys
from register.settings import RegisterSettings

# Rate limits counted on a stopped clock: exact counts, whatever the machine's speed.
pytestmark = pytest.mark.usefixtures("rate_limit_clock")

LIMITS = RateLimitSettings(
    enabled=True,
    register_token_per_address="4/minute",
    register_token_per_client="2/minute",
    register_relationships_per_client="3/minute",
)


@pytest.fixture
def limits() -> RateLimitSettings:
    return LIMITS


@pytest.fixture
def app(
    engine: Engine,
    settings: RegisterSettings,
    clock: FixedClock,
    keys: RegisterKeys,
    limits: RateLimitSettings,
) -> Any:
    return create_register_app(
        settings,
        clock,
        keys=keys,
        engine=engine,
        rate_limits=limits,
        metrics=MetricsSettings(token="scrape-me"),
        anomaly=AnomalySettings(factor=2.0, min_daily_baseline=1.0, baseline_days=2),
    )


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= 60


def _audit(state: Any, action: str) -> list[AuditEvent]:
    with state.unit_of_work() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_token_endpoint_answers_429_per_client_once_its_tokens_are_spent(make_company):
    handle = make_company()
    before = _sample("leveattest_rate_limited_total", {"rule": "register_token_per_client"})
    answers = [run(handle.client.request_token("register.read")) for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    _assert_rate_limited(answers[2])
    after = _sample("leveattest_rate_limited_total", {"rule": "register_token_per_client"})
    assert after == before + 1


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.parametrize(
    "limits",
    [
        RateLimitSettings(
            enabled=True,
            storage_uri="redis://127.0.0.1:6379/0",
            register_token_per_client="2/minute",
        )
    ],
)
def test_the_token_limit_holds_with_the_counts_in_redis(make_company):
    handle = make_company(f"pension-{secrets.token_hex(6)}")  # keys of this run only
    answers = [run(handle.client.request_token("register.read")) for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    _assert_rate_limited(answers[2])


def test_another_client_keeps_its_own_token_budget(make_company):
    first, second = make_company("pension-a"), make_company("pension-b")
    for _ in range(2):
        assert run(first.client.request_token("register.read")).status_code == 200
    _assert_rate_limited(run(first.client.request_token("register.read")))
    assert run(second.client.request_token("register.read")).status_code == 200


def test_the_token_endpoint_answers_429_per_address_before_any_work(app):
    garbage = {"grant_type": "client_credentials", "client_assertion": "not.a.jwt"}

    async def attempts() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
            return [await http.post(f"{BASE_URL}/oauth/token", data=garbage) for _ in range(5)]

    answers = run(attempts())
    assert [a.status_code for a in answers[:4]] == [400] * 4
    _assert_rate_limited(answers[4])


def test_relationship_registration_answers_429_per_client(make_company):
    handle = make_company()
    for index in range(3):
        run(handle.client.register_relationship(person(index), f"AGR-{index}", "2026-02"))
    statement = handle.client.payment_statement(person(3), "AGR-3", "2026-02")

    async def fourth() -> httpx.Response:
        return await handle.client._call(
            "POST", "/relationships", "register.relationships", json={"statement": statement}
        )

    _assert_rate_limited(run(fourth()))


@pytest.mark.parametrize("limits", [RateLimitSettings(enabled=False)])
def test_a_company_registering_far_more_than_its_normal_day_is_flagged_once(
    make_company, state, clock: FixedClock
):
    handle = make_company()
    before = _sample("leveattest_register_relationship_anomalies_total", {})
    # its normal day: 2 new relationships over the 2 days before (baseline 1 a day, factor 2)
    clock.advance(timedelta(days=-1))
    run(handle.client.register_relationship(person(0), "AGR-0", "2026-02"))
    run(handle.client.register_relationship(person(1), "AGR-1", "2026-02"))
    clock.advance(timedelta(days=1))
    assert _audit(state, ANOMALY_ACTION) == []
    # today: 2 new ones are within 2x, renewals do not count, the 3rd new one is flagged
    run(handle.client.register_relationship(person(2), "AGR-2", "2026-02"))
    run(handle.client.register_relationship(person(2), "AGR-2", "2026-03"))
    assert _audit(state, ANOMALY_ACTION) == []
    run(handle.client.register_relationship(person(3), "AGR-3", "2026-02"))
    run(handle.client.register_relationship(person(4), "AGR-4", "2026-02"))
    flagged = _audit(state, ANOMALY_ACTION)
    assert len(flagged) == 1
    assert flagged[0].client_id == handle.client_id
    assert json.loads(flagged[0].detail or "{}")["today"] == 3
    after = _sample("leveattest_register_relationship_anomalies_total", {})
    assert after == before + 1


def test_register_answers_carry_a_request_id_and_problems_name_it(app):
    async def calls() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
            given = await http.get(
                f"{BASE_URL}/changes", headers={"X-Request-ID": "company-trace-0001"}
            )
            made = await http.get(f"{BASE_URL}/changes")
            return given, made

    given, made = run(calls())
    assert given.status_code == 401
    assert given.headers["x-request-id"] == "company-trace-0001"
    assert given.json()["instance"] == "urn:leveattest:request:company-trace-0001"
    assert len(made.headers["x-request-id"]) == 32
    assert made.json()["instance"].endswith(made.headers["x-request-id"])


def test_register_metrics_need_the_token_and_count_refusals_by_code(app):
    async def calls() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
            await http.get(f"{BASE_URL}/changes")  # no token: refused
            anonymous = await http.get("http://register.test/metrics")
            scraped = await http.get(
                "http://register.test/metrics", headers={"Authorization": "Bearer scrape-me"}
            )
            return anonymous, scraped

    anonymous, scraped = run(calls())
    assert anonymous.status_code == 401
    assert scraped.status_code == 200
    assert 'leveattest_register_refusals_total{code="register_invalid_token"}' in scraped.text
    assert 'leveattest_http_requests_total{app="register",status_class="4xx"}' in scraped.text
