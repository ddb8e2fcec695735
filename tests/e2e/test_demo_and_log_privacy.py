"""The README's main job runs, and nothing personal reaches its output or logs.

House style: personal data never in logs. This runs the whole demo — sample generation,
the service (API, register, a worker process) on SQLite, a pension company and every
phone scenario over HTTP — then searches everything that was printed or logged (the
terminal, and the service log that the API and the worker process write) for every
synthetic person's name, MRZ lines, document number, birth date and national identity
number.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app


def _personal_strings(root: Path) -> set[str]:
    found: set[str] = set()
    for person_file in root.glob("persons/*/person.json"):
        person = json.loads(person_file.read_text())
        born = date.fromisoformat(person["birth_date"])
        found |= {
            person["surname"],
            person["given_names"],
            person["document"]["number"],
            person["birth_date"],
            born.strftime("%d.%m.%Y"),
            born.strftime("%y%m%d"),
            *person["mrz"],
        }
        if person.get("national_id"):
            found.add(person["national_id"]["value"])
        found |= {part for part in person["mrz"][0].split("<") if len(part) >= 5}
    return {s for s in found if len(s) >= 5}


@pytest.mark.slow
def test_demo_runs_all_as_expected_and_logs_nothing_personal(tmp_path, caplog):
    _register_commands()
    out = tmp_path / "demo"
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "ALL AS EXPECTED" in result.output
    # a progress line while the worker loads its models, then how many are ready
    assert "loading the face and liveness models (" in result.output
    assert "workers: 1 ready — analysis can start" in result.output
    assert "worker.ready" in (out / "service" / "service.log").read_text()
    service_log = (out / "service" / "service.log").read_text()
    assert "demo_finished" in service_log  # structured logs were captured
    assert "pipeline.decided" in service_log  # ... from the worker process too
    for scenario in (
        "genuine",
        "genuine_expired_passport",
        "replay",
        "bad_uploads",
        "foreign_passport_dnummer",
        "retry_after_withdrawal",
    ):
        assert f"ok {scenario} " in result.output
    assert "certified" in result.output  # the company sees the approved pensioners
    # the company knows p03 by D-nummer; her chip is a Swedish passport: still certified
    register_view = result.output.split("the register, as Demo Pensjon AS sees it")[1]
    assert re.search(r"^\s+p03\s+certified .* of SWE ", register_view, re.MULTILINE)
    captured = result.output + result.stderr + caplog.text + service_log
    personal = _personal_strings(out / "samples")
    assert len(personal) > 50
    leaked = sorted(s for s in personal if s in captured)
    assert leaked == []
