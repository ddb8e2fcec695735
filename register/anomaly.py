"""Flag a company that suddenly registers far more new relationships than it normally does.

A company proves each relationship with a payment statement it signs itself
(docs/threat-model.md, "The payment-statement trust model"): the register cannot check
that the money was paid. What it can see is volume. Each new relationship adds one to the
company's counter for the day (the rate limiter's storage: Redis in production, shared by
every process); its normal volume is its mean daily number of new relationships over the
``baseline_days`` before today (read once per company and day, and never below
``min_daily_baseline``). The registration that takes the day's count above ``factor``
times that volume writes the audit event ``register:relationship:anomaly`` (once per
company and day) and counts ``leveattest_register_relationship_anomalies``. Nothing is
refused: a person looks at the company (an onboarding day looks like this too).
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.core.logging import get_logger
from leveattest.core.metrics import REGISTER_ANOMALIES
from leveattest.core.ratelimit import RateLimiter
from leveattest.core.settings import AnomalySettings
from register.audit import record_audit
from register.db.models import Company, Relationship

ANOMALY_ACTION = "register:relationship:anomaly"
ANOMALY_CODE = "relationship_volume_anomaly"
log = get_logger("register.anomaly")


class RelationshipVolume:
    """Counts new relationships per company and day and flags the day that crosses the line."""

    def __init__(self, settings: AnomalySettings, counter: RateLimiter) -> None:
        self.settings = settings
        self._counter = counter
        self._baselines: dict[tuple[int, date], float] = {}
        self._lock = threading.Lock()

    def threshold(self, session: Session, company_id: int, day: date) -> int:
        """The day's count above which the company is flagged."""
        return math.floor(self.settings.factor * self._baseline(session, company_id, day))

    def new_relationship(self, session: Session, clock: Clock, company: Company) -> bool:
        """Count one new relationship of ``company``; True when this one crossed the line
        (the audit event is then added to ``session``: the caller commits)."""
        if not self.settings.enabled:
            return False
        now = clock.now()
        day = now.date()
        count = self._counter.count(f"register-new-relationships:{company.id}:{day}", 2 * 86400)
        threshold = self.threshold(session, company.id, day)
        if count != threshold + 1:
            return False
        baseline = self._baseline(session, company.id, day)
        record_audit(
            session,
            clock,
            action=ANOMALY_ACTION,
            code=ANOMALY_CODE,
            client_id=company.client_id[:64],
            detail={
                "today": count,
                "daily_baseline": round(baseline, 2),
                "factor": self.settings.factor,
            },
        )
        REGISTER_ANOMALIES.inc()
        log.warning(
            "register.relationship_anomaly",
            client_id=company.client_id,
            today=count,
            daily_baseline=round(baseline, 2),
        )
        return True

    def _baseline(self, session: Session, company_id: int, day: date) -> float:
        key = (company_id, day)
        with self._lock:
            known = self._baselines.get(key)
        if known is not None:
            return known
        start = datetime.combine(day, time.min, tzinfo=UTC)
        since = start - timedelta(days=self.settings.baseline_days)
        earlier = session.scalar(
            select(func.count())
            .select_from(Relationship)
            .where(
                Relationship.company_id == company_id,
                Relationship.created_at >= since,
                Relationship.created_at < start,
            )
        )
        baseline = max(
            self.settings.min_daily_baseline, (earlier or 0) / self.settings.baseline_days
        )
        with self._lock:
            self._baselines = {k: v for k, v in self._baselines.items() if k[1] == day}
            self._baselines[key] = baseline
        return baseline
