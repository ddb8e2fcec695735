"""One production switch (issue 14, item 1): with ``LEVEATTEST_ENVIRONMENT=production`` no
part of the service starts with a development secret — not the service, not the register
on its own, not a worker, not the ops or jobs commands. The real entry point runs in a
subprocess each time; it must stop before it starts anything, with the stable code and
the variable to fix on stderr, exit 2 and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leveattest.core.settings import DEV_MASTER_KEY, DEV_REGISTER_SECRET

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


def _run(command: list[str], settings: dict[str, str], tmp_path: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("LEVEATTEST_")}
    env |= {
        "LEVEATTEST_ENVIRONMENT": "production",
        # nothing may be reached: the databases are never connected to
        "LEVEATTEST_DATABASE__URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "LEVEATTEST_REGISTER__DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "LEVEATTEST_DATA__VAR_DIR": str(tmp_path / "var"),
        "LEVEATTEST_REGISTER__SIGNING_KEYS_PATH": str(tmp_path / "keys.json"),
        **settings,
    }
    done = subprocess.run(
        [str(ENTRY_POINT), *command],
        env=env,
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
