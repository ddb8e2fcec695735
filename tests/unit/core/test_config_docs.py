"""``docs/configuration.md`` is generated from the settings model and must be current;
``leveattest config show`` prints the effective settings with every secret masked."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from leveattest.cli.app import app
from leveattest.core.config_docs import mask_url, render_markdown, to_toml
from leveattest.core.settings import HARNESS_VARIABLES, Settings, iter_fields, variable

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
SECRETS = {
    "LEVEATTEST_SECURITY__MASTER_KEY": "master-" + "m" * 40,
    "LEVEATTEST_REGISTER__SECRET": "register-" + "r" * 40,
    "LEVEATTEST_METRICS__TOKEN": "scrape-" + "t" * 40,
    "LEVEATTEST_REVIEW__URL_SIGNING_KEY": "signing-" + "u" * 40,
    "LEVEATTEST_DATABASE__URL": "postgresql+psycopg://svc:db-password-1@db/leveattest",
    "LEVEATTEST_RATE_LIMITS__STORAGE_URI": "redis://:redis-password-2@127.0.0.1:6379/0",
}


def test_the_configuration_page_is_generated_and_current():
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "docs/configuration.md is stale: run `leveattest config docs` "
        "(or python scripts/gen_config_docs.py)"
    )


def test_the_page_lists_every_variable_and_the_harness_ones():
    text = DOCS.read_text(encoding="utf-8")
    for path, _ in iter_fields():
        assert f"| `{variable(path)}` |" in text
    for name in HARNESS_VARIABLES:
        assert f"| `{name}` |" in text


def test_url_passwords_are_masked():
    assert mask_url("postgresql://u:p%40ss@h:5432/d") == "postgresql://u:********@h:5432/d"
    assert mask_url("redis://:pw@h:6379/0") == "redis://:********@h:6379/0"
    assert mask_url("sqlite:///var/x.db") == "sqlite:///var/x.db"


def test_config_show_prints_the_effective_settings_with_secrets_masked(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEVEATTEST_LIMITS__FRAMES", "42")
    result = CliRunner().invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["limits"]["frames"] == 42
    assert shown["security"]["master_key"] == "********"
    assert shown["register"]["secret"] == "********"
    assert shown["database"]["url"] == "postgresql+psycopg://svc:********@db/leveattest"
    assert "max_frames" not in shown["liveness"]  # the copies are in limits only
    for value in ("m" * 40, "r" * 40, "t" * 40, "u" * 40, "db-password-1", "redis-password-2"):
        assert value not in result.output
    toml = CliRunner().invoke(app, ["config", "show"])
    assert toml.exit_code == 0
    assert tomllib.loads(toml.output)["limits"]["frames"] == 42
    assert "m" * 40 not in toml.output


def test_development_defaults_are_named_as_such():
    text = to_toml(Settings())
    assert 'master_key = "(development default)"' in text
    assert "# token = (unset)" in text


def test_config_show_reports_an_unknown_variable(monkeypatch):
    monkeypatch.setenv("LEVEATTEST_REGISTER__SECRT", "x")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "error [unknown_setting]" in result.output
    assert "LEVEATTEST_REGISTER__SECRET" in result.output


def test_config_docs_check_fails_on_a_stale_page(tmp_path):
    stale = tmp_path / "configuration.md"
    stale.write_text("# Configuration\n", encoding="utf-8")
    check = ["config", "docs", "--out", str(stale), "--check"]
    assert CliRunner().invoke(app, check).exit_code == 1
    assert CliRunner().invoke(app, ["config", "docs", "--out", str(stale)]).exit_code == 0
    assert stale.read_text(encoding="utf-8") == render_markdown()
    assert CliRunner().invoke(app, check).exit_code == 0
