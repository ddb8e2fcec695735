from __future__ import annotations

import pytest

from leveattest.core.errors import InsecureConfigurationError
from leveattest.core.settings import Environment, Settings


def test_defaults_are_the_embedded_development_setup():
    settings = Settings()
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.database.url.startswith("sqlite")


def test_environment_variables_with_prefix_and_nesting(monkeypatch):
    monkeypatch.setenv("LEVEATTEST_MRZ__MAX_IMAGE_PIXELS", "1234")
    monkeypatch.setenv("LEVEATTEST_DATA__SHARED_DATA", "/tmp/elsewhere")
    settings = Settings()
    assert settings.mrz.max_image_pixels == 1234
    assert str(settings.data.shared_data) == "/tmp/elsewhere"


def test_production_refuses_the_default_master_key():
    with pytest.raises(InsecureConfigurationError):
        Settings(environment=Environment.PRODUCTION, database={"url": "postgresql://x/y"})


def test_production_refuses_sqlite():
    with pytest.raises(InsecureConfigurationError):
        Settings(environment=Environment.PRODUCTION, security={"master_key": "k" * 40})


def test_production_accepts_a_real_key_and_server_database():
    settings = Settings(
        environment=Environment.PRODUCTION,
        security={"master_key": "k" * 40},
        database={"url": "postgresql://db/leveattest"},
    )
    assert settings.security.master_key.get_secret_value() == "k" * 40
    assert "k" * 40 not in repr(settings)
