"""One Settings object, read from the environment (prefix ``LEVEATTEST_``).

Nested per area (``LEVEATTEST_DATA__SHARED_DATA=...``). Built once by the entry
point and passed down (``create_app(settings)``); never a module-level global.
Production refuses default secrets and the embedded backends.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from leveattest.core.errors import InsecureConfigurationError

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
    master_key: SecretStr = SecretStr(DEV_MASTER_KEY)


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


class LoggingSettings(BaseModel):
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
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

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
