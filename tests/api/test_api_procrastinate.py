"""procrastinate on PostgreSQL: transactional deferral, a real worker, stalled-job recovery."""

from __future__ import annotations

import asyncio

import pytest
from api_helpers import Harness, auth, certificates, later
from sqlalchemy import Engine, text

from leveattest.jobs.procrastinate_engine import QUEUE, ProcrastinateEngine, ProcrastinateJobQueue
from leveattest.jobs.queue import claim
from leveattest.jobs.sweep import sweep_stuck_sessions


@pytest.fixture
def pg(harness: Harness, engine: Engine) -> ProcrastinateEngine:
    if engine.dialect.name != "postgresql":
        pytest.skip("procrastinate runs on PostgreSQL only")
    assert isinstance(harness.ctx.queue, ProcrastinateJobQueue)
    procrastinate = harness.ctx.queue.engine
    procrastinate.bind(harness.ctx, harness.pipeline)
    return procrastinate


def _procrastinate_jobs(engine: Engine) -> list[tuple[str, str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT task_name, status, args FROM procrastinate_jobs ORDER BY id")
        ).all()
    return [(r[0], r[1], r[2]) for r in rows if r[0] == "leveattest.analyse_session"]


def _run_worker(procrastinate: ProcrastinateEngine) -> None:
    procrastinate.run_until_idle()


def test_submit_defers_one_procrastinate_job_in_the_same_transaction(
    harness: Harness, engine: Engine, pg: ProcrastinateEngine
):
    started = harness.ready()
    sid = started["session_id"]
    for _ in range(3):
        harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))
    [(_task, status, args)] = _procrastinate_jobs(engine)
    assert (status, args) == ("todo", {"session_id": sid, "attempt": 1})

    _run_worker(pg)
    assert _procrastinate_jobs(engine)[0][1] == "succeeded"
    status = harness.client.get(f"/v1/sessions/{sid}", headers=auth(started)).json()
    assert status["status"] == "approved"
    assert certificates(harness.register) == [(sid, "leveattest-app")]


def test_an_incomplete_submit_leaves_no_procrastinate_job(
    harness: Harness, engine: Engine, pg: ProcrastinateEngine
):
    started = harness.start()
    harness.consent(started)
    response = harness.client.post(
        f"/v1/sessions/{started['session_id']}/submit", headers=auth(started)
    )
    assert response.status_code == 409
    assert _procrastinate_jobs(engine) == []


def test_a_killed_procrastinate_worker_loses_nothing(
    harness: Harness, engine: Engine, pg: ProcrastinateEngine
):
    started = harness.ready()
    sid = started["session_id"]
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))

    async def die_mid_job() -> None:
        async with pg.app.open_async():
            manager = pg.app.job_manager
            worker_id = await manager.register_worker()
            job = await manager.fetch_job(queues=[QUEUE], worker_id=worker_id)
            assert job is not None
            # the dead worker had leased the attempt, then its process was killed

    asyncio.run(die_mid_job())
    with harness.ctx.unit_of_work() as db:
        assert claim(db, harness.clock, 300, session_id=sid, attempt=1) is not None
    assert _procrastinate_jobs(engine)[0][1] == "doing"
    later(harness.clock, seconds=301)

    async def recover() -> int:
        async with pg.app.open_async():
            return await pg.retry_stalled_jobs(seconds_since_heartbeat=0)

    assert asyncio.run(recover()) == 1
    _run_worker(pg)
    assert [j[1] for j in _procrastinate_jobs(engine)] == ["succeeded"]
    assert len(harness.pipeline.seen) == 1
    assert certificates(harness.register) == [(sid, "leveattest-app")]


def test_a_job_whose_attempt_a_live_worker_holds_is_retried_not_succeeded(
    harness: Harness, engine: Engine, pg: ProcrastinateEngine
):
    started = harness.ready()
    sid = started["session_id"]
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))
    with harness.ctx.unit_of_work() as db:  # procrastinate delivered it twice: A holds it
        assert claim(db, harness.clock, 30, session_id=sid, attempt=1) is not None
    _run_worker(pg)
    # procrastinate keeps it for a retry (todo, scheduled later), never "succeeded"
    assert [j[1] for j in _procrastinate_jobs(engine)] == ["todo"]
    assert harness.pipeline.seen == []


def test_the_sweep_redelivers_a_session_procrastinate_lost(
    harness: Harness, engine: Engine, pg: ProcrastinateEngine
):
    started = harness.ready()
    sid = started["session_id"]
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))
    with engine.begin() as conn:  # the old bug: procrastinate's job ended, ours did not
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'failed'"))
    later(harness.clock, seconds=harness.ctx.session_settings.analysis_deadline_seconds + 1)
    assert sweep_stuck_sessions(harness.ctx, redeliver=pg.redeliver) == 1
    assert sweep_stuck_sessions(harness.ctx, redeliver=pg.redeliver) == 0
    _run_worker(pg)
    assert certificates(harness.register) == [(sid, "leveattest-app")]
    assert len(harness.pipeline.seen) == 1
