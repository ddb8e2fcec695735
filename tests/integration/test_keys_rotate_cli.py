"""``leveattest keys rotate`` as an operator runs it: a real process, killed half-way,
run again until done; then the new master key alone reads what the old one wrote."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from leveattest.cli.app import app
from leveattest.core.clock import FixedClock
from leveattest.core.keys import KeyRing
from leveattest.review.auth import create_account, open_secret
from leveattest.review.models import StaffAccount
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.db import make_engine, make_session_factory, upgrade
from leveattest.storage.blobs import LocalEncryptedBlobStore
from leveattest.storage.envelope import MasterKey
from register.db.engine import make_engine as register_engine
from register.db.engine import make_session_factory as register_sessions
from register.db.migrate import upgrade as register_upgrade
from register.disclosure import Disclosure, append_disclosures, subject_key
from register.identity import norwegian_id
from register.persons import get_or_create_person
from register.retention import person_report

A = "cli-master-A-" + "a" * 40
B = "cli-master-B-" + "b" * 40
OWNERS = 150
CLOCK = FixedClock(datetime(2026, 3, 16, 10, tzinfo=UTC))
NID = "17055000107"


def _cli(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "LEVEATTEST_SECURITY__MASTER_KEY": B,
        "LEVEATTEST_SECURITY__PREVIOUS_MASTER_KEYS": json.dumps([A]),
        "LEVEATTEST_DATABASE__URL": f"sqlite:///{tmp_path / 'leveattest.db'}",
        "LEVEATTEST_DATA__VAR_DIR": str(tmp_path / "var"),
        "LEVEATTEST_REGISTER__SECRET": B,
        "LEVEATTEST_REGISTER__PREVIOUS_SECRETS": json.dumps([A]),
        "LEVEATTEST_REGISTER__DATABASE_URL": f"sqlite:///{tmp_path / 'register.db'}",
    }
    code = (
        "import sys\n"
        "from leveattest.cli import main\n"
        "sys.argv = ['leveattest', *sys.argv[1:]]\n"
        "main()\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, "keys", "rotate", "--json", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def _written_under_a(tmp_path: Path) -> tuple[LocalEncryptedBlobStore, str]:
    engine = make_engine(f"sqlite:///{tmp_path / 'leveattest.db'}")
    upgrade(engine)
    master = MasterKey.from_ring(KeyRing.from_secrets(A))
    blobs = LocalEncryptedBlobStore(tmp_path / "var" / "blobs", master, CLOCK)
    for index in range(OWNERS):
        blobs.put(f"owner{index:04d}.a1", "SELFIE", f"selfie {index}".encode())
    with make_session_factory(engine)() as db, db.begin():
        totp = create_account(
            db, master, ReviewSettings(), CLOCK.now(), username="keyholder", role="admin"
        ).totp_secret
    engine.dispose()
    return blobs, totp


def test_a_killed_rotation_is_finished_by_running_it_again(tmp_path: Path):
    _, totp = _written_under_a(tmp_path)

    first = _cli(tmp_path, "--batch", "1")
    assert first.stderr is not None
    while "progress blob_keys" not in first.stderr.readline():
        assert first.poll() is None, "the rotation ended before it reported progress"
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=60)  # closes its pipes
    assert first.returncode == -signal.SIGKILL

    second = _finish(_cli(tmp_path))
    blob_keys = second["steps"]["blob_keys"]
    # the killed run had moved some keys (at least the one it reported), not all of them
    assert blob_keys["current"] >= 1
    assert blob_keys["moved"] >= 1
    assert blob_keys["moved"] + blob_keys["current"] == OWNERS
    assert second["complete"] is True
    assert second["previous_key_ids"] == [KeyRing.from_secrets(A).current_id]

    third = _finish(_cli(tmp_path))
    assert third["steps"]["blob_keys"] == {
        "moved": 0,
        "current": OWNERS,
        "cleared": 0,
        "failed": 0,
    }
    assert third["steps"]["totp_secrets"]["current"] == 1

    # the previous key can go: B alone reads every blob and the TOTP secret
    only_b = LocalEncryptedBlobStore(tmp_path / "var" / "blobs", MasterKey.from_secret(B), CLOCK)
    assert [only_b.get(o, "SELFIE") for o in only_b.owners()] == [
        f"selfie {index}".encode() for index in range(OWNERS)
    ]
    engine = make_engine(f"sqlite:///{tmp_path / 'leveattest.db'}")
    with make_session_factory(engine)() as db:
        assert open_secret(MasterKey.from_secret(B), db.scalars(select(StaffAccount)).one()) == totp
    engine.dispose()


def test_the_registers_disclosure_lookups_move_to_its_new_secret(tmp_path: Path):
    engine = register_engine(f"sqlite:///{tmp_path / 'register.db'}")
    register_upgrade(engine)
    sessions = register_sessions(engine)
    pid = norwegian_id(NID, accept_synthetic=True)
    with sessions() as db, db.begin():
        get_or_create_person(db, CLOCK, pid)
        append_disclosures(
            db,
            CLOCK,
            [Disclosure("company-1", "status", pid.ref, "ab" * 32)],
            A,
        )
    ring = KeyRing.from_secrets(B, [A])
    with sessions() as db:
        report = person_report(db, pid, ring)
        assert report is not None
        assert len(report["disclosures"]) == 1

    result = _finish(_cli(tmp_path, "--register"))
    assert result["subject_keys_moved"] == 1
    assert _finish(_cli(tmp_path, "--register"))["subject_keys_moved"] == 0

    with sessions() as db:
        # the lookup is now the one B makes, and B alone finds the person's disclosures
        report = person_report(db, pid, B)
        assert report is not None
        assert len(report["disclosures"]) == 1
        under_a = person_report(db, pid, A)
        assert under_a is not None
        assert under_a["disclosures"] == []
        assert subject_key(B, pid.ref) != subject_key(A, pid.ref)
    engine.dispose()


def test_what_no_key_of_the_ring_opens_is_left_and_the_run_says_it_is_incomplete(
    tmp_path: Path,
):
    _written_under_a(tmp_path)
    stranger = LocalEncryptedBlobStore(
        tmp_path / "var" / "blobs", MasterKey.from_secret("c" * 40), CLOCK
    )
    stranger.put("stranger.a1", "SELFIE", b"under a key nobody configured")
    env = {
        "LEVEATTEST_SECURITY__MASTER_KEY": B,
        "LEVEATTEST_SECURITY__PREVIOUS_MASTER_KEYS": json.dumps([A]),
        "LEVEATTEST_DATABASE__URL": f"sqlite:///{tmp_path / 'leveattest.db'}",
        "LEVEATTEST_DATA__VAR_DIR": str(tmp_path / "var"),
    }
    result = CliRunner().invoke(app, ["keys", "rotate", "--json"], env=env)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["complete"] is False
    assert report["steps"]["blob_keys"] == {
        "moved": OWNERS,
        "current": 0,
        "cleared": 0,
        "failed": 1,
    }
    # the stranger's key file is untouched: its own master still reads it
    assert stranger.get("stranger.a1", "SELFIE") == b"under a key nobody configured"

    ids = CliRunner().invoke(app, ["keys", "ids", "--json"], env=env)
    assert ids.exit_code == 0
    assert json.loads(ids.stdout) == {
        "current": KeyRing.from_secrets(B).current_id,
        "previous": [KeyRing.from_secrets(A).current_id],
    }
