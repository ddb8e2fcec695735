"""The batch lookup (``register.status_sql``): a chunk of identifiers answers exactly as
the single status does for each person, and on PostgreSQL it is a nested loop of index
lookups by identity, never a scan of the whole register (issue 15: a chunk of 20,000
numbers got a parallel sequential scan of persons, 744 ms at 2 M persons)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from itertools import islice

import pytest
from sqlalchemy import Connection, Engine, select, text

from register import statuses
from register.auth import AccessContext
from register.db.models import Company
from register.identity import norwegian_id
from register.queries import _status_row
from register.status_sql import _identity_query, disclosable_statuses, split_status
from register.synthetic import load_synthetic, synthetic_ids


def _load(engine: Engine, tmp_path, persons: int) -> AccessContext:
    load_synthetic(engine, persons=persons, related=persons * 4 // 5, key_out=tmp_path)
    with engine.connect() as conn:
        company_id = conn.scalar(select(Company.id).where(Company.client_id == "bench-pension"))
    return AccessContext("bench-pension", company_id, frozenset())


def _single_statuses(conn: Connection, ctx: AccessContext, pids, today) -> dict:
    """What the single status discloses, person by person (the reference)."""
    found = {}
    for pid in pids:
        row = _status_row(conn, ctx, pid, today)
        if row[1] is not None:
            rel, status = split_status(row[1], row[2], row[3:])
            if rel is not None:
                found[pid.ref] = (rel, status)
    return found


def test_batch_lookup_answers_as_the_single_status_for_every_person(engine, tmp_path, monkeypatch):
    ctx = _load(engine, tmp_path, 300)
    now = datetime.now(UTC)
    with engine.begin() as conn:  # objections and passed deadlines change what is disclosed
        conn.execute(text("UPDATE persons SET objected_at = :now WHERE id % 7 = 0"), {"now": now})
        conn.execute(
            text("UPDATE certificate_requests SET deadline_passed_at = :now WHERE id % 2 = 0"),
            {"now": now},
        )
    # the 300 registered numbers, 20 unknown ones, some asked for twice, in no order
    values = [value for value, _birth in islice(synthetic_ids(320), 320)]
    pids = [norwegian_id(value, accept_synthetic=True) for value in values + values[::9]]
    random.Random(15).shuffle(pids)
    monkeypatch.setattr(statuses, "ARRAY_CHUNK", 7)  # many chunks on either backend
    monkeypatch.setattr(statuses, "CHUNK", 7)
    today = now.date()
    with engine.connect() as conn:
        batch = disclosable_statuses(conn, ctx.company_id, pids, today)
        single = _single_statuses(conn, ctx, set(pids), today)
    assert len(single) == 240  # the related persons, the objectors among them
    assert batch == single
    assert {status["state"] for _rel, status in batch.values()} >= {"certified", "objected"}


def test_a_batch_chunk_is_index_lookups_not_a_scan_of_the_register(engine, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    ctx = _load(engine, tmp_path, 20_000)  # analyzed by the loader
    with engine.connect() as conn:
        members = conn.scalars(
            text(
                "SELECT p.id_value FROM persons p JOIN pension_relationships r "
                "ON r.person_id = p.id ORDER BY r.id LIMIT 5000"
            )
        ).all()
        query = _identity_query(lateral=True, by_alias=False).compile(dialect=engine.dialect)
        params = {
            "company_id": ctx.company_id,
            "today": datetime.now(UTC).date(),
            "scheme": "no",
            "state": "NOR",
            "members": sorted(members),
        }
        plan = "\n".join(
            conn.exec_driver_sql("EXPLAIN " + str(query), query.construct_params(params))
            .scalars()
            .all()
        )
    # a quarter of the register asked for: = ANY(:members) planned a scan of persons here
    assert "Scan on persons" not in plan.replace("Index Scan", "")
    assert "Index Scan using uq_persons_identity on persons" in plan
