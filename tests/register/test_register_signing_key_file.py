"""The register's signing key file: production never creates it (every API host must sign
with the same keys, docs/deployment.md); development creates it on first use;
``leveattest register signing-key create`` makes it once, explicitly, and never overwrites
it. The real processes under production are in tests/e2e/test_production_switch.py."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leveattest.app.register_root import register_signing_keys
from leveattest.cli import _register_commands, app
from leveattest.core.errors import InsecureConfigurationError
from leveattest.core.settings import Environment, RegisterSettings, Settings
from register.api import create_register_app
from register.client import InProcessRegisterClient
from register.keys import RegisterKeys, SigningKeysExistError, SigningKeysMissingError

runner = CliRunner()


def _production(keys: Path, **register: object) -> Settings:
    return Settings(
        environment=Environment.PRODUCTION,
        security={"master_key": "k" * 40},
        database={"url": "postgresql://db/leveattest"},
        register={
            "secret": "r" * 40,
            "database_url": "postgresql://db/register",
            "signing_keys_path": keys,
            **register,
        },
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_production_refuses_a_missing_key_file_and_creates_none(tmp_path):
    keys = tmp_path / "register" / "signing-keys.json"
    settings = _production(keys)
    assert settings.register.create_signing_keys is False
    with pytest.raises(SigningKeysMissingError) as refused:
        register_signing_keys(settings)
    assert refused.value.code == "register_signing_key_missing"
    assert "leveattest register signing-key create" in refused.value.message
    assert not keys.exists()
    assert not keys.parent.exists()


def test_production_refuses_a_missing_key_file_in_the_app_and_the_in_process_client(tmp_path):
    keys = tmp_path / "signing-keys.json"
    settings = _production(keys).register
    with pytest.raises(SigningKeysMissingError):
        create_register_app(settings)
    client = InProcessRegisterClient(None, None, settings)  # type: ignore[arg-type]
    with pytest.raises(SigningKeysMissingError):
        _ = client.keys
    assert not keys.exists()


def test_production_loads_an_existing_key_file(tmp_path):
    keys = tmp_path / "signing-keys.json"
    made = RegisterKeys.create(keys)
    before = keys.read_bytes()
    loaded = register_signing_keys(_production(keys))
    assert loaded.current_kid == made.current_kid
    assert loaded.jwks() == made.jwks()
    assert keys.read_bytes() == before


def test_production_refuses_create_signing_keys_set_true(tmp_path):
    with pytest.raises(InsecureConfigurationError, match="REGISTER__CREATE_SIGNING_KEYS"):
        _production(tmp_path / "keys.json", create_signing_keys=True)


def test_development_creates_a_missing_key_file_once_and_then_loads_it(tmp_path):
    keys = tmp_path / "register" / "signing-keys.json"
    settings = Settings(register={"signing_keys_path": keys})
    assert settings.register.create_signing_keys is True
    first = register_signing_keys(settings)
    assert _mode(keys) == 0o600
    assert register_signing_keys(settings).current_kid == first.current_kid


def test_the_register_section_alone_keeps_creating_on_first_use(tmp_path):
    keys = tmp_path / "keys.json"
    assert RegisterKeys.from_settings(RegisterSettings(signing_keys_path=keys)).current_kid
    assert keys.exists()


def test_create_writes_a_private_file_and_never_overwrites_it(tmp_path):
    keys = tmp_path / "new" / "signing-keys.json"
    RegisterKeys.create(keys)
    assert _mode(keys) == 0o600
    before = keys.read_bytes()
    with pytest.raises(SigningKeysExistError) as refused:
        RegisterKeys.create(keys)
    assert refused.value.code == "register_signing_key_exists"
    assert keys.read_bytes() == before


def test_the_create_command_writes_0600_prints_only_public_keys_and_refuses_to_overwrite(
    tmp_path,
):
    _register_commands()
    keys = tmp_path / "signing-keys.json"
    made = runner.invoke(app, ["register", "signing-key", "create", "--path", str(keys)])
    assert made.exit_code == 0, made.output
    printed = json.loads(made.output)
    assert _mode(keys) == 0o600
    on_disk = json.loads(keys.read_text())["keys"]
    assert "d" in on_disk[0]
    assert all("d" not in key for key in printed["jwks"]["keys"])
    assert printed["current_kid"] == on_disk[0]["kid"]
    before = keys.read_bytes()
    again = runner.invoke(app, ["register", "signing-key", "create", "--path", str(keys)])
    assert again.exit_code == 2
    assert "error [register_signing_key_exists]" in again.output
    assert keys.read_bytes() == before


def test_the_create_command_defaults_to_the_configured_path(tmp_path, monkeypatch):
    _register_commands()
    keys = tmp_path / "configured.json"
    monkeypatch.setenv("LEVEATTEST_REGISTER__SIGNING_KEYS_PATH", str(keys))
    made = runner.invoke(app, ["register", "signing-key", "create"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["created"] == str(keys)
    assert _mode(keys) == 0o600


def test_the_show_command_prints_the_public_jwks_and_never_creates(tmp_path):
    _register_commands()
    keys = tmp_path / "signing-keys.json"
    missing = runner.invoke(app, ["register", "signing-key", "show", "--path", str(keys)])
    assert missing.exit_code == 2
    assert "error [register_signing_key_missing]" in missing.output
    assert not keys.exists()
    made = RegisterKeys.create(keys)
    shown = runner.invoke(app, ["register", "signing-key", "show", "--path", str(keys)])
    assert shown.exit_code == 0, shown.output
    printed = json.loads(shown.output)
    assert printed["current_kid"] == made.current_kid
    assert printed["jwks"] == made.jwks()
    assert '"d"' not in shown.output
