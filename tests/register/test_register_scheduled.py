"""The register's scheduled jobs do their work once even when two workers run them at the
same moment (PostgreSQL row locks, SQLite's single writer)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from register_testkit import nid
from sqlalchemy import select

from register.db.models import CertificateRequest, ChangeEvent
from register.identity import norwegian_id
from register.persons import get_or_create_person
from register.requests import create_request
from register.scheduled import DirectoryLetterBox, pass_deadlines, send_reminders

T = TypeVar("T")


def _twice_at_once(work: Callable[[], T]) -> list[T]:
    """Run ``work`` on two threads released together; both results."""
    barrier, results, errors = threading.Barrier(2), [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def _requested(state, count: int) -> None:
    with state.unit_of_work() as session:
        for index in range(count):
            person = get_or_create_person(
                session, state.clock, norwegian_id(nid(index), accept_synthetic=True)
            )
            create_request(session, state.clock, state.settings, person, schedule="yearly")


def test_two_workers_sending_reminders_at_once_post_each_letter_once(state, clock, tmp_path: Path):
    _requested(state, 3)
    clock.advance(timedelta(days=state.settings.reminder_interval_days))
    letters = DirectoryLetterBox(tmp_path / "letters")

    def remind() -> int:
        with state.unit_of_work() as session:
            return send_reminders(session, clock, state.settings, letters)

    assert sum(_twice_at_once(remind)) == 3  # shared out, never doubled
    assert sum(_twice_at_once(remind)) == 0  # nothing due any more
    assert len(list((tmp_path / "letters").iterdir())) == 3
    with state.unit_of_work() as session:
        assert session.scalars(select(CertificateRequest.reminders_sent)).all() == [1, 1, 1]


def test_two_workers_passing_deadlines_at_once_mark_and_announce_each_once(state, clock):
    _requested(state, 2)
    clock.advance(timedelta(days=state.settings.request_deadline_days + 1))

    def lapse() -> int:
        with state.unit_of_work() as session:
            return pass_deadlines(session, clock).requests

    assert sum(_twice_at_once(lapse)) == 2
    with state.unit_of_work() as session:
        kinds = session.scalars(select(ChangeEvent.kind)).all()
        marked = session.scalars(select(CertificateRequest.deadline_passed_at)).all()
    assert kinds.count("deadline_passed") == 2
    assert all(at is not None for at in marked)
