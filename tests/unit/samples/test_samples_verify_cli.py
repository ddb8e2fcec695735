"""``leveattest samples verify``: every sample through the engines, as expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app


@pytest.mark.slow
def test_verify_reports_every_sample_as_expected(generated_samples: Path) -> None:
    _register_commands()
    result = CliRunner().invoke(
        app, ["samples", "verify", "--samples", str(generated_samples), "--no-faces"]
    )
    assert result.exit_code == 0, result.output
    assert "ALL AS EXPECTED" in result.output
    for line in ("p01 ", "p12 ", "tampered_dg1 ", "cloned_chip_ec "):
        assert line in result.output


def test_verify_of_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    _register_commands()
    result = CliRunner().invoke(
        app, ["samples", "verify", "--samples", str(tmp_path / "none"), "--no-faces"]
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
