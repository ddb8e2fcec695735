"""``leveattest jobs run-scheduled``: run every scheduled job once, for a given date.

For operators (catch up after an outage, run a day's work by hand) and for tests that move
the clock: ``--at 2027-02-01`` runs the jobs as if it were noon UTC that day (or give a
time, ``2027-02-01T06:00``). The jobs are idempotent, so running them while workers run
them too does their work once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from leveattest.api.app import build_context
from leveattest.cli.app import emit_json, jobs_app
from leveattest.core.clock import Clock, FixedClock, SystemClock
from leveattest.core.logging import configure_logging
from leveattest.core.settings import Settings
from leveattest.jobs.scheduled import SCHEDULE, run_scheduled
from leveattest.sessions.settings import SessionSettings
from register.client import InProcessRegisterClient
from register.db.engine import make_engine as make_register_engine
from register.db.engine import make_session_factory as make_register_sessions
from register.scheduled import RegisterJobs
from register.settings import load_register_settings


def parse_at(text: str | None) -> Clock:
    """A date (noon UTC) or an ISO date-time (UTC unless it says otherwise), or now."""
    if text is None:
        return SystemClock()
    try:
        if len(text) == 10:
            return FixedClock.on(date.fromisoformat(text))
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter("give a date (YYYY-MM-DD) or a date-time (ISO 8601)") from exc
    return FixedClock(at if at.tzinfo else at.replace(tzinfo=UTC))


@jobs_app.command("run-scheduled")
def run_scheduled_cmd(
    at: Annotated[
        str | None, typer.Option("--at", help="Run as of this date (YYYY-MM-DD) or date-time.")
    ] = None,
    only: Annotated[
        str | None,
        typer.Option("--only", help=f"Just one job: {', '.join(j.name for j in SCHEDULE)}."),
    ] = None,
) -> None:
    """Run the scheduled jobs once (deadlines, reminders, yearly requests, retention) and
    print what each did."""
    if only is not None and only not in {job.name for job in SCHEDULE}:
        raise typer.BadParameter(f"unknown job {only!r}")
    clock = parse_at(at)
    settings, register_settings = Settings(), load_register_settings()
    configure_logging(settings.logging.level, json_logs=settings.logging.json_logs)
    register_engine = make_register_engine(register_settings.database_url)
    register_sessions = make_register_sessions(register_engine)
    ctx = build_context(
        settings,
        clock=clock,
        register_client=InProcessRegisterClient(register_sessions, clock, register_settings),
        session_settings=SessionSettings(),
    )
    try:
        reports = run_scheduled(ctx, RegisterJobs(register_sessions, register_settings), only=only)
    finally:
        register_engine.dispose()
        bind = ctx.sessions.kw.get("bind")
        if bind is not None:
            bind.dispose()
    emit_json({"at": clock.now().isoformat(), "jobs": reports})
