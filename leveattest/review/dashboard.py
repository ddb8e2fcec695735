"""Dashboard figures: throughput, queue age, automatic vs manual outcomes, and outcomes by
reason, document country and age band.

Session rows give automatic outcomes (``decided_by = "pipeline"``); the audit trail's
decision events give the console's outcomes with the age band and country recorded at
decision time; sessions carry the age band recorded when the pipeline decided (birth
dates are deleted with the biometrics, the band is kept).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from leveattest.review.audit import OK
from leveattest.review.models import AuditEvent
from leveattest.review.queue import AGE_BANDS, UNKNOWN_BAND, list_queue, working_days_between
from leveattest.sessions.models import VerificationSession

OUTCOMES = ("approve", "reject", "retry", "review")
MANUAL_ACTIONS = {
    "ops:case:approve": "approve",
    "ops:case:reject_confirmed": "reject",
    "ops:case:retry": "retry",
}
SOURCES = ("automatic", "manual")


@dataclass
class Dashboard:
    days: list[date]
    throughput: dict[date, Counter[str]] = field(default_factory=dict)
    queue_age: Counter[str] = field(default_factory=Counter)
    overdue: int = 0
    pending: int = 0
    by_source: dict[str, Counter[str]] = field(default_factory=dict)
    by_reason: dict[str, Counter[str]] = field(default_factory=dict)
    by_country: dict[str, Counter[str]] = field(default_factory=dict)
    by_age_band: dict[str, Counter[str]] = field(default_factory=dict)


def _add(table: dict[str, Counter[str]], key: str, outcome: str) -> None:
    table.setdefault(key, Counter())[outcome] += 1


def build_dashboard(
    db: Session, now: datetime, service_level_days: int, *, window_days: int = 14
) -> Dashboard:
    start = now - timedelta(days=window_days)
    days = [(now - timedelta(days=offset)).date() for offset in range(window_days - 1, -1, -1)]
    board = Dashboard(days=days, throughput={d: Counter() for d in days})
    board.by_source = {source: Counter() for source in SOURCES}
    rows = db.execute(
        select(
            VerificationSession.decision,
            VerificationSession.decided_by,
            VerificationSession.decided_at,
            VerificationSession.reasons,
            VerificationSession.document_issuing_state,
            VerificationSession.age_band,
        ).where(VerificationSession.updated_at >= start, VerificationSession.decision.is_not(None))
    ).all()
    bands: dict[str, Counter[str]] = defaultdict(Counter)
    for decision, decided_by, decided_at, reasons, country, band in rows:
        if decided_by != "pipeline" and decision in {"approve", "reject"}:
            continue  # the console's decisions are counted from the audit trail below
        outcome = str(decision)
        board.by_source["automatic"][outcome] += 1
        if decided_at is not None and decided_at.date() in board.throughput:
            board.throughput[decided_at.date()]["automatic"] += 1
        for reason in reasons or ["none"]:
            _add(board.by_reason, str(reason), outcome)
        _add(board.by_country, country or "?", outcome)
        if outcome != "review":  # waiting cases are counted from the queue below
            bands[band or UNKNOWN_BAND][outcome] += 1
    events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.at >= start,
            AuditEvent.outcome == OK,
            AuditEvent.action.in_(list(MANUAL_ACTIONS)),
        )
    )
    for event in events:
        outcome = MANUAL_ACTIONS[event.action]
        detail = event.detail or {}
        board.by_source["manual"][outcome] += 1
        if event.at.date() in board.throughput:
            board.throughput[event.at.date()]["manual"] += 1
        for reason in detail.get("reasons") or ["none"]:
            _add(board.by_reason, str(reason), outcome)
        _add(board.by_country, str(detail.get("country") or "?"), outcome)
        bands[str(detail.get("age_band") or UNKNOWN_BAND)][outcome] += 1
    for item in list_queue(db, now, service_level_days):
        board.pending += 1
        board.overdue += int(item.overdue)
        age = working_days_between(item.waiting_since.date(), now.date())
        board.queue_age[str(age) if age < 5 else "5+"] += 1
        bands[item.age_band]["review"] += 1
    board.by_age_band = {band: bands[band] for band in (*AGE_BANDS, UNKNOWN_BAND) if band in bands}
    return board
