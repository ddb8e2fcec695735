"""Review console settings (prefix ``LEVEATTEST_REVIEW__``), built by the entry point."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReviewSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEVEATTEST_REVIEW__", extra="ignore")

    # staff sign-in: lock-out after this many failures in a row, for this long
    max_failed_sign_ins: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1)
    # TOTP codes of the previous/next 30 s step are accepted (clock drift); never twice
    totp_valid_window: int = Field(default=1, ge=0, le=2)
    totp_issuer: str = "leveattest ops"
    # server-side sessions: idle timeout and absolute lifetime
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=10, ge=1)
    # the session cookie is Secure by default; tests over http://127.0.0.1 turn it off
    cookie_secure: bool = True
    cookie_name: str = "leveattest_ops"
    # a claim on a case lapses after this time (another reviewer may then take it)
    claim_minutes: int = Field(default=60, ge=1)
    # service level: a case is due within this many working days (Mon-Fri) of submission
    service_level_working_days: int = Field(default=2, ge=1)
    # image URLs are signed for one reviewer and one case and expire after this time
    image_url_seconds: int = Field(default=120, ge=5, le=3600)
    # key for signing image URLs; empty = derived from LEVEATTEST_SECURITY__MASTER_KEY
    url_signing_key: SecretStr = SecretStr("")
    # the pensioner-visible retry advice and the rejection reason
    max_reason_chars: int = Field(default=500, ge=20, le=2000)
