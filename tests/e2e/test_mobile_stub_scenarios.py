"""The phone simulator (``mobile_stub``) against the in-process API and the real pipeline.

The app runs on SQLite in a temporary directory, the register in-process on its own SQLite
file, the clock fixed at the samples' reference date. The phone talks HTTP through
``httpx.ASGITransport`` (wrapped into a synchronous transport); before each status poll the
analysis worker runs once, with the real pipeline (trust: the samples' pki/trust, crl, link).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from leveattest.api.app import create_app
from leveattest.core.clock import Clock, FixedClock
from leveattest.core.settings import Settings
from leveattest.face.liveness.challenge import issue_challenge
from leveattest.jobs.pipeline_factory import build_pipeline
from leveattest.jobs.worker import run_once
from leveattest.sessions.db import make_engine, upgrade
from leveattest.sessions.settings import SessionSettings
from mobile_stub import __main__ as cli
from mobile_stub import scenarios
from mobile_stub.client import MobileClient
from mobile_stub.qr import reference_from_letter, reference_from_text
from register.client import InProcessRegisterClient
from register.db.engine import make_engine as make_register_engine
from register.db.engine import make_session_factory as make_register_sessions
from register.db.migrate import upgrade as upgrade_register
from register.identity import norwegian_id
from register.letters import invitation_letter_png
from register.persons import get_or_create_person
from register.requests import create_request
from register.settings import RegisterSettings

NOW = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)  # the samples' reference date
SEED = 20260101  # liveness challenge (and so capture) seed: every run renders the same


class SyncASGITransport(httpx.BaseTransport):
    """``httpx.ASGITransport`` for a synchronous ``httpx.Client`` (private event loop)."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.inner = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> httpx.Response:
            body = request.read()
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self.inner.handle_async_request(forwarded)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self.loop.run_until_complete(call())

    def close(self) -> None:  # httpx.Client.close() calls it; idempotent
        if not self.loop.is_closed():
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()


class World:
    def __init__(self, root: Path, samples: Path) -> None:
        self.samples = samples
        self.clock = FixedClock(NOW)
        self.register_settings = RegisterSettings(
            database_url=f"sqlite:///{root / 'register.db'}",
            signing_keys_path=root / "keys.json",
            accept_synthetic_ids=True,
        )
        self.register_engine = make_register_engine(self.register_settings.database_url)
        upgrade_register(self.register_engine)
        self.register_sessions = make_register_sessions(self.register_engine)
        register = InProcessRegisterClient(
            self.register_sessions, self.clock, self.register_settings
        )
        self.engine = make_engine(f"sqlite:///{root / 'leveattest.db'}")
        upgrade(self.engine)
        pki = samples / "pki"
        settings = Settings(
            data={"var_dir": root / "var"},  # type: ignore[arg-type]
            chip={"trust_paths": [pki / "trust", pki / "crl", pki / "link"]},  # type: ignore[arg-type]
        )
        self.app = create_app(
            settings,
            clock=self.clock,
            register_client=register,
            session_settings=SessionSettings(),
            engine=self.engine,
            challenge_issuer=self.issue,
        )
        self.settings = settings
        self.pipeline = build_pipeline(settings, self.clock)
        self.transport = SyncASGITransport(self.app)
        self.worker_states: list[str | None] = []
        self.challenge_seed = str(SEED)
        self.issued = 0
        http = httpx.Client(transport=self.transport, base_url="http://leveattest.test")
        self.phone = MobileClient(http, on_poll=self.work, poll_interval=0)

    def issue(self, session_id: str, clock: Clock) -> dict[str, Any]:
        """Reproducible liveness challenges: seeded per scenario (``challenge_seed``) and per
        issue within it (a retry gets a new challenge)."""
        self.issued += 1
        rng = random.Random(f"{self.challenge_seed}/{self.issued}")
        return issue_challenge(session_id, clock=clock, rng=rng).to_dict()

    def work(self) -> None:
        self.worker_states.append(run_once(self.app.state.sessions, self.pipeline))

    def invite(self, folder: Path) -> str:
        person = json.loads((scenarios.person_of(folder) / "person.json").read_text())
        with self.register_sessions() as db, db.begin():
            pid = norwegian_id(person["national_id"]["value"], accept_synthetic=True)
            row = get_or_create_person(db, self.clock, pid)
            # the name the paying company gave (identity linking of a foreign passport)
            row.full_name = row.full_name or f"{person['given_names']} {person['surname']}"
            receipt = create_request(db, self.clock, self.register_settings, row, schedule="yearly")
        return receipt.invitation_reference

    def close(self) -> None:
        self.phone.close()  # closes the transport too
        self.engine.dispose()
        self.register_engine.dispose()


@pytest.fixture
def world(tmp_path_factory: pytest.TempPathFactory, generated_samples: Path) -> Iterator[World]:
    # one service per test: a letter whose session waits for a person cannot start another
    # (issue 12), so a shared service would make the tests depend on their order
    w = World(tmp_path_factory.mktemp("mobile_stub"), generated_samples)
    yield w
    w.close()


def run(world: World, name: str, *, fresh_replay_index: bool = False) -> dict[str, Any]:
    """Run scenario ``name``; ``fresh_replay_index``: a new worker pipeline first.

    The worker remembers perceptual hashes of the selfies and frames it has seen (in memory,
    per pipeline). The sample set has few face photos, so scenarios that reuse one would
    be caught as replays of each other; a fresh pipeline tests each attack on its own.
    """
    world.challenge_seed, world.issued = f"{SEED}-{name}", 0
    if fresh_replay_index:
        world.pipeline = build_pipeline(world.settings, world.clock)
    folder = scenarios.folder_for(world.samples, name)
    result = scenarios.SCENARIOS[name](world.phone, folder, world.invite(folder))
    print(json.dumps(result))
    return result


def test_qr_reference_from_the_letter(world: World, tmp_path: Path) -> None:
    reference = world.invite(world.samples / "persons" / "p01")
    letter = tmp_path / "letter.png"
    letter.write_bytes(
        invitation_letter_png(
            world.register_settings, reference, full_name=None, deadline=NOW.date()
        )
    )
    assert reference_from_letter(letter) == reference
    assert reference_from_text("https://x.example/i/ABC123") == "ABC123"
    assert reference_from_text("not a reference!") is None


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "genuine",
        "genuine_expired_passport",
        "foreign_passport_dnummer",  # linked to the D-nummer by name and birth date
        "retry_after_withdrawal",  # the same letter after a withdrawal
    ],
)
def test_genuine_is_approved(world: World, name: str) -> None:
    result = run(world, name)
    assert result["actual"] == "approved", result


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("impostor", "face_mismatch"),  # biometric doubt: a person decides (GDPR art. 22)
        ("tampered_chip", "hash_mismatch"),  # failed cryptography: final rejection
        ("cloned_chip", "retry_budget_exhausted"),  # read again, then a person decides
        ("replay", "liveness_spoof"),  # colours and prompt belong to another challenge
        ("printed_photo", "liveness_spoof"),
    ],
)
def test_attacks_are_not_approved(world: World, name: str, reason: str) -> None:
    result = run(world, name, fresh_replay_index=True)
    assert result["actual"] != "approved", result
    assert result["actual"] == result["expected"], result
    assert reason in result["reasons"], result


def test_withdraw_consent_deletes_everything(world: World) -> None:
    result = run(world, "withdraw_consent")
    assert result["actual"] == "withdrawn", result
    assert result["deleted_items"] > 0
    assert result["held_after"] == 0


def test_bad_uploads_answer_problem_codes(world: World) -> None:
    result = run(world, "bad_uploads")
    assert result["codes"] == scenarios.BAD_UPLOADS, result
    assert result["session_status"] == "collecting"


@pytest.mark.slow
def test_replay_of_an_earlier_sessions_frames(world: World) -> None:
    """A genuine session's frames, re-sent by a second session under its new challenge."""
    world.challenge_seed = f"{SEED}-earlier"
    world.pipeline = build_pipeline(world.settings, world.clock)
    folder = world.samples / "persons" / "p01"
    _, first, frames = scenarios.walk(world.phone, world.invite(folder), folder)
    world.challenge_seed = f"{SEED}-replayed"
    result = scenarios.replay(world.phone, folder, world.invite(folder), earlier=frames)
    print(first.status.value, json.dumps(result))
    assert result["actual"] == "needs_review", result
    assert "replay_detected" in result["reasons"], result


def test_command_line_runs_a_scenario_from_a_letter(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = world.samples / "persons" / "p01"
    letter = tmp_path / "letter.png"
    letter.write_bytes(
        invitation_letter_png(
            world.register_settings, world.invite(folder), full_name=None, deadline=NOW.date()
        )
    )

    def connect(base_url: str, **_: Any) -> MobileClient:
        http = httpx.Client(transport=SyncASGITransport(world.app), base_url=base_url)
        return MobileClient(http, on_poll=world.work, poll_interval=0)

    monkeypatch.setattr(cli.MobileClient, "connect", staticmethod(connect))
    code = cli.main(
        [
            "run",
            "--scenario",
            "withdraw_consent",
            "--base-url",
            "http://leveattest.test",
            "--samples",
            str(world.samples),
            "--letter",
            str(letter),
            "--json",
        ]
    )
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0
    assert result["actual"] == "withdrawn"
