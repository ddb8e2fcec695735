"""With ``PROMETHEUS_MULTIPROC_DIR`` set, ``/metrics`` adds up the counts of every process
(prometheus-client's multiprocess mode must be chosen before the library is imported, so
each process here is a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COUNT = """
from leveattest.core.metrics import JOBS_RETRIED, observe_outcome
JOBS_RETRIED.labels(code="model_missing").inc()
observe_outcome("review", ["face_mismatch"], {"total": 800.0})
"""
RENDER = """
import sys
from leveattest.core.metrics import render_metrics
sys.stdout.write(render_metrics().decode())
"""


def _python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_counts_of_two_worker_processes_are_added_up(tmp_path: Path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    _python(COUNT, env)
    _python(COUNT, env)
    text = _python(RENDER, env)
    assert 'leveattest_jobs_retried_total{code="model_missing"} 2.0' in text
    assert 'leveattest_outcomes_total{decision="review",reason="face_mismatch"} 2.0' in text
    assert 'leveattest_stage_seconds_count{stage="total"} 2.0' in text
