"""``leveattest mrz parse``."""

from __future__ import annotations

import json
from datetime import date

import pytest
from mrz_specimens import TD1, TD3, TODAY
from typer.testing import CliRunner

from leveattest.cli import _register_commands
from leveattest.cli.app import app
from leveattest.mrz import MRZFields, compose_td1, parse_mrz

_register_commands()
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["mrz", "parse", *args])
    return result.exit_code, result.output


def test_json_output_is_the_result_json_dict() -> None:
    code, out = _run(*TD3, "--json", "--today", TODAY.isoformat())
    assert code == 0
    assert json.loads(out) == parse_mrz(TD3, today=TODAY).to_json_dict()


def test_readable_summary_names_fields_and_checks() -> None:
    code, out = _run(*TD1, "--today", TODAY.isoformat())
    assert code == 0
    assert "ERIKSSON" in out
    assert "check composite" in out
    assert "valid            yes" in out


def test_invalid_mrz_still_exits_zero() -> None:
    broken = [TD3[0], TD3[1][:9] + "0" + TD3[1][10:]]
    code, out = _run(*broken, "--json", "--today", TODAY.isoformat())
    assert code == 0
    payload = json.loads(out)
    assert payload["valid"] is False
    assert payload["checks"]["document_number"] == "failed"


def test_german_code_is_shown_as_alpha3_in_the_summary() -> None:
    lines = compose_td1(
        MRZFields("ID", "D", "Mustermann", "Erika", "T22000129", "D",
                  date(1964, 8, 12), "F", date(2030, 1, 1))
    )  # fmt: skip
    code, out = _run(*lines, "--today", TODAY.isoformat())
    assert code == 0
    assert "D (DEU)" in out


@pytest.mark.parametrize("args", [["not", "an", "mrz"], [TD3[0]], [TD3[0], TD3[1] + "<"]])
@pytest.mark.parametrize("as_json", [True, False])
def test_input_that_is_no_mrz_exits_non_zero(args: list[str], as_json: bool) -> None:
    code, out = _run(*args, *(["--json"] if as_json else []))
    assert code == 2
    if as_json:
        assert json.loads(out)["error"]["code"] == "mrz_unreadable"


def test_bad_today_is_refused() -> None:
    code, _ = _run(*TD3, "--today", "yesterday")
    assert code == 2
