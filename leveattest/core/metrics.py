"""Prometheus metrics: one definition per metric, shared by every part of the service.

Counters and histograms live in prometheus-client's default registry of the process
that counts them (the HTTP processes count requests, register disclosures, refusals and
rate-limit hits; the analysis workers count outcomes, stage latencies and retries). When
``PROMETHEUS_MULTIPROC_DIR`` is set in the environment before the service starts, every
process writes its values to files there and :func:`render_metrics` adds them up
(prometheus-client's multiprocess mode); without it, ``/metrics`` shows the answering
process only (docs/operations.md, "Metrics and request ids").

Label values are closed sets (decisions, reason codes, error codes, stages, rule names):
never an identifier, a path with an id in it, or anything personal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST

HTTP_REQUESTS = Counter(
    "leveattest_http_requests",
    "HTTP requests answered, by app and status class (2xx, 4xx, ...).",
    ["app", "status_class"],
)
OUTCOMES = Counter(
    "leveattest_outcomes",
    "Analysed sessions by decision and reason (a session with several reasons counts once "
    "per reason; one without under reason 'none').",
    ["decision", "reason"],
)
STAGE_SECONDS = Histogram(
    "leveattest_stage_seconds",
    "Time spent in each pipeline stage of an analysis ('total' for the whole analysis).",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
JOBS_RETRIED = Counter(
    "leveattest_jobs_retried", "Analysis jobs given back for a retry, by error code.", ["code"]
)
JOBS_GIVEN_UP = Counter(
    "leveattest_jobs_given_up", "Analysis jobs that failed too often and went to a person."
)
REGISTER_DISCLOSURES = Counter(
    "leveattest_register_disclosures",
    "Register answers that disclosed statuses, by endpoint (a batch counts each person).",
    ["endpoint"],
)
REGISTER_REFUSALS = Counter(
    "leveattest_register_refusals", "Register requests refused, by error code.", ["code"]
)
REGISTER_ANOMALIES = Counter(
    "leveattest_register_relationship_anomalies",
    "Companies flagged for registering far more relationships in a day than they normally do.",
)
RATE_LIMITED = Counter(
    "leveattest_rate_limited", "Requests refused by a rate limit, by rule.", ["rule"]
)


def observe_outcome(decision: str, reasons: Iterable[str], timings_ms: Mapping[str, float]) -> None:
    """Count one analysed session: its decision per reason and each stage's time."""
    reasons = list(reasons) or ["none"]
    for reason in reasons:
        OUTCOMES.labels(decision=decision, reason=reason).inc()
    for stage, ms in timings_ms.items():
        STAGE_SECONDS.labels(stage=stage).observe(max(ms, 0.0) / 1000.0)


class QueueCollector(Collector):
    """Queue depth and the oldest queued job's age, read when scraped.

    ``read`` returns ``(queued, running, stalled, oldest_queued_age_seconds)`` or None
    when the database does not answer (the gauges are then left out, not zero).
    """

    def __init__(self, read: Callable[[], tuple[int, int, int, float | None] | None]) -> None:
        self._read = read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        values = self._read()
        if values is None:
            return
        queued, running, stalled, oldest = values
        depth = GaugeMetricFamily(
            "leveattest_queue_jobs", "Analysis jobs in the queue, by state.", labels=["state"]
        )
        for state, count in (("queued", queued), ("running", running), ("stalled", stalled)):
            depth.add_metric([state], count)
        yield depth
        yield GaugeMetricFamily(
            "leveattest_queue_oldest_age_seconds",
            "Age of the oldest queued analysis job (0 when none is queued).",
            value=oldest or 0.0,
        )


def render_metrics(extra: Iterable[Collector] = ()) -> bytes:
    """The text exposition of this process's metrics (all processes' in multiprocess
    mode) plus ``extra`` collectors, which are read now."""
    base = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        base = CollectorRegistry()
        MultiProcessCollector(base)  # type: ignore[no-untyped-call]
    now = CollectorRegistry(auto_describe=False)
    for collector in extra:
        now.register(collector)
    return generate_latest(base) + generate_latest(now)
