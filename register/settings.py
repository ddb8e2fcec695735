"""Register settings (prefix ``LEVEATTEST_REGISTER__`` when read from the environment).

Built by the entry point and passed to ``create_register_app(settings, clock)``;
production refuses the development secrets and SQLite.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from leveattest.core.errors import InsecureConfigurationError
from leveattest.core.keys import KeyRing

DEV_REGISTER_SECRET = "dev-only-register-secret-not-for-production"  # noqa: S105 (refused in production)

SCOPE_READ = "register.read"
SCOPE_RELATIONSHIPS = "register.relationships"
SCOPE_REQUESTS = "register.requests"
# a person's own report, asked for with the letter's reference and the birth date: for
# the service that serves the pensioner's pages, never granted to a pension company
SCOPE_SUBJECT_ACCESS = "register.subject_access"
COMPANY_SCOPES = (SCOPE_READ, SCOPE_RELATIONSHIPS, SCOPE_REQUESTS)
ALL_SCOPES = (*COMPANY_SCOPES, SCOPE_SUBJECT_ACCESS)


class RegisterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEVEATTEST_REGISTER__", extra="ignore")

    production: bool = False
    database_url: str = "sqlite:///var/register.db"
    # the public base URL of the register API; the token endpoint is derived from it and
    # is the only audience accepted in client assertions (RFC 7523 §3, item 3)
    base_url: str = "http://127.0.0.1:8700/register/v1"
    signing_keys_path: Path = Path("var/register/signing-keys.json")
    # the register's master secret: every register key is derived from it (docs/keys.md)
    secret: SecretStr = SecretStr(DEV_REGISTER_SECRET)
    # earlier secrets, newest first, kept only for reading until ``leveattest keys rotate
    # --register`` has moved what they keyed to ``secret`` (JSON list in the env)
    previous_secrets: list[SecretStr] = Field(default_factory=list)
    access_token_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    assertion_max_lifetime_seconds: int = Field(default=300, ge=10, le=3600)
    clock_skew_seconds: int = Field(default=60, ge=0, le=600)
    relationship_grace_months: int = Field(default=3, ge=1, le=24)
    retention_months: int = Field(default=18, ge=1, le=120)
    max_batch: int = Field(default=100_000, ge=1)
    changes_page_default: int = Field(default=1_000, ge=1)
    changes_page_max: int = Field(default=10_000, ge=1)
    request_deadline_days: int = Field(default=60, ge=1)
    reminder_interval_days: int = Field(default=21, ge=1)
    # the schedule asks for a new certificate this long after the last one (with
    # request_deadline_days to answer, the next one is due before it is 13 months old)
    yearly_request_after_months: int = Field(default=11, ge=1, le=24)
    # where the scheduled jobs put letters for the print and post service (PDF, A4)
    letters_dir: Path = Path("var/register/letters")
    # the TrueType fonts embedded in the PDF letters (Debian's fonts-dejavu-core: æ ø å
    # and the Sámi letters á č đ ŋ š ŧ ž)
    letter_font: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    letter_font_bold: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    # the language of the letters when nothing else is known about the person
    letter_language: str = "nb"
    invitation_url_base: str = "https://leveattest.example/i/"
    accept_synthetic_ids: bool = True
    # transactions running at once per process (0 = unbounded); SQLite always runs one
    max_concurrent_transactions: int = Field(default=4, ge=0, le=200)
    # threads per process for database work (status, batch, changes, tokens, ...)
    worker_threads: int = Field(default=8, ge=1, le=200)

    @property
    def token_endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/oauth/token"

    @property
    def issuer(self) -> str:
        return self.base_url.rstrip("/")

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> RegisterSettings:
        if not self.production:
            return self
        secret = self.secret.get_secret_value()
        if secret == DEV_REGISTER_SECRET or len(secret) < 32:
            raise InsecureConfigurationError(
                "production needs LEVEATTEST_REGISTER__SECRET (32+ characters, not the default)"
            )
        if self.database_url.startswith("sqlite"):
            raise InsecureConfigurationError("production needs PostgreSQL, not SQLite")
        if self.accept_synthetic_ids:
            raise InsecureConfigurationError("production must not accept synthetic national ids")
        return self


def load_register_settings() -> RegisterSettings:
    """Read ``LEVEATTEST_REGISTER__*`` from the environment."""
    return RegisterSettings()


def register_keyring(settings: RegisterSettings) -> KeyRing:
    """The register's secret and its previous ones: every register key derives from it."""
    return KeyRing.from_secrets(
        settings.secret.get_secret_value(),
        [secret.get_secret_value() for secret in settings.previous_secrets],
    )
