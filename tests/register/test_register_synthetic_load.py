"""``leveattest register load-synthetic``: bulk synthetic persons on SQLite and PostgreSQL
(COPY), the data shape the benchmarks read, and a clear refusal of a non-empty register
or of a register that does not accept synthetic numbers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from register import synthetic
from register.errors import NationalIdInvalidError
from register.identity import norwegian_id
from register.synthetic import SyntheticSpaceExhaustedError, synthetic_ids

runner = CliRunner()
PERSONS = 240


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _load(engine, monkeypatch, tmp_path, *extra: str):
    _register_commands()
    monkeypatch.setenv("LEVEATTEST_REGISTER__DATABASE_URL", _url(engine))
    args = ["register", "load-synthetic", "--persons", str(PERSONS), "--json"]
    return runner.invoke(app, [*args, "--key-out", str(tmp_path / "keys"), *extra])


def _counts(engine: Engine) -> dict[str, int]:
    tables = (
        "persons",
        "certificates",
        "certificate_requests",
        "pension_relationships",
        "change_events",
        "companies",
        "disclosure_log",
    )
    with engine.connect() as conn:
        return {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) or 0 for t in tables}


def test_load_synthetic_fills_every_table_the_benches_read(engine, monkeypatch, tmp_path):
    result = _load(engine, monkeypatch, tmp_path, "--companies", "2", "--batch", "70")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    counts = _counts(engine)
    assert summary["persons"] == counts["persons"] == PERSONS
    assert counts["companies"] == 2
    assert summary["related"] == counts["pension_relationships"] == int(PERSONS * 0.8)
    assert summary["certificates"] == counts["certificates"] > PERSONS // 2
    assert summary["requests"] == counts["certificate_requests"] > 0
    assert summary["change_events"] == counts["change_events"] >= counts["certificates"]
    assert counts["disclosure_log"] == 0
    assert len(summary["key_files"]) == 2
    assert all(
        (tmp_path / "keys").joinpath(p.rsplit("/", 1)[-1]).exists() for p in summary["key_files"]
    )
    with engine.connect() as conn:
        per_company = conn.execute(
            text(
                "SELECT c.client_id, count(*) FROM pension_relationships r "
                "JOIN companies c ON c.id = r.company_id GROUP BY c.client_id ORDER BY 1"
            )
        ).all()
        head = conn.scalar(text("SELECT last_id FROM register_heads WHERE name = 'change_events'"))
        numbers = conn.scalars(text("SELECT id_value FROM persons ORDER BY id")).all()
        last_event = conn.scalar(text("SELECT max(id) FROM change_events"))
    assert [(c, n) for c, n in per_company] == [("bench-pension", 96), ("bench-pension-2", 96)]
    assert head == last_event == counts["change_events"]
    assert len(set(numbers)) == PERSONS
    # synthetic numbers: accepted only where the register accepts synthetic ids
    assert norwegian_id(numbers[0], accept_synthetic=True).value == numbers[0]
    with pytest.raises(NationalIdInvalidError):
        norwegian_id(numbers[-1], accept_synthetic=False)


def test_load_synthetic_refuses_a_register_that_is_not_empty(engine, monkeypatch, tmp_path):
    assert _load(engine, monkeypatch, tmp_path).exit_code == 0
    before = _counts(engine)
    again = _load(engine, monkeypatch, tmp_path)
    assert again.exit_code == 2
    assert json.loads(again.stdout)["error"]["code"] == "register_not_empty"
    assert _counts(engine) == before


def test_load_synthetic_refuses_without_synthetic_ids(engine, monkeypatch, tmp_path):
    monkeypatch.setenv("LEVEATTEST_REGISTER__ACCEPT_SYNTHETIC_IDS", "false")
    refused = _load(engine, monkeypatch, tmp_path)
    assert refused.exit_code == 2
    assert json.loads(refused.stdout)["error"]["code"] == "register_synthetic_ids_refused"
    assert _counts(engine)["persons"] == 0


def test_synthetic_numbers_are_distinct_and_the_space_is_bounded(monkeypatch):
    first = list(synthetic_ids(5000))
    assert len({value for value, _ in first}) == 5000
    assert all(int(value[2:4]) > 80 for value, _ in first)  # month + 80: the synthetic series
    monkeypatch.setattr(synthetic, "SERIES", ((date(1950, 1, 1), date(1950, 1, 10), range(2)),))
    assert len(list(synthetic_ids(5))) == 5
    with pytest.raises(SyntheticSpaceExhaustedError):
        list(synthetic_ids(21))  # at most 2 numbers a day over 10 days
