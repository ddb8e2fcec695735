"""One Settings object, read from the environment (prefix ``LEVEATTEST_``).

Nested per area (``LEVEATTEST_DATA__SHARED_DATA=...``). Built once by the entry
point and passed down (``create_app(settings)``); never a module-level global.
Production refuses default secrets and the embedded backends.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from leveattest.core.errors import InsecureConfigurationError
from leveattest.core.observability import MetricsSettings
from leveattest.core.ratelimit import RateLimitSettings

DEV_MASTER_KEY = "dev-only-master-key-not-for-production"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class DataSettings(BaseModel):
    """Where things live on disk."""

    var_dir: Path = Path("var")
    samples_dir: Path = Path("samples")
    # third-party test data (never copied into the project); tests read it through this
    shared_data: Path = Path("../shared/data")


class DatabaseSettings(BaseModel):
    url: str = "sqlite:///var/leveattest.db"


class SecuritySettings(BaseModel):
    """The master secret every service key is derived from (docs/keys.md)."""

    master_key: SecretStr = SecretStr(DEV_MASTER_KEY)
    # earlier master keys, newest first, kept only to read what they protected until
    # ``leveattest keys rotate`` has moved it to ``master_key`` (JSON list in the env)
    previous_master_keys: list[SecretStr] = Field(default_factory=list)


class MRZSettings(BaseModel):
    # images larger than this are refused before decoding (decompression bombs)
    max_image_pixels: int = 40_000_000
    max_image_bytes: int = 30_000_000
    tessdata_dir: Path | None = None


class ChipSettings(BaseModel):
    max_file_bytes: int = 2_000_000
    trust_paths: list[Path] = Field(default_factory=list)
    # when True, a DSC/CSCA that is valid at SOD signing time but expired today still passes
    accept_expired_certificates_now: bool = True
    crl_max_age_days: int = 120


class FaceQualitySettings(BaseModel):
    """Quality-gate thresholds for one kind of face image (selfie, chip or page portrait)."""

    min_inter_eye_px: float = 40.0
    # mean luminance (0..255) of the face region
    min_luminance: float = 60.0
    max_luminance: float = 210.0
    # variance of the Laplacian on the face crop resized to 128 px (size-normalised)
    min_sharpness: float = 150.0
    # mean eye aspect ratio (mediapipe face mesh); below this the eyes count as closed/hidden
    min_eye_openness: float = 0.12
    # (p95 - p5) / (p95 + p5) of the darker-contrast eye patch; ~0 behind dark glasses
    min_eye_contrast: float = 0.25
    max_yaw_deg: float = 30.0
    max_roll_deg: float = 20.0


def _chip_quality() -> FaceQualitySettings:
    # DG2 portraits are ICAO-compliant but small (often 240-480 px wide) and JPEG 2000 compressed
    return FaceQualitySettings(min_inter_eye_px=30.0, min_sharpness=80.0)


def _page_quality() -> FaceQualitySettings:
    # the printed data-page portrait, photographed: small, screened and soft
    return FaceQualitySettings(
        min_inter_eye_px=20.0, min_luminance=50.0, max_luminance=225.0, min_sharpness=30.0
    )


class FaceSettings(BaseModel):
    """Face detection, quality and matching (see models/MODEL_CARDS.md for the calibration)."""

    # refused from the header, before decoding; JPEGs above it are DCT-downscaled if possible
    max_image_pixels: int = 40_000_000
    max_image_bytes: int = 30_000_000
    # decoded images are normalised so that their long side is at most this
    max_side: int = 1600
    # detection runs on a copy whose long side is at most this (HOG cost grows with area)
    detect_max_side: int = 640
    # dlib 128-d euclidean distance: <= threshold is a match; +/- band is near the threshold
    match_threshold: float = 0.55
    near_threshold_band: float = 0.05
    num_jitters: int = 1
    # where the dlib .dat files are; None = the installed face-recognition-models package
    models_dir: Path | None = None
    selfie_quality: FaceQualitySettings = Field(default_factory=FaceQualitySettings)
    chip_quality: FaceQualitySettings = Field(default_factory=_chip_quality)
    page_quality: FaceQualitySettings = Field(default_factory=_page_quality)


class PipelineSettings(BaseModel):
    """The verification pipeline and its decision policy (docs/verification.md, Decision policy)."""

    # many pensioners no longer travel: a passport that has expired but whose chip verifies
    # still proves identity, within a window after its expiry date
    accept_expired_passport_with_valid_chip: bool = True
    max_days_since_expiry: int = Field(default=5 * 365, ge=0)
    # first letter of the ICAO document code: "P" passports, "I" identity cards (TD1)
    accepted_document_types: list[str] = Field(default_factory=lambda: ["P", "I"])
    # issuing states (ICAO alpha-3, "D" for Germany); empty = any state with a trusted CSCA
    accepted_issuing_states: list[str] = Field(default_factory=list)
    # attempts a pensioner gets for recoverable capture problems before a person reviews
    retry_budget: int = Field(default=3, ge=1)
    # the chip data groups that must be presented (DG1 = MRZ, DG2 = portrait)
    required_data_groups: list[int] = Field(default_factory=lambda: [1, 2])
    # when the page photo shows a different MRZ than the chip: "review" or "reject"
    page_mismatch_decision: Literal["review", "reject"] = "review"


class LoggingSettings(BaseSettings):
    """``LEVEATTEST_LOGGING__*`` (readable on its own, e.g. by ``register serve``)."""

    model_config = SettingsConfigDict(env_prefix="LEVEATTEST_LOGGING__", extra="ignore")

    level: str = "INFO"
    json_logs: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEVEATTEST_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    data: DataSettings = Field(default_factory=DataSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    mrz: MRZSettings = Field(default_factory=MRZSettings)
    chip: ChipSettings = Field(default_factory=ChipSettings)
    face: FaceSettings = Field(default_factory=FaceSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        if self.environment is not Environment.PRODUCTION:
            return self
        key = self.security.master_key.get_secret_value()
        if key == DEV_MASTER_KEY or len(key) < 32:
            raise InsecureConfigurationError(
                "production needs LEVEATTEST_SECURITY__MASTER_KEY (32+ characters, not the default)"
            )
        if self.database.url.startswith("sqlite"):
            raise InsecureConfigurationError("production needs a server database, not SQLite")
        return self
