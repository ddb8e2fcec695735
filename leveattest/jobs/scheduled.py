"""The scheduled jobs: reminders, deadlines, yearly requests, outcome e-mails and both
retentions.

One schedule (:data:`SCHEDULE`) for both job engines: on PostgreSQL each entry is a
procrastinate periodic task (its cron; procrastinate defers each tick once however many
workers run, and a queueing lock keeps ticks from piling up), on SQLite the polling
worker (``worker.work``) runs each entry every hour or day from its start. ``leveattest
jobs run-scheduled [--at DATE]`` runs them all once with the clock set to that date.

Every job is idempotent and safe on several workers at once (see ``register.scheduled``
and ``leveattest.sessions.retention``): running one twice, or on two workers together,
does its work once. The register's jobs reach its database through the
:class:`RegisterJobs` port; without one (a service without its register) they are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from leveattest.core.clock import Clock
from leveattest.core.logging import get_logger
from leveattest.sessions.context import SessionContext
from leveattest.sessions.mail import forget_stale_addresses, send_outcome_mail
from leveattest.sessions.notifications import record_deadline_passed
from leveattest.sessions.retention import run_retention

log = get_logger("leveattest.jobs.scheduled")
# the deadline job tells the sessions of letters that lapsed this recently (a run that
# died between the register's mark and the sessions' is caught by the next runs)
LAPSED_LOOKBACK = timedelta(days=7)


class RegisterJobs(Protocol):
    """The register's scheduled work (``register.scheduled.RegisterJobs``)."""

    def send_reminders(self, clock: Clock) -> int: ...

    def pass_deadlines(self, clock: Clock) -> dict[str, int]: ...

    def lapsed_sessions(self, since: datetime) -> list[str]: ...

    def create_yearly_requests(self, clock: Clock) -> int: ...

    def run_retention(self, clock: Clock) -> dict[str, int]: ...


Report = dict[str, Any]
# a job's report, or None when it needs the register and there is none
JobRun = Callable[[SessionContext, RegisterJobs | None], Report | None]


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    minute: int
    hour: int | None  # None: every hour
    run: JobRun

    @property
    def cron(self) -> str:
        return f"{self.minute} {'*' if self.hour is None else self.hour} * * *"

    @property
    def every_seconds(self) -> float:
        return 3600.0 if self.hour is None else 86400.0


def _register_job(work: Callable[[SessionContext, RegisterJobs], Report]) -> JobRun:
    def run(ctx: SessionContext, register: RegisterJobs | None) -> Report | None:
        return None if register is None else work(ctx, register)

    return run


def _reminders(ctx: SessionContext, register: RegisterJobs) -> Report:
    return {"letters_posted": register.send_reminders(ctx.clock)}


def _deadlines(ctx: SessionContext, register: RegisterJobs) -> Report:
    passed = register.pass_deadlines(ctx.clock)
    lapsed = register.lapsed_sessions(ctx.clock.now() - LAPSED_LOOKBACK)
    return {**passed, "sessions_told": record_deadline_passed(ctx, lapsed)}


def _yearly_requests(ctx: SessionContext, register: RegisterJobs) -> Report:
    return {"requests_made": register.create_yearly_requests(ctx.clock)}


def _register_retention(ctx: SessionContext, register: RegisterJobs) -> Report:
    return register.run_retention(ctx.clock)


def _service_retention(ctx: SessionContext, register: RegisterJobs | None) -> Report:
    del register
    report = run_retention(ctx)
    return {
        "sessions_expired": len(report.expired),
        "sessions_shredded": len(report.shredded),
        "replay_prints_expired": report.replay_prints_expired,
        "check_results_deleted": report.check_results_deleted,
        "sessions_deleted": report.sessions_deleted,
    }


def _outcome_mail(ctx: SessionContext, register: RegisterJobs | None) -> Report:
    """The queued outcomes to the pensioners who gave an e-mail address (nothing while no
    SMTP host is configured: ``LEVEATTEST_MAIL__SMTP_HOST``)."""
    del register
    settings = ctx.settings.mail
    sent = send_outcome_mail(ctx, settings)
    return {"mails_sent": sent, "addresses_forgotten": forget_stale_addresses(ctx, settings)}


# in the order run-scheduled runs them: the deadline before the reminders (no reminder
# on the day the deadline passed), retention last
SCHEDULE: tuple[ScheduledJob, ...] = (
    ScheduledJob("deadlines", minute=5, hour=None, run=_register_job(_deadlines)),
    ScheduledJob("reminders", minute=10, hour=None, run=_register_job(_reminders)),
    ScheduledJob("yearly-requests", minute=25, hour=3, run=_register_job(_yearly_requests)),
    ScheduledJob("outcome-mail", minute=14, hour=None, run=_outcome_mail),
    ScheduledJob("service-retention", minute=17, hour=None, run=_service_retention),
    ScheduledJob("register-retention", minute=45, hour=3, run=_register_job(_register_retention)),
)


def run_job(ctx: SessionContext, register: RegisterJobs | None, job: ScheduledJob) -> Report | None:
    """Run one scheduled job now (None: it needs the register and there is none)."""
    report = job.run(ctx, register)
    if report is not None:
        counts = {k: v for k, v in report.items() if isinstance(v, int)}
        log.info("scheduled.done", job=job.name, **counts)
    return report


def run_scheduled(
    ctx: SessionContext, register: RegisterJobs | None, *, only: str | None = None
) -> dict[str, Report | None]:
    """Run every scheduled job once (or just ``only``), with the context's clock."""
    return {job.name: run_job(ctx, register, job) for job in SCHEDULE if only in (None, job.name)}
