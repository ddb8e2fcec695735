"""``leveattest jobs run-scheduled --at DATE`` moves a seeded service and register through
reminders, the deadline, a yearly request and both retentions (issue 12, item 3).

The service's database is SQLite or PostgreSQL (the ``engine`` fixture) and the register's
follows it. Each step runs the command for a later date and checks what is left; each is
run twice to show it is idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_helpers import NOW, Harness, auth, facts, later, nid
from leveattest_databases import _admin_execute, postgres_url
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from leveattest.jobs.procrastinate_engine import ProcrastinateJobQueue
from leveattest.jobs.scheduled import SCHEDULE
from leveattest.jobs.worker import work
from leveattest.sessions.models import (
    NotificationOutbox,
    SessionUpload,
    StoredCheck,
    VerificationSession,
)
from register.companies import register_company
from register.db.engine import make_session_factory as make_register_sessions
from register.db.models import Certificate, CertificateRequest, Person, Relationship
from register.identity import norwegian_id
from register.persons import get_or_create_person
from register.requests import create_request
from register.settings import RegisterSettings
from register.status_sql import disclosable_statuses

DAY = timedelta(days=1)


@pytest.fixture
def register_settings(engine: Engine, tmp_path: Path) -> Iterator[RegisterSettings]:
    """The register on the service's backend: a SQLite file, or a PostgreSQL database of
    its own for this test (conftest's ``register_client`` builds on this)."""
    if engine.dialect.name != "postgresql":
        url = f"sqlite:///{tmp_path / 'register.db'}"
        yield RegisterSettings(
            database_url=url, letters_dir=tmp_path / "letters", accept_synthetic_ids=True
        )
        return
    url = postgres_url("scheduled_register")
    name = url.rsplit("/", 1)[1]
    _admin_execute(
        url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    try:
        yield RegisterSettings(
            database_url=url, letters_dir=tmp_path / "letters", accept_synthetic_ids=True
        )
    finally:
        _admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class World:
    """The seeded service and register, and the command that moves them on."""

    def __init__(self, harness: Harness, settings: RegisterSettings, monkeypatch: Any) -> None:
        self.harness, self.settings = harness, settings
        self.register = make_register_sessions(harness.register.engine)  # type: ignore[attr-defined]
        bind = harness.ctx.sessions.kw["bind"]
        monkeypatch.setenv("LEVEATTEST_DATABASE__URL", bind.url.render_as_string(False))
        monkeypatch.setenv("LEVEATTEST_DATA__VAR_DIR", str(harness.ctx.settings.data.var_dir))
        monkeypatch.setenv("LEVEATTEST_REGISTER__DATABASE_URL", settings.database_url)
        monkeypatch.setenv("LEVEATTEST_REGISTER__LETTERS_DIR", str(settings.letters_dir))
        monkeypatch.setenv("LEVEATTEST_REGISTER__ACCEPT_SYNTHETIC_IDS", "true")
        _register_commands()

    def run(self, day: date) -> dict[str, Any]:
        """``leveattest jobs run-scheduled --at DAY``, twice: the second run does nothing."""
        first = self._invoke(day)
        again = self._invoke(day)
        assert _nothing_done(again), again
        return first

    def _invoke(self, day: date) -> dict[str, Any]:
        result = CliRunner().invoke(app, ["jobs", "run-scheduled", "--at", day.isoformat()])
        assert result.exit_code == 0, result.output
        jobs: dict[str, Any] = json.loads(result.stdout)["jobs"]  # logs go to stderr
        return jobs

    def letters(self) -> list[str]:
        folder = self.settings.letters_dir
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def count(self, model: Any, **where: Any) -> int:
        sessions = self.register if model.__module__.startswith("register") else None
        factory = sessions or self.harness.ctx.sessions
        with factory() as db:
            query = select(func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return int(db.scalar(query) or 0)

    def company_sees(self, company_id: int, index: int, day: date) -> dict[str, Any] | None:
        pid = norwegian_id(nid(index), accept_synthetic=True)
        with self.register() as db:
            found = disclosable_statuses(db, company_id, [pid], day)
        return found[pid.ref][1] if pid.ref in found else None

    def status(self, started: dict[str, Any]) -> dict[str, Any]:
        response = self.harness.client.get(
            f"/v1/sessions/{started['session_id']}", headers=auth(started)
        )
        body: dict[str, Any] = response.json()
        return body


def _nothing_done(jobs: dict[str, Any]) -> bool:
    return all(
        value == 0 for report in jobs.values() for key, value in report.items() if key != "cutoff"
    )


def _seed(world: World) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Company A pays persons 0 and 1 and asks for person 0's certificate; person 0 opens
    the letter and gives up; person 1 answers a yearly request and is approved."""
    harness = world.harness
    with world.register() as db, db.begin():
        company = register_company(db, harness.clock, client_id="pension-a", name="Pensjon A")
        for index in (0, 1):
            person = get_or_create_person(
                db, harness.clock, norwegian_id(nid(index), accept_synthetic=True)
            )
            db.add(
                Relationship(
                    company_id=company.id,
                    person_id=person.id,
                    agreement_reference=f"AGR-{index}",
                    evidence_sha256="ab" * 32,
                    latest_payment_period="2026-02",
                    valid_from=NOW,
                    valid_to=date(2028, 12, 31),
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            if index == 0:
                receipt = create_request(
                    db, harness.clock, world.settings, person, company_id=company.id
                )
        company_id = company.id
    response = harness.client.post(
        "/v1/sessions", json={"invitation_reference": receipt.invitation_reference}
    )
    assert response.status_code == 201, response.text
    abandoned: dict[str, Any] = response.json()
    harness.consent(abandoned)
    harness.pipeline.document = facts(1)
    approved = harness.ready(1)
    harness.client.post(f"/v1/sessions/{approved['session_id']}/submit", headers=auth(approved))
    assert harness.run_worker() == "approved"
    return company_id, abandoned, approved


def test_run_scheduled_moves_a_seeded_database_through_reminders_deadline_and_retention(
    harness: Harness, register_settings: RegisterSettings, monkeypatch: pytest.MonkeyPatch
):
    world = World(harness, register_settings, monkeypatch)
    company_id, abandoned, _approved = _seed(world)
    today = NOW.date()
    deadline = today + timedelta(days=register_settings.request_deadline_days)

    # the next day: the open session is still open, nothing is due
    jobs = world.run(today + DAY)
    assert _nothing_done(jobs), jobs
    assert world.letters() == []
    assert world.status(abandoned)["status"] == "collecting"

    # 21 days on: the first reminder for person 0 (person 1's request was fulfilled); the
    # abandoned session expired long ago and its uploads are gone
    jobs = world.run(today + 21 * DAY)
    assert jobs["reminders"] == {"letters_posted": 1}
    assert jobs["service-retention"]["sessions_expired"] == 1
    [letter] = world.letters()
    assert letter.endswith("-reminder-1.pdf")
    assert world.count(CertificateRequest, reminders_sent=1) == 1
    assert world.count(SessionUpload) == 0
    sees = world.company_sees(company_id, 0, today + 21 * DAY)
    assert sees is not None
    assert sees["outstanding_request"]["state"] == "open"
    assert sees["outstanding_request"]["reminders_sent"] == 1

    # 42 days on: the second reminder
    assert world.run(today + 42 * DAY)["reminders"] == {"letters_posted": 1}
    assert len(world.letters()) == 2

    # the day after the deadline: no more reminders; companies see deadline_passed and the
    # pensioner's session says so, with the manual certificate as the next step
    jobs = world.run(deadline + DAY)
    assert jobs["deadlines"] == {"requests": 1, "persons": 1, "sessions_told": 1}
    assert jobs["reminders"] == {"letters_posted": 0}
    assert len(world.letters()) == 2
    sees = world.company_sees(company_id, 0, deadline + DAY)
    assert sees is not None
    assert sees["outstanding_request"]["state"] == "deadline_passed"
    outcome = world.status(abandoned)["outcome"]
    assert (outcome["code"], outcome["next_step_id"]) == (
        "deadline_passed",
        "outcome.next.manual_certificate",
    )
    assert world.count(NotificationOutbox, outcome="deadline_passed") == 1
    assert world.count(NotificationOutbox, outcome="approved") == 1

    # 90 days after the approval: its check results go, the session row stays
    assert world.count(StoredCheck) == 2
    jobs = world.run(today + 91 * DAY)
    assert jobs["service-retention"]["check_results_deleted"] == 2
    assert world.count(StoredCheck) == 0
    assert world.count(VerificationSession) == 2

    # 11 months after person 1's certificate: the schedule asks again, with a letter
    jobs = world.run(date(2027, 2, 17))
    assert jobs["yearly-requests"] == {"requests_made": 1}
    assert world.count(CertificateRequest, schedule="yearly") == 2  # the first and this one
    assert any("-request-" in name for name in world.letters())

    # 18 months on: the register forgets the certificate, and the service the approved
    # session (and what hangs on it); the abandoned one ended three weeks later
    jobs = world.run(date(2027, 9, 17))
    assert jobs["register-retention"]["certificates_deleted"] == 1
    assert jobs["service-retention"]["sessions_deleted"] == 1
    assert world.count(Certificate) == 0
    with harness.ctx.sessions() as db:
        left = list(db.scalars(select(VerificationSession.id)))
    assert left == [abandoned["session_id"]]
    assert world.count(NotificationOutbox) == 1  # the abandoned session's deadline notice

    jobs = world.run(date(2027, 10, 10))
    assert jobs["service-retention"]["sessions_deleted"] == 1
    assert world.count(VerificationSession) == 0
    assert world.count(NotificationOutbox) == 0
    assert world.count(Person) >= 1  # the register keeps the identifier while company A pays


def test_run_scheduled_refuses_an_unknown_job_and_a_bad_date(
    harness: Harness, register_settings: RegisterSettings, monkeypatch: pytest.MonkeyPatch
):
    World(harness, register_settings, monkeypatch)
    unknown = CliRunner().invoke(app, ["jobs", "run-scheduled", "--only", "coffee"])
    assert unknown.exit_code == 2
    bad = CliRunner().invoke(app, ["jobs", "run-scheduled", "--at", "next tuesday"])
    assert bad.exit_code == 2


def test_procrastinate_runs_each_scheduled_job_as_a_periodic_task(harness: Harness, engine: Engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("procrastinate runs on PostgreSQL only")
    assert isinstance(harness.ctx.queue, ProcrastinateJobQueue)
    procrastinate = harness.ctx.queue.engine
    periodic = {
        (p.task.name, p.cron) for p in procrastinate.app.periodic_registry.periodic_tasks.values()
    }
    assert {(f"leveattest.scheduled.{job.name}", job.cron) for job in SCHEDULE} <= periodic

    abandoned = harness.start()
    later(harness.clock, days=4)  # past the session's 72 hours
    procrastinate.bind(harness.ctx, harness.pipeline, None)
    task = procrastinate.app.tasks["leveattest.scheduled.service-retention"]
    with harness.ctx.unit_of_work() as db:
        raw = db.connection().connection.driver_connection
        task.configure(connection=raw).defer(timestamp=int(harness.clock.now().timestamp()))
    procrastinate.run_until_idle()
    status = harness.client.get(f"/v1/sessions/{abandoned['session_id']}", headers=auth(abandoned))
    assert status.json()["status"] == "expired"
    with harness.ctx.sessions() as db:
        state = db.scalar(
            select(VerificationSession.state).where(
                VerificationSession.id == abandoned["session_id"]
            )
        )
    assert state == "expired"  # written by the job, not only shown as expired


class RecordingRegisterJobs:
    """Stands in for the register's jobs: records which ran, does nothing."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def send_reminders(self, clock: Any) -> int:
        self.ran.append("reminders")
        return 0

    def pass_deadlines(self, clock: Any) -> dict[str, int]:
        self.ran.append("deadlines")
        return {"requests": 0, "persons": 0}

    def lapsed_sessions(self, since: Any) -> list[str]:
        return []

    def create_yearly_requests(self, clock: Any) -> int:
        self.ran.append("yearly")
        return 0

    def run_retention(self, clock: Any) -> dict[str, int]:
        self.ran.append("register-retention")
        return {}


def test_the_polling_worker_runs_the_whole_schedule_when_it_starts(harness: Harness):
    abandoned = harness.start()
    later(harness.clock, days=4)
    register = RecordingRegisterJobs()

    work(
        harness.ctx,
        harness.pipeline,
        lambda: "register-retention" in register.ran,
        register_jobs=register,
    )

    assert register.ran == ["deadlines", "reminders", "yearly", "register-retention"]
    with harness.ctx.sessions() as db:
        state = db.scalar(
            select(VerificationSession.state).where(
                VerificationSession.id == abandoned["session_id"]
            )
        )
    assert state == "expired"  # the service's retention ran too
