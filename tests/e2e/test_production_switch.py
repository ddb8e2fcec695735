"""One production switch (issue 14, item 1): with ``LEVEATTEST_ENVIRONMENT=production`` no
part of the service starts with a development secret — not the service, not the register
on its own, not a worker, not the ops or jobs commands. The real entry point runs in a
subprocess each time; it must stop before it starts anything, with the stable code and
the variable to fix on stderr, exit 2 and no traceback.

Nor does an API host start without the register's signing key file: production never makes
one of its own (every host must sign with the same keys, docs/deployment.md); the secrets
are checked first, so a development secret is still reported as such.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from leveattest.core.settings import DEV_MASTER_KEY, DEV_REGISTER_SECRET
from register.keys import RegisterKeys

ENTRY_POINT = Path(sys.executable).parent / "leveattest"
COMMANDS = {
    "serve": ["serve", "--workers", "0"],
    "worker": ["worker"],
    "register serve": ["register", "serve"],
    "register migrate": ["register", "migrate"],
    "ops add-user": ["ops", "add-user", "someone", "--role", "admin"],
    "jobs run-scheduled": ["jobs", "run-scheduled"],
    "config show": ["config", "show"],
}
STRONG = "s" * 48


def _environment(settings: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("LEVEATTEST_")}
    return env | {
        "LEVEATTEST_ENVIRONMENT": "production",
        # nothing may be reached: the databases are never connected to
        "LEVEATTEST_DATABASE__URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "LEVEATTEST_REGISTER__DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "LEVEATTEST_DATA__VAR_DIR": str(tmp_path / "var"),
        "LEVEATTEST_REGISTER__SIGNING_KEYS_PATH": str(tmp_path / "keys.json"),
        **settings,
    }


def _run(command: list[str], settings: dict[str, str], tmp_path: Path) -> tuple[int, str]:
    done = subprocess.run(
        [str(ENTRY_POINT), *command],
        env=_environment(settings, tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize(
    ("secrets", "variable"),
    [
        (
            {"LEVEATTEST_SECURITY__MASTER_KEY": DEV_MASTER_KEY},
            "LEVEATTEST_SECURITY__MASTER_KEY",
        ),
        (
            {
                "LEVEATTEST_SECURITY__MASTER_KEY": STRONG,
                "LEVEATTEST_REGISTER__SECRET": DEV_REGISTER_SECRET,
            },
            "LEVEATTEST_REGISTER__SECRET",
        ),
    ],
    ids=["dev-master-key", "dev-register-secret"],
)
def test_no_part_runs_in_production_with_a_development_secret(
    command: list[str], secrets: dict[str, str], variable: str, tmp_path: Path
) -> None:
    code, stderr = _run(command, secrets, tmp_path)
    assert code == 2, stderr
    assert stderr.startswith("error [insecure_configuration]: production refuses"), stderr
    assert variable in stderr
    assert "Traceback" not in stderr
    assert secrets[variable] not in stderr  # the secret itself is never echoed
    assert not (tmp_path / "var").exists()  # nothing was started or written


def test_the_old_register_switch_alone_is_an_error_naming_its_replacement(tmp_path: Path) -> None:
    env = {"LEVEATTEST_ENVIRONMENT": "development", "LEVEATTEST_REGISTER__PRODUCTION": "true"}
    code, stderr = _run(["register", "serve"], env, tmp_path)
    assert code == 2
    assert stderr.startswith("error [unknown_setting]: unknown setting"), stderr
    assert "did you mean LEVEATTEST_ENVIRONMENT=production?" in stderr


def test_a_misspelt_variable_stops_serve_and_names_the_nearest(tmp_path: Path) -> None:
    code, stderr = _run(["serve"], {"LEVEATTEST_DATABSE__URL": "x"}, tmp_path)
    assert code == 2
    assert "LEVEATTEST_DATABSE__URL (did you mean LEVEATTEST_DATABASE__URL?)" in stderr
    assert "Traceback" not in stderr


SECRETS = {"LEVEATTEST_SECURITY__MASTER_KEY": STRONG, "LEVEATTEST_REGISTER__SECRET": STRONG}
API_HOST_COMMANDS = {
    "serve": ["serve", "--workers", "0"],
    "register serve": ["register", "serve"],
}


@pytest.mark.parametrize("command", API_HOST_COMMANDS.values(), ids=API_HOST_COMMANDS.keys())
def test_an_api_host_without_the_signing_key_file_stops_and_makes_none(
    command: list[str], tmp_path: Path
) -> None:
    code, stderr = _run(command, SECRETS, tmp_path)
    assert code == 2, stderr
    assert stderr.startswith("error [register_signing_key_missing]: "), stderr
    assert "LEVEATTEST_REGISTER__SIGNING_KEYS_PATH" in stderr
    assert "leveattest register signing-key create" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "keys.json").exists()  # never made implicitly
    assert not (tmp_path / "var").exists()  # stopped before migrating or starting anything


def test_signing_key_create_makes_the_file_an_api_host_then_serves(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    made = subprocess.run(
        [str(ENTRY_POINT), "register", "signing-key", "create"],
        env=_environment(SECRETS, tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert keys.stat().st_mode & 0o777 == 0o600
    published = RegisterKeys.load(keys).jwks()
    assert json.loads(made.stdout)["jwks"] == published
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [str(ENTRY_POINT), "register", "serve", "--no-migrate", "--port", str(port)],
        env=_environment(SECRETS, tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/.well-known/jwks.json", timeout=2)
                break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the register did not start"
            time.sleep(0.3)
        assert answer.status_code == 200
        assert answer.json() == published  # the file's keys, not keys of its own
    finally:
        server.terminate()
        server.communicate(timeout=30)  # and closes its stderr pipe
