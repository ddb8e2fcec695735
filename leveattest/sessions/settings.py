"""Session settings (prefix ``LEVEATTEST_SESSIONS__``), built by the entry point.

The retry budget is the pipeline's (``Settings.pipeline.retry_budget``); everything the
mobile API and the privacy lifecycle need on top of the shared ``Settings`` lives here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REQUIRED_PARTS_DEFAULT = ("DG1", "DG2", "EF_SOD", "PAGE", "SELFIE")


class SessionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEVEATTEST_SESSIONS__", extra="ignore")

    # a session that is not submitted within this time expires (its uploads are deleted)
    session_ttl_hours: int = Field(default=72, ge=1)
    # the Active Authentication nonce: 8 random bytes, single use, bound to one attempt
    aa_nonce_ttl_minutes: int = Field(default=15, ge=1, le=240)
    # biometrics and chip files are deleted at the final decision, and at the latest after this
    retention_days: int = Field(default=30, ge=1, le=365)
    # perceptual hashes of captures (not images) outlive the biometrics so that a capture
    # re-sent a year later is still caught as a replay; withdrawal deletes them at once
    replay_retention_days: int = Field(default=400, ge=1, le=730)
    # check results (evidence of a decision, no images) of a final session are kept this
    # long after it ended, then deleted; the session row (state, times, consent, deletion
    # receipts) this long (18 months, as the register's certificate that names it)
    check_results_days: int = Field(default=90, ge=1, le=730)
    session_record_days: int = Field(default=548, ge=30, le=3650)
    # sessions one letter (invitation) may start per day (UTC): the same QR code starts a
    # fresh session after a withdrawal, an abandoned or expired session or a rejection
    max_sessions_per_day: int = Field(default=5, ge=1, le=100)
    # staff/test path: start a session for a known person without an invitation
    allow_known_person_start: bool = False
    notice_versions: list[str] = Field(default_factory=lambda: ["2026-1"])
    # the consent languages: those the privacy notice is published in (leveattest/locale)
    languages: list[str] = Field(
        default_factory=lambda: ["nb", "nn", "en", "se", "sv", "de", "es", "pl"]
    )
    # size limits per part (bytes); the body is streamed and cut at the limit
    max_chip_file_bytes: int = Field(default=2_000_000, ge=1)
    max_aa_signature_bytes: int = Field(default=1_024, ge=1)
    max_image_bytes: int = Field(default=12_000_000, ge=1)
    max_frame_bytes: int = Field(default=2_000_000, ge=1)
    max_frames: int = Field(default=60, ge=1)
    required_parts: list[str] = Field(default_factory=lambda: list(REQUIRED_PARTS_DEFAULT))
    min_frames: int = Field(default=1, ge=0)
    # "auto": procrastinate on PostgreSQL, the local table queue on SQLite
    job_engine: Literal["auto", "table", "procrastinate"] = "auto"
    # job queue: a worker's lease on a job lasts this long and is renewed by the worker's
    # heartbeat every job_heartbeat_seconds while it analyses, so a job whose worker died
    # is taken again within job_lease_seconds (docs/operations.md); a job is given up
    # (the session goes to a person) after job_max_tries
    job_lease_seconds: float = Field(default=30.0, ge=1.0, le=3600.0)
    job_heartbeat_seconds: float = Field(default=10.0, gt=0)
    job_max_tries: int = Field(default=5, ge=1)
    # procrastinate (PostgreSQL): a worker whose heartbeat is older than this is stalled,
    # its running jobs are handed to another worker; checked every job_stall_check_seconds
    job_stalled_after_seconds: float = Field(default=30.0, ge=1.0)
    job_stall_check_seconds: int = Field(default=15, ge=1, le=59)
    # the sweep: a session received or analysing for longer than this with no live job is
    # queued again (and an alert-worthy ``jobs.session_requeued`` is logged)
    analysis_deadline_seconds: float = Field(default=600.0, ge=1.0)
    job_sweep_every_seconds: float = Field(default=60.0, gt=0)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    # a worker that lost its database, or a worker child of ``serve`` that died, is
    # restarted after a back-off that doubles from 1 s up to this
    worker_restart_max_backoff_seconds: float = Field(default=30.0, ge=0.1)
