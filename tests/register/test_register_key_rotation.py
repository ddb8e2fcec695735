"""Rotating the register's secret (SQLite and PostgreSQL): the disclosure log's keyed
lookups made under the old secret — and under the version-0 derivation — are found with
the key ring, ``rotate_register`` moves them to the new one (resuming after a crash), and
afterwards the new secret alone finds every entry; the chain is untouched."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from sqlalchemy import Engine, select

from leveattest.core.clock import FixedClock
from leveattest.core.keys import KeyRing
from leveattest.mrz.national import make_norwegian_id
from register.db.engine import make_session_factory
from register.db.models import DisclosureEntry, PersonAlias
from register.disclosure import Disclosure, append_disclosures, subject_key, verify_chain
from register.identity import foreign_id, norwegian_id
from register.persons import get_or_create_person
from register.retention import person_report
from register.rotation import rotate_register

A = "register-secret-A-" + "a" * 32
B = "register-secret-B-" + "b" * 32


def _nids(count: int) -> list[str]:
    found: list[str] = []
    for individual in range(1, 500):
        try:
            found.append(make_norwegian_id(date(1950, 5, 17), individual))
        except ValueError:
            continue
        if len(found) == count:
            return found
    raise AssertionError("ran out of individual numbers")


NIDS = _nids(3)


class CrashError(Exception):
    """Stands for a crash in the middle of a rotation."""


def _disclosed(engine: Engine, clock: FixedClock) -> list:
    sessions = make_session_factory(engine)
    pids = [norwegian_id(value, accept_synthetic=True) for value in NIDS]
    passport = foreign_id("X1234567", "SWE")
    with sessions() as db, db.begin():
        persons = [get_or_create_person(db, clock, pid) for pid in pids]
        db.add(
            PersonAlias(
                person_id=persons[0].id,
                id_scheme=passport.scheme.value,
                id_state=passport.state,
                id_value=passport.value,
                id_kind="P",
                created_at=clock.now(),
            )
        )
        items = [Disclosure("company-1", "status", pid.ref, "ab" * 32) for pid in pids]
        items.append(Disclosure("company-1", "status", passport.ref, "cd" * 32))
        append_disclosures(db, clock, items, A)
    with sessions() as db, db.begin():
        # the last person's entry as the code before key derivation keyed it (version 0)
        legacy = hmac.new(
            ("disclosure|" + A).encode(), pids[2].ref.encode(), hashlib.sha256
        ).hexdigest()
        entry = db.scalars(
            select(DisclosureEntry).where(
                DisclosureEntry.subject_key == subject_key(A, pids[2].ref)
            )
        ).one()
        entry.subject_key = legacy
    return pids


def _found(engine: Engine, pids: list, secret: KeyRing | str) -> list[int]:
    with make_session_factory(engine)() as db:
        reports = [person_report(db, pid, secret) for pid in pids]
    return [len(report["disclosures"]) if report else -1 for report in reports]


def test_rotation_moves_every_lookup_and_then_the_new_secret_alone_finds_them(
    engine: Engine, clock: FixedClock
):
    pids = _disclosed(engine, clock)
    ring = KeyRing.from_secrets(B, [A])
    assert _found(engine, pids, ring) == [2, 1, 1]  # the first person also by their passport
    assert _found(engine, pids, B) == [0, 0, 0]

    def crash(step: str) -> None:
        raise CrashError(step)

    sessions = make_session_factory(engine)
    with pytest.raises(CrashError):
        rotate_register(sessions, ring, batch=1, progress=crash)
    # the first batch (the first person, with their alias) was committed before the crash
    assert _found(engine, pids, B) == [2, 0, 0]

    report = rotate_register(sessions, ring, batch=1)
    assert (report.persons, report.subject_keys_moved) == (3, 2)
    assert rotate_register(sessions, ring).subject_keys_moved == 0
    assert _found(engine, pids, B) == [2, 1, 1]
    assert _found(engine, pids, A) == [0, 0, 0]
    with sessions() as db:
        assert verify_chain(db).ok
