"""The job table of the embedded/PostgreSQL analysis queue (see ``leveattest.jobs.queue``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leveattest.sessions.db import Base, UTCDateTime


class Job(Base):
    """The analysis queue: one job per session attempt (unique), leased by a worker."""

    __tablename__ = "leveattest_jobs"
    __table_args__ = (
        UniqueConstraint("kind", "session_id", "attempt"),
        Index("ix_leveattest_jobs_status_run_after", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # queued | running | done | failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_after: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(60))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WorkerPresence(Base):
    """One row per running worker process: it announces itself when it starts, says when
    its models are loaded (ready) and renews ``seen_at`` while it lives; it deletes its
    row when it stops. A row not renewed for a while is a worker that died (``kill -9``)."""

    __tablename__ = "worker_presence"

    worker_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    host: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # when its models were loaded and checked; None while loading (or if that failed)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warm_up_failed: Mapped[bool] = mapped_column(default=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
