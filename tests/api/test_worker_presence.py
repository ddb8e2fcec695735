"""Workers say when their models are loaded; ``/readyz`` counts the live ones by state."""

from __future__ import annotations

import time

from api_helpers import Harness, later

from leveattest.jobs import presence as presence_module
from leveattest.jobs.models import WorkerPresence
from leveattest.jobs.presence import STALE_SECONDS, Presence, WorkersHealth


def _workers(harness: Harness) -> dict[str, object]:
    return harness.client.get("/readyz").json()["checks"]["workers"]


def test_a_worker_is_loading_then_ready_then_gone(harness: Harness, monkeypatch):
    monkeypatch.setattr(presence_module, "BEAT_SECONDS", 3600.0)  # beats by hand below
    assert _workers(harness)["summary"] == "workers: 0 ready"
    worker = Presence(harness.ctx.sessions, harness.clock)
    worker.announce()
    assert _workers(harness) == {
        "ok": True,
        "ready": 0,
        "loading": 1,
        "failed": 0,
        "summary": "workers: 0 ready, 1 loading",
    }
    worker.ready()
    assert _workers(harness)["summary"] == "workers: 1 ready"
    other = Presence(harness.ctx.sessions, harness.clock)
    other.announce()
    other.ready(failed=True)
    assert _workers(harness)["summary"] == "workers: 1 ready, 1 failed to load"
    other.leave()
    worker.leave()
    assert _workers(harness)["summary"] == "workers: 0 ready"


def test_a_worker_that_stops_renewing_is_not_counted_and_is_cleared_later(
    harness: Harness, monkeypatch
):
    monkeypatch.setattr(presence_module, "BEAT_SECONDS", 3600.0)
    killed = Presence(harness.ctx.sessions, harness.clock)
    killed.announce()
    killed.ready()
    later(harness.clock, seconds=STALE_SECONDS + 1)  # kill -9: no beat, no leave
    assert _workers(harness)["ready"] == 0
    later(harness.clock, seconds=10 * STALE_SECONDS)
    fresh = Presence(harness.ctx.sessions, harness.clock)
    fresh.announce()  # clears rows of workers long dead
    with harness.ctx.sessions() as db:
        assert [row.worker_id for row in db.query(WorkerPresence)] == [fresh.worker_id]
    fresh.leave()
    killed._stop.set()


def test_the_beat_renews_and_brings_a_removed_row_back(harness: Harness, monkeypatch):
    monkeypatch.setattr(presence_module, "BEAT_SECONDS", 0.01)
    worker = Presence(harness.ctx.sessions, harness.clock)
    worker.announce()
    worker.ready()
    with harness.ctx.unit_of_work() as db:
        db.query(WorkerPresence).delete()
    for _ in range(500):
        if _workers(harness)["ready"] == 1:
            break
        time.sleep(0.01)
    assert _workers(harness)["ready"] == 1
    worker.leave()


def test_summary_words():
    assert WorkersHealth(2, 0, 0).summary == "workers: 2 ready"
    assert WorkersHealth(0, 3, 1).summary == "workers: 0 ready, 3 loading, 1 failed to load"
