"""The company CLI: key generation and offline verification of saved answers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from register.keys import RegisterKeys

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
