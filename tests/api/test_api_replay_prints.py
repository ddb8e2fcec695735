"""The database replay index: shared by workers, scoped per person, deleted on withdrawal.

Runs on SQLite and PostgreSQL (the ``engine`` fixture); the hashes are synthetic, the
matching is the liveness engine's own.
"""

from __future__ import annotations

from datetime import timedelta

from api_helpers import Harness, auth
from sqlalchemy import Engine, func, select

from leveattest.core.clock import FixedClock
from leveattest.face.liveness.replay import Fingerprint
from leveattest.sessions.db import make_session_factory
from leveattest.sessions.models import ReplayPrint
from leveattest.sessions.replay import DatabaseReplaySource, expire_prints

FRAMES = (0x0123456789ABCDEF, 0xFEDCBA9876543210, 0xFFFF0000FFFF0000, 0x8000000000000001)
OTHER = (0x0F0F0F0F0F0F0F0F, 0xF0F0F0F0F0F0F0F0, 0x00FF00FF00FF00FF, 0x7777777777777777)


def capture(session_id: str, hashes: tuple[int, ...] = FRAMES) -> Fingerprint:
    return Fingerprint(session_id, frame_hashes=hashes, face_hashes=hashes, selfie_hash=hashes[0])


def count(engine: Engine) -> int:
    with make_session_factory(engine)() as db:
        return int(db.scalar(select(func.count()).select_from(ReplayPrint)) or 0)


def test_a_capture_seen_before_for_the_same_person_is_found(
    engine: Engine, clock: FixedClock
) -> None:
    source = DatabaseReplaySource(make_session_factory(engine), clock)
    source.for_scope("person-a").add(capture("s1"))
    # another worker process, later: the same frames for the same person
    match = source.for_scope("person-a").find(capture("s2"), max_distance=6, min_share=0.5)
    assert match is not None
    assert (match.session_id, match.kind, match.distance) == ("s1", "frames", 0)
    # top bit set (0x80…, 0xFE…, 0xFF…) survives the round trip through hex text
    assert source.for_scope("person-a").find(capture("s3"), 0, 1.0) is not None


def test_other_people_own_session_and_new_captures_are_not_replays(
    engine: Engine, clock: FixedClock
) -> None:
    source = DatabaseReplaySource(make_session_factory(engine), clock)
    source.for_scope("person-a").add(capture("s1"))
    assert source.for_scope("person-b").find(capture("s2"), 6, 0.5) is None
    assert source.for_scope(None).find(capture("s2"), 6, 0.5) is None
    # a retried job (or a retry attempt) of the same session is not a replay of itself
    assert source.for_scope("person-a").find(capture("s1"), 6, 0.5) is None
    assert source.for_scope("person-a").find(capture("s2", OTHER), 6, 0.5) is None


def test_prints_expire_after_their_retention(engine: Engine, clock: FixedClock) -> None:
    sessions = make_session_factory(engine)
    DatabaseReplaySource(sessions, clock).for_scope("person-a").add(capture("s1"))
    later = FixedClock(clock.now() + timedelta(days=401))
    with sessions() as db, db.begin():
        assert expire_prints(db, clock, 400) == 0
    with sessions() as db, db.begin():
        assert expire_prints(db, later, 400) == 1
    assert count(engine) == 0


def test_withdrawal_deletes_the_sessions_prints_with_a_receipt(
    engine: Engine, harness: Harness
) -> None:
    started = harness.start()
    harness.consent(started)
    sid = started["session_id"]
    source = DatabaseReplaySource(harness.ctx.sessions, harness.clock)
    source.for_scope("person-a").add(capture(sid))
    source.for_scope("person-a").add(capture("someone-else", OTHER))
    view = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=auth(started)).json()
    assert {"category": "replay_hashes", "count": 1, "bytes": 0} in view["held"]
    response = harness.client.delete(f"/v1/sessions/{sid}/consent", headers=auth(started))
    assert response.status_code == 200, response.text
    items = {item["category"]: item["count"] for item in response.json()["items"]}
    assert items["replay_prints"] == 1
    assert count(engine) == 1  # only the other session's print is left
