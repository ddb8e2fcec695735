"""The settings tree (issue 14, item 1): one root, one production switch, unknown variables
refused, one place per limit."""

from __future__ import annotations

import pytest

from leveattest.core.errors import InsecureConfigurationError
from leveattest.core.settings import (
    HARNESS_VARIABLES,
    Environment,
    InvalidSettingError,
    Settings,
    UnknownSettingError,
    check_environment,
    iter_fields,
    load_settings,
    variable,
)

PRODUCTION = {
    "environment": Environment.PRODUCTION,
    "security": {"master_key": "k" * 40},
    "database": {"url": "postgresql://db/leveattest"},
    "register": {"secret": "r" * 40, "database_url": "postgresql://db/register"},
}


def test_defaults_are_the_embedded_development_setup():
    settings = Settings()
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.database.url.startswith("sqlite")
    assert settings.register.accept_synthetic_ids is True


def test_environment_variables_with_prefix_and_nesting(monkeypatch):
    monkeypatch.setenv("LEVEATTEST_LIMITS__IMAGE_PIXELS", "1234")
    monkeypatch.setenv("LEVEATTEST_DATA__SHARED_DATA", "/tmp/elsewhere")
    monkeypatch.setenv("LEVEATTEST_REGISTER__ANOMALY__FACTOR", "3.5")
    monkeypatch.setenv("LEVEATTEST_FACE__SELFIE_QUALITY__MIN_SHARPNESS", "99")
    settings = Settings()
    assert settings.mrz.max_image_pixels == settings.face.max_image_pixels == 1234
    assert settings.liveness.max_frame_pixels == 1234
    assert str(settings.data.shared_data) == "/tmp/elsewhere"
    assert settings.register.anomaly.factor == 3.5
    assert settings.face.selfie_quality.min_sharpness == 99


def test_every_section_is_a_plain_model_of_one_root():
    sections = {name for name, info in Settings.model_fields.items() if info.annotation}
    assert {
        "register",
        "sessions",
        "review",
        "mail",
        "liveness",
        "pensioner",
        "rate_limits",
        "metrics",
        "logging",
        "limits",
    } <= sections
    assert variable(("register", "secret")) == "LEVEATTEST_REGISTER__SECRET"
    # every leaf has a description (docs/configuration.md is generated from them)
    undocumented = [path for path, info in iter_fields() if not info.description]
    assert undocumented == []


@pytest.mark.parametrize(
    ("name", "nearest"),
    [
        ("LEVEATTEST_DATABSE__URL", "LEVEATTEST_DATABASE__URL"),
        ("LEVEATTEST_REGISTER__SECRT", "LEVEATTEST_REGISTER__SECRET"),
        ("LEVEATTEST_SESSIONS__MAX_FRAMES", "LEVEATTEST_LIMITS__FRAMES"),
        ("LEVEATTEST_REGISTER_ANOMALY__FACTOR", "LEVEATTEST_REGISTER__ANOMALY__FACTOR"),
        ("LEVEATTEST_REGISTER__PRODUCTION", "LEVEATTEST_ENVIRONMENT=production"),
    ],
)
def test_an_unknown_variable_is_an_error_naming_the_nearest(monkeypatch, name, nearest):
    monkeypatch.setenv(name, "1")
    with pytest.raises(UnknownSettingError, match=name) as raised:
        load_settings()
    assert f"did you mean {nearest}?" in raised.value.message
    assert raised.value.code == "unknown_setting"


def test_harness_variables_and_other_prefixes_are_not_settings_but_allowed():
    check_environment(dict.fromkeys(HARNESS_VARIABLES, "1") | {"OTHER_THING": "x"})
    with pytest.raises(UnknownSettingError):
        check_environment({"leveattest_nothing": "1"})  # case-insensitive, as pydantic reads


def test_an_invalid_value_names_its_variable_and_not_its_value(monkeypatch):
    monkeypatch.setenv("LEVEATTEST_SESSIONS__SESSION_TTL_HOURS", "soon-ish")
    with pytest.raises(InvalidSettingError) as raised:
        load_settings()
    assert "LEVEATTEST_SESSIONS__SESSION_TTL_HOURS" in raised.value.message
    assert "soon-ish" not in raised.value.message


def test_the_postgres_connect_timeouts_default_to_10_s_and_are_read_from_the_environment(
    monkeypatch,
):
    settings = Settings()
    assert settings.database.connect_timeout_seconds == 10
    assert settings.register.database_connect_timeout_seconds == 10
    monkeypatch.setenv("LEVEATTEST_DATABASE__CONNECT_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("LEVEATTEST_REGISTER__DATABASE_CONNECT_TIMEOUT_SECONDS", "4")
    settings = load_settings()
    assert settings.database.connect_timeout_seconds == 3
    assert settings.register.database_connect_timeout_seconds == 4


@pytest.mark.parametrize("seconds", ["0", "1", "2.5", "301"])
@pytest.mark.parametrize(
    "name",
    [
        "LEVEATTEST_DATABASE__CONNECT_TIMEOUT_SECONDS",
        "LEVEATTEST_REGISTER__DATABASE_CONNECT_TIMEOUT_SECONDS",
    ],
)
def test_a_connect_timeout_libpq_would_not_honour_is_refused(monkeypatch, name, seconds):
    # libpq: whole seconds, 0 = wait forever, 1 counts as 2; an upper bound against typos
    monkeypatch.setenv(name, seconds)
    with pytest.raises(InvalidSettingError) as raised:
        load_settings()
    assert name in raised.value.message


def test_a_limit_is_set_in_one_place_only():
    with pytest.raises(InvalidSettingError, match="LEVEATTEST_LIMITS__IMAGE_BYTES"):
        Settings(mrz={"max_image_bytes": 30_000_000})
    settings = Settings(limits={"image_bytes": 5_000_000, "chip_file_bytes": 9_000})
    assert settings.mrz.max_image_bytes == settings.face.max_image_bytes == 5_000_000
    assert settings.sessions.max_image_bytes == 5_000_000
    assert settings.chip.max_file_bytes == settings.sessions.max_chip_file_bytes == 9_000
    # a copy survives a round trip through its own dump
    assert Settings.model_validate(settings.model_dump()).face.max_image_bytes == 5_000_000


def test_production_refuses_the_default_master_key():
    with pytest.raises(InsecureConfigurationError, match="SECURITY__MASTER_KEY"):
        Settings(**(PRODUCTION | {"security": {}}))


def test_production_refuses_sqlite_in_every_part():
    with pytest.raises(InsecureConfigurationError, match="DATABASE__URL"):
        Settings(**(PRODUCTION | {"database": {}}))
    with pytest.raises(InsecureConfigurationError, match="REGISTER__DATABASE_URL"):
        Settings(**(PRODUCTION | {"register": {"secret": "r" * 40}}))


def test_production_refuses_the_register_development_secret_and_short_tokens():
    with pytest.raises(InsecureConfigurationError, match="REGISTER__SECRET"):
        Settings(**(PRODUCTION | {"register": {"database_url": "postgresql://db/r"}}))
    with pytest.raises(InsecureConfigurationError, match="METRICS__TOKEN"):
        Settings(**PRODUCTION, metrics={"token": "short"})
    with pytest.raises(InsecureConfigurationError, match="REVIEW__COOKIE_SECURE"):
        Settings(**PRODUCTION, review={"cookie_secure": False})


def test_production_accepts_real_secrets_and_server_databases():
    settings = Settings(**PRODUCTION)
    assert settings.production
    assert settings.security.master_key.get_secret_value() == "k" * 40
    assert "k" * 40 not in repr(settings)
    assert settings.register.accept_synthetic_ids is False
