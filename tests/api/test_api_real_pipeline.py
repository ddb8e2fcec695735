"""One session through the real pipeline, on a generated synthetic sample (SQLite and PG).

No liveness verifier and no AA signature are wired here, so the pipeline asks for a retry
(``aa_not_performed``) or a review. What is asserted is the integration: real uploads, real
chip verification in the worker, evidence stored without images, a non-final outcome keeping
the uploads and a final one not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_helpers import Harness, auth
from sqlalchemy import select

from leveattest.core.clock import SystemClock
from leveattest.core.settings import Settings
from leveattest.jobs.pipeline_factory import build_pipeline
from leveattest.jobs.worker import run_once
from leveattest.sessions.models import StoredCheck
from register.identity import norwegian_id
from register.persons import get_or_create_person
from register.requests import create_request


@pytest.mark.slow
def test_generated_sample_runs_through_the_real_pipeline(harness: Harness, generated_samples: Path):
    person_dir = generated_samples / "persons" / "p01"
    person = json.loads((person_dir / "person.json").read_text())
    with harness.register._sessions() as db, db.begin():
        pid = norwegian_id(person["national_id"]["value"], accept_synthetic=True)
        row = get_or_create_person(db, harness.clock, pid)
        reference = create_request(
            db, harness.clock, harness.register._settings, row, schedule="yearly"
        ).invitation_reference
    started = harness.client.post("/v1/sessions", json={"invitation_reference": reference}).json()
    harness.consent(started)
    sid, headers = started["session_id"], auth(started)
    for chip_file in sorted((person_dir / "chip").glob("*.bin")):
        harness.put(
            f"/v1/sessions/{sid}/parts/{chip_file.stem}",
            chip_file.read_bytes(),
            headers,
            "application/octet-stream",
        )
    harness.put(
        f"/v1/sessions/{sid}/parts/PAGE",
        (person_dir / "page_phone.jpg").read_bytes(),
        headers,
        "image/jpeg",
    )
    selfie = (person_dir / "selfie.jpg").read_bytes()
    harness.put(f"/v1/sessions/{sid}/parts/SELFIE", selfie, headers, "image/jpeg")
    challenge = started["liveness_challenge"]["challenge_id"]
    harness.put(
        f"/v1/sessions/{sid}/frames/0?captured_at_ms=0&challenge_id={challenge}",
        selfie,
        headers,
        "image/jpeg",
    )
    assert harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers).status_code == 202

    settings = Settings(
        data={"var_dir": harness.ctx.settings.data.var_dir},  # type: ignore[arg-type]
        chip={"trust_paths": [generated_samples / "pki" / "trust"]},  # type: ignore[arg-type]
    )
    pipeline = build_pipeline(settings, SystemClock())
    state = run_once(harness.ctx, pipeline)
    assert state in {"approved", "needs_review", "retry_requested", "rejected"}

    with harness.ctx.unit_of_work() as db:
        checks = {c.check: c for c in db.scalars(select(StoredCheck))}
    assert checks, "the pipeline stored no check results"
    passed = {name for name, c in checks.items() if c.verdict == "passed"}
    assert any("passive" in name or "chip" in name or "sod" in name for name in passed), checks
    evidence = json.dumps([c.evidence for c in checks.values()])
    assert len(evidence) < 200_000
    assert person["surname"] not in evidence

    status = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()
    assert status["status"] == state
    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()
    if state in {"approved", "rejected"}:
        assert privacy["held"] == []
    else:
        assert privacy["held"]
