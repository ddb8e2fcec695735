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

from leveattest.app import bootstrap
from leveattest.cli.app import emit_json, jobs_app, settings_or_exit
from leveattest.core.clock import Clock, FixedClock, SystemClock
from leveattest.jobs.scheduled import SCHEDULE, run_scheduled


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
    settings = settings_or_exit()
    bootstrap.configure(settings)
    with bootstrap.scheduled_context(settings, clock) as (ctx, register_jobs):
        reports = run_scheduled(ctx, register_jobs, only=only)
    emit_json({"at": clock.now().isoformat(), "jobs": reports})
