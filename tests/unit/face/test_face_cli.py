"""``leveattest face compare``: JSON shape and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from face_helpers import encode
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app

_register_commands()
runner = CliRunner()


def test_compare_same_person_json(portrait_path: Path, same_person_path: Path):
    result = runner.invoke(
        app, ["face", "compare", str(portrait_path), str(same_person_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["match"] is True
    assert payload["decision"] == "match"
    assert payload["distance"] < payload["threshold"]
    assert payload["faces"] == {"a": 1, "b": 1}
    assert payload["quality"]["a"]["passed"] is True
    assert "inter_eye_px" in payload["quality"]["b"]["checks"]


def test_compare_with_no_face_is_a_result(portrait_path: Path, tmp_path: Path):
    blank = tmp_path / "blank.png"
    blank.write_bytes(encode(np.full((200, 200, 3), 255, np.uint8)))
    result = runner.invoke(app, ["face", "compare", str(portrait_path), str(blank), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["match"] is False
    assert payload["decision"] == "not_compared"
    assert payload["faces"]["b"] == 0
    assert payload["quality"]["b"]["reasons"] == ["no_face"]


def test_compare_unreadable_input_exits_non_zero(portrait_path: Path, tmp_path: Path):
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\x00\x01 not an image")
    result = runner.invoke(app, ["face", "compare", str(portrait_path), str(junk), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "input_unsupported_format"
    missing = runner.invoke(app, ["face", "compare", str(portrait_path), str(tmp_path / "x")])
    assert missing.exit_code == 2


def test_quality_command_reports_each_check(portrait_path: Path):
    result = runner.invoke(app, ["face", "quality", str(portrait_path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["faces"] == 1
    assert payload["quality"]["passed"] is True
    assert payload["quality"]["checks"]["sharpness"]["threshold"] == 150.0
    text = runner.invoke(app, ["face", "quality", str(portrait_path), "--kind", "page"])
    assert text.exit_code == 0
    assert "passed" in text.stdout
