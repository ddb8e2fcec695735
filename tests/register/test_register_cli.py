"""The company CLI (key generation, offline verification of saved answers) and the
register operator's ``register record-manual``."""

from __future__ import annotations

import json

from register_testkit import NOW, nid
from sqlalchemy import text
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from leveattest.core.clock import FixedClock
from register.db.engine import make_engine, make_session_factory
from register.identity import norwegian_id
from register.keys import RegisterKeys
from register.persons import get_or_create_person
from register.requests import create_request
from register.settings import RegisterSettings

runner = CliRunner()


def test_keygen_writes_a_private_key_and_prints_only_the_public_jwk(tmp_path):
    _register_commands()
    result = runner.invoke(app, ["company", "keygen", "--out", str(tmp_path), "--kid", "k1"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert "d" not in printed["public_jwk"]
    assert "d" in json.loads((tmp_path / "k1.private.jwk.json").read_text())


def test_verify_accepts_a_genuine_answer_and_rejects_a_tampered_one(tmp_path):
    _register_commands()
    keys = RegisterKeys.generate()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(keys.jwks()))
    answer = tmp_path / "answer.json"
    statement = keys.sign_json({"status": {"state": "certified"}}, typ="status+jws")
    answer.write_text(json.dumps({"statement": statement}))
    ok = runner.invoke(app, ["company", "verify", str(answer), "--jwks", str(jwks)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["claims"]["status"]["state"] == "certified"
    forged = RegisterKeys.generate().sign_json({"status": {}}, typ="status+jws")
    answer.write_text(forged)
    bad = runner.invoke(app, ["company", "verify", str(answer), "--jwks", str(jwks)])
    assert bad.exit_code == 1


def test_record_manual_certifies_a_known_person_and_refuses_an_unknown_one(tmp_path, monkeypatch):
    _register_commands()
    url = f"sqlite:///{tmp_path / 'register.db'}"
    monkeypatch.setenv("LEVEATTEST_REGISTER__DATABASE_URL", url)
    assert runner.invoke(app, ["register", "migrate"]).exit_code == 0
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            known = get_or_create_person(session, FixedClock(NOW), norwegian_id(nid(0)))
            create_request(session, FixedClock(NOW), RegisterSettings(), known, schedule="yearly")
    finally:
        engine.dispose()
    args = ["register", "record-manual", "--date", "2026-03-12", "--reference", "NAV-77"]
    recorded = runner.invoke(app, [*args, "--by", "operator-1", "--national-id", nid(0)])
    assert recorded.exit_code == 0, recorded.output
    answer = json.loads(recorded.output)
    assert (answer["method"], answer["fulfilled_requests"]) == ("manual", 1)
    unknown = runner.invoke(app, [*args, "--by", "operator-1", "--national-id", nid(1), "--json"])
    assert unknown.exit_code == 2
    assert json.loads(unknown.output)["error"]["code"] == "register_certificate_invalid"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            audited = conn.execute(
                text("SELECT action, subject_fp, detail FROM audit_events")
            ).all()
    finally:
        engine.dispose()
    assert [row[0] for row in audited] == ["operator:certificate:recorded_manual"]
    assert nid(0) not in str(audited)  # a keyed fingerprint, never the number
