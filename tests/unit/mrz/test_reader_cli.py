"""``leveattest mrz read IMAGE``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from test_reader import OCRB, TD3, encode, render_page
from typer.testing import CliRunner

from leveattest.cli import _register_commands
from leveattest.cli.app import app

pytestmark = pytest.mark.skipif(not OCRB.is_file(), reason="fonts-ocr-b is not installed")

_register_commands()
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["mrz", "read", *args])
    return result.exit_code, result.output


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "page.png"
    path.write_bytes(encode(render_page(TD3)))
    return path


def test_json_has_the_parse_keys_plus_repairs_and_confidence(page: Path) -> None:
    code, out = _run(str(page), "--json", "--today", "2010-01-01")
    assert code == 0
    payload = json.loads(out)
    assert payload["lines"] == TD3
    assert payload["valid"] is True
    assert isinstance(payload["repairs"], list)
    assert 0.0 < payload["confidence"]["overall"] <= 1.0
    for key in ("format", "document_number", "birth_date", "expiry_date", "checks"):
        assert key in payload


def test_text_output_shows_fields_and_validity(page: Path) -> None:
    code, out = _run(str(page))
    assert code == 0
    assert "L898902C3" in out
    assert "valid            yes" in out


def test_unreadable_file_fails_with_code(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not an image")
    code, out = _run(str(path), "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "image_unreadable"


def test_missing_file_fails_cleanly(tmp_path: Path) -> None:
    code, out = _run(str(tmp_path / "nope.jpg"))
    assert code == 2
    assert "Traceback" not in out


def test_image_without_mrz_fails_with_mrz_code(tmp_path: Path) -> None:
    path = tmp_path / "blank.png"
    Image.new("L", (640, 480), 220).save(path)
    code, out = _run(str(path), "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "mrz_unreadable"


def test_bad_today_fails(page: Path) -> None:
    code, _ = _run(str(page), "--today", "yesterday")
    assert code == 2
