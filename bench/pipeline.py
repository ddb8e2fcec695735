"""Benchmark the whole verification pipeline per session, on ONE core.

    uv run python bench/pipeline.py [--samples DIR] [--rounds 2]

Each session is what a worker gets: the chip files with an AA signature over a fresh
challenge, the phone photo of the data page (OCR + constrained MRZ match), the selfie,
the three face comparisons (selfie, chip DG2, page portrait) and the liveness frames,
rendered beforehand by the phone simulator (rendering is the phone's work, not timed).
The process is pinned to one CPU and native thread pools are limited to one thread.
After one warm-up session (model loading, reported separately) every generated person
is run ``--rounds`` times. Reports the median / p90 CPU seconds per session (process
CPU time: every thread counted), the wall time, sessions per hour per core and the
median per step. Writes the markdown to stdout and bench/results/pipeline.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from cryptography.hazmat.primitives.serialization import load_pem_private_key  # noqa: E402
from PIL import Image  # noqa: E402

from leveattest.core.clock import FixedClock  # noqa: E402
from leveattest.core.settings import Settings  # noqa: E402
from leveattest.emrtd.trust import FileTrustStore  # noqa: E402
from leveattest.face import FaceEngine  # noqa: E402
from leveattest.pipeline import Pipeline, SessionInputs  # noqa: E402
from leveattest.samples.aa import sign_aa_challenge  # noqa: E402
from leveattest.samples.generate import DEFAULT_SEED, generate_samples  # noqa: E402

cv2.setNumThreads(1)
ROOT = Path(__file__).resolve().parent.parent
REFERENCE = date(2026, 1, 1)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def liveness_parts():
    """(verifier factory, frame renderer) or None when liveness is not available."""
    try:
        from leveattest.face.liveness.challenge import issue_challenge  # noqa: PLC0415
        from leveattest.face.liveness.replay import InMemoryReplayIndex  # noqa: PLC0415
        from leveattest.face.liveness.verify import LivenessEngine  # noqa: PLC0415
        from leveattest.pipeline.steps.liveness_engine import (  # noqa: PLC0415
            EngineLivenessVerifier,
        )
        from mobile_stub.capture.attacks import simulate_capture  # noqa: PLC0415
        from mobile_stub.capture.render import RenderOptions, encode_frames  # noqa: PLC0415
    except ImportError:
        return None

    engines = {}

    def verifier(face_engine):
        engine = engines.setdefault(id(face_engine), LivenessEngine(face_engine))
        return EngineLivenessVerifier(engine, InMemoryReplayIndex())

    def render(session_id: str, selfie: bytes, seed: int):
        challenge = issue_challenge(
            session_id, clock=FixedClock.on(REFERENCE), rng=random.Random(seed)
        ).to_dict()
        portrait = np.asarray(Image.open(io.BytesIO(selfie)).convert("RGB"))
        frames = simulate_capture(portrait, challenge, "genuine", RenderOptions(seed=seed))
        return challenge, encode_frames(frames)

    return verifier, render


def build_sessions(samples: Path, rounds: int, render) -> list[tuple[str, SessionInputs]]:
    sessions = []
    persons = sorted((samples / "persons").iterdir())
    for round_ in range(rounds):
        for folder in persons:
            chip = {f.stem: f.read_bytes() for f in sorted((folder / "chip").glob("*.bin"))}
            key = load_pem_private_key((folder / "aa_key.pem").read_bytes(), None)
            nonce = secrets.token_bytes(8)
            selfie = (folder / "selfie.jpg").read_bytes()
            session_id = f"bench-{folder.name}-{round_}"
            challenge, frames = None, []
            if render is not None:
                challenge, frames = render(session_id, selfie, 1000 * round_ + len(sessions))
            inputs = SessionInputs(
                session_id=session_id,
                chip_files=chip,
                aa_challenge=nonce,
                aa_signature=sign_aa_challenge(key, nonce),
                page_image=(folder / "page_phone.jpg").read_bytes(),
                selfie=selfie,
                liveness_frames=frames,
                liveness_challenge=challenge,
            )
            sessions.append((folder.name, inputs))
    return sessions


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, help="a generated sample tree (else generated)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pipeline.md")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with tempfile.TemporaryDirectory() as tmp:
        samples = args.samples
        if samples is None:
            samples = Path(tmp) / "samples"
            generate_samples(samples, seed=DEFAULT_SEED, reference=REFERENCE)
        parts = liveness_parts()
        render = parts[1] if parts else None
        sessions = build_sessions(samples, args.rounds, render)
        pki = samples / "pki"
        trust = FileTrustStore([pki / "trust", pki / "crl", pki / "link"])
        settings = Settings()
        face_engine = FaceEngine(settings.face)
        pipeline = Pipeline(
            settings=settings,
            trust=trust,
            clock=FixedClock.on(REFERENCE),
            face_engine=face_engine,
            liveness=parts[0](face_engine) if parts else None,
        )
        cpu0, wall0 = time.process_time(), time.perf_counter()
        pipeline.run(sessions[0][1])  # warm-up: models load here
        cold_cpu, cold_wall = time.process_time() - cpu0, time.perf_counter() - wall0
        rows = []
        for name, inputs in sessions:
            if parts:  # a fresh replay index: the same still selfie renders near-equal frames
                pipeline.liveness = parts[0](face_engine)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            outcome = pipeline.run(inputs)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            rows.append((name, outcome, cpu, wall))
    cpus = [r[2] for r in rows]
    walls = [r[3] for r in rows]
    median_cpu = statistics.median(cpus)
    steps = ("chip", "mrz", "faces", "liveness")
    step_medians = {
        s: statistics.median(r[1].timings_ms.get(s, 0.0) for r in rows) / 1000 for s in steps
    }
    lines = [
        "# Verification pipeline benchmark",
        "",
        f"Machine: {cpu_model()} ({os.cpu_count()} logical CPUs, shared with other work), "
        f"process pinned to one core, native thread pools at 1 thread. "
        f"Python {platform.python_version()}. Liveness: "
        f"{'engine + simulator frames' if parts else 'not available (not timed)'}.",
        f"Sessions: {len(rows)} ({args.rounds} rounds over the {len(rows) // args.rounds} "
        "generated persons; page OCR + chip PA/AA + three faces + liveness). CPU is process "
        "CPU time (all threads); wall time includes waiting for the shared core.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| median CPU s per session | {median_cpu:.3f} |",
        f"| p90 CPU s per session | {percentile(cpus, 0.9):.3f} |",
        f"| max CPU s per session | {max(cpus):.3f} |",
        f"| median wall s per session | {statistics.median(walls):.3f} |",
        f"| sessions per hour per core (3600 / mean CPU s) | {3600 / statistics.mean(cpus):.0f} |",
        f"| cold start (first session, models loading) CPU / wall s | "
        f"{cold_cpu:.2f} / {cold_wall:.2f} |",
        "| target | ≤ 2 s CPU median; ≥ 1,500 sessions/hour/core |",
        "",
        "| step | median wall s |",
        "|---|---|",
        *[f"| {s} | {v:.3f} |" for s, v in step_medians.items()],
        "",
        "| person | decision | reasons | CPU s | wall s |",
        "|---|---|---|---|---|",
        *[
            f"| {n} | {o.decision.value} | {', '.join(o.reasons) or '—'} | {c:.3f} | {w:.3f} |"
            for n, o, c, w in rows
        ],
        "",
    ]
    text = "\n".join(lines)
    sys.stdout.write(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
