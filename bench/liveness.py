"""Liveness benchmark: APCER per attack species, BPCER, timing (simulated captures).

    uv run python bench/liveness.py [--n 3]

The passive model on real print attacks (NUAA, leaving subjects out) has its own
benchmark: ``bench/passive_liveness_loso.py``.

ISO/IEC 30107-3 definitions. APCER(species) = attack presentations of that species
accepted as bona fide / all of them; BPCER = bona fide presentations not accepted / all
of them. Counting of ``uncertain`` is conservative: it is *not accepted* (counts for
BPCER, not for APCER). The share of bona fide captures labelled ``spoof`` (automatically
rejected, no person looks) is reported separately.

Simulated captures come from mobile_stub.capture over samples/faces/*.jpg at 360x480,
10 fps. Species: genuine (screen adds 20-45 % to the ambient light on the face);
genuine_bright (a bright room: only 8 %, reported separately); static, tint, print,
screen (renderer); replay (a genuine session's frames re-timed onto a new challenge,
the replay index holding the first);
wrong_challenge (a genuine capture lit by another colour sequence of the same timing);
other (a live, different person against this person's selfie). The selfie is another
photo of the same identity where the samples have one, else the same photo.
Sequence attacks, rendered at 8.5 fps (near the 8 fps floor, where a lag of two frames
is one short colour step): rotated_1 (a genuine capture lit by the issued sequence
rotated by one step, the phone simulator's finding), rotated_k (rotated by -1, 2, -2
or 3 steps), shuffled (the issued colours in another order, none in its place),
other_sequence (a fresh genuine capture made for another challenge with the same
prompt, re-timed onto this one; no replay index holds it). Their bona fide
counterpart, genuine_late: 8.5 fps, timestamps 50 ms late, one frame dropped.
Timing: ``LivenessEngine.verify`` on 40 frames at 480x640 (decoded arrays, selfie
embedding given), median over repeated runs, one process. Writes a markdown table
to stdout and bench/results/liveness.md.

    taskset -c 0 uv run python bench/liveness.py --timing-only --repeats 15

times only, side by side and alternated: the engine now and with every identity frame
embedded (as before), with the main thread's run-queue wait and blocked time from
/proc/self/task/*/schedstat (Linux); writes bench/results/liveness_timing.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import platform
import random
import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

import numpy as np
from PIL import Image

from leveattest.core.clock import FixedClock
from leveattest.face import FaceEngine
from leveattest.face.liveness.challenge import PALETTE, ColourStep, issue_challenge
from leveattest.face.liveness.fuse import LivenessLabel
from leveattest.face.liveness.replay import InMemoryReplayIndex
from leveattest.face.liveness.settings import LivenessSettings
from leveattest.face.liveness.verify import LivenessEngine
from mobile_stub.capture import RenderOptions, simulate_capture

ROOT = Path(__file__).resolve().parent.parent
SIZE = (360, 480)
ATTACKS = ("static", "tint", "print", "screen", "replay", "wrong_challenge", "other")
SEQUENCE_ATTACKS = ("rotated_1", "rotated_k", "shuffled", "other_sequence")
SLOW_FPS = 8.5
FIXED = {"median_ms", "p90_ms", "runs", "cpu_median_ms"}
BEFORE, NOW = "every identity frame (before)", "two ends first (now)"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def pinned() -> str:
    """``taskset -c …`` when this process may use fewer cores than the machine has."""
    cores = sorted(os.sched_getaffinity(0))
    return f"taskset -c {','.join(map(str, cores))} " if len(cores) < (os.cpu_count() or 1) else ""


def load(path: Path) -> np.ndarray:
    image = Image.open(path).convert("RGB")
    image.thumbnail((480, 480))
    return np.asarray(image, dtype=np.uint8).copy()


def wrong_colours(challenge, rng: random.Random):
    colours, previous = [], ""
    for step in challenge.colours:
        colour = rng.choice([c for c in PALETTE if c not in {previous, step.colour}])
        colours.append(colour)
        previous = colour
    return shown_colours(challenge, colours)


def shown_colours(challenge, colours: list[str]):
    """The challenge's timing with other colours on the screen (what the attacker lit)."""
    steps = [
        ColourStep(colour, step.start_ms, step.duration_ms)
        for colour, step in zip(colours, challenge.colours, strict=True)
    ]
    return dataclasses.replace(challenge, challenge_id="0" * 32, colours=tuple(steps))


def sequence_variants(challenge, rng: random.Random, seed: int):
    """Rotated by one, rotated by k, and shuffled (no colour in its place) sequences."""
    names = [step.colour for step in challenge.colours]
    k = (-1, 2, -2, 3)[seed % 4]
    order = names
    while any(a == b for a, b in zip(order, names, strict=True)) or any(
        a == b for a, b in itertools.pairwise(order)
    ):
        order = rng.sample(names, len(names))
    return {
        "rotated_1": shown_colours(challenge, names[1:] + names[:1]),
        "rotated_k": shown_colours(challenge, names[k:] + names[:k]),
        "shuffled": shown_colours(challenge, order),
    }


REFLECTION: dict[str, list[tuple[float, float, float]]] = defaultdict(list)


def record(species: str, result) -> str:
    """Keep the reflection correlation, gain and step accuracy; return the label."""
    evidence = result.signals.get("reflection", {})
    if "correlation" in evidence:
        REFLECTION[species].append(
            (evidence["correlation"], evidence["gain"], evidence["step_accuracy"])
        )
    return result.label.value


def simulated(engine: LivenessEngine, n: int) -> dict[str, list[str]]:
    sources = json.loads((ROOT / "samples" / "faces" / "SOURCES.json").read_text())
    faces = {}
    for entry in sources:
        pixels = load(ROOT / "samples" / "faces" / entry["file"])
        analysis = engine.face.analyse(pixels)
        if analysis.face is None:
            continue
        box = analysis.face.box
        faces[entry["file"]] = {
            "identity": entry["identity"],
            "pixels": pixels,
            "embedding": analysis.embedding,
            "hint": {
                "box": [box.left, box.top, box.right, box.bottom],
                "eyes": [list(p) for p in analysis.face.eye_centres],
            },
        }
    clock = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    labels: dict[str, list[str]] = defaultdict(list)
    for name, face in faces.items():
        same = [f for n_, f in faces.items() if f["identity"] == face["identity"] and n_ != name]
        selfie = (same[0] if same else face)["embedding"]
        others = [f for f in faces.values() if f["identity"] != face["identity"]]
        for seed in range(n):
            rng = random.Random(f"{name}-{seed}")
            challenge = issue_challenge(f"{name}-{seed}", clock=clock, rng=rng)

            def render(species, chall=challenge, src=face, seed=seed, *, strength=None, fps=10.0):
                return simulate_capture(
                    src["pixels"],
                    chall.to_dict(),
                    species,
                    RenderOptions(size=SIZE, fps=fps, seed=seed, strength=strength),
                    hint=src["hint"],
                )

            index = InMemoryReplayIndex()
            genuine = render("genuine")
            labels["genuine"].append(
                record(
                    "genuine",
                    engine.verify(challenge, genuine, selfie=selfie, replay_index=index),
                )
            )
            # a bright room: the screen adds only 8 % to the ambient light on the face
            result = engine.verify(challenge, render("genuine", strength=0.08), selfie=selfie)
            labels["genuine_bright"].append(record("genuine_bright", result))
            for species in ("static", "tint", "print", "screen"):
                result = engine.verify(challenge, render(species), selfie=selfie)
                labels[species].append(record(species, result))
            later = issue_challenge(f"{name}-{seed}-later", clock=clock, rng=rng)
            scale = later.duration_ms / challenge.duration_ms
            retimed = [(round(t * scale), px) for t, px in genuine]
            result = engine.verify(later, retimed, selfie=selfie, replay_index=index)
            labels["replay"].append(record("replay", result))
            wrong = wrong_colours(later, rng)
            result = engine.verify(later, render("genuine", chall=wrong), selfie=selfie)
            labels["wrong_challenge"].append(record("wrong_challenge", result))
            other = others[seed % len(others)]
            result = engine.verify(challenge, render("other", src=other), selfie=selfie)
            labels["other"].append(record("other", result))
            late = render("genuine", fps=SLOW_FPS)
            late = [(t + 50, px) for i, (t, px) in enumerate(late) if i != len(late) // 4]
            result = engine.verify(challenge, late, selfie=selfie)
            labels["genuine_late"].append(record("genuine_late", result))
            for species, shown in sequence_variants(challenge, rng, seed).items():
                frames = render("genuine", chall=shown, fps=SLOW_FPS)
                result = engine.verify(challenge, frames, selfie=selfie)
                labels[species].append(record(species, result))
            another = next(
                c
                for c in (issue_challenge("another", clock=clock, rng=rng) for _ in range(50))
                if c.prompt is challenge.prompt
            )
            scale = challenge.duration_ms / another.duration_ms
            frames = render("genuine", chall=another, fps=SLOW_FPS)
            frames = [(round(t * scale), px) for t, px in frames]
            result = engine.verify(challenge, frames, selfie=selfie)
            labels["other_sequence"].append(record("other_sequence", result))
            print(f"  {name} seed {seed}: " + ", ".join(f"{k}={v[-1]}" for k, v in labels.items()))
    return labels


def timing(engine: LivenessEngine, repeats: int) -> dict[str, float]:
    pixels = load(ROOT / "samples" / "faces" / "obama_a.jpg")
    analysis = engine.face.analyse(pixels)
    box = analysis.face.box
    hint = {
        "box": [box.left, box.top, box.right, box.bottom],
        "eyes": [list(p) for p in analysis.face.eye_centres],
    }
    clock = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    totals: list[float] = []
    cpu: list[float] = []
    parts: dict[str, list[float]] = defaultdict(list)
    for seed in range(3):
        challenge = issue_challenge("t", clock=clock, rng=random.Random(seed))
        fps = 40 / ((challenge.duration_ms + 60) / 1000)
        frames = simulate_capture(
            pixels,
            challenge.to_dict(),
            "genuine",
            RenderOptions(size=(480, 640), fps=fps, seed=seed),
            hint=hint,
        )[:40]
        if frames[-1][0] < challenge.duration_ms - 200:
            continue
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = engine.verify(challenge, frames, selfie=analysis.embedding)
            totals.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            for key, value in result.timings_ms.items():
                parts[key].append(value)
    out = {
        "median_ms": statistics.median(totals),
        "p90_ms": float(np.percentile(totals, 90)),
        "runs": len(totals),
        "cpu_median_ms": statistics.median(cpu),
    }
    out.update({f"{k}_ms": statistics.median(v) for k, v in parts.items() if k != "total"})
    return out


def _schedstat() -> dict[str, tuple[int, int]]:
    """Per thread of this process: (ns on a CPU, ns runnable but waiting for one)."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            run, wait, _ = map(int, Path(f"/proc/self/task/{tid}/schedstat").read_text().split())
        except (OSError, ValueError):
            continue
        out[tid] = (run, wait)
    return out


def timing_side_by_side(face: FaceEngine, repeats: int) -> str:
    """``verify`` now against every identity frame embedded (as before), alternated.

    Per run: wall, this process's CPU, and from /proc/self/task/*/schedstat the main
    thread's run-queue wait (runnable, another process on the core) and the rest of the
    wall, when it was blocked (mostly on mediapipe's graph threads).
    """
    now = LivenessEngine(face)
    before = LivenessEngine(
        face, LivenessSettings(identity_settle_margin=10.0), passive_model=now.passive_model
    )
    now.warm_up()
    before.warm_up()
    pixels = load(ROOT / "samples" / "faces" / "obama_a.jpg")
    analysis = face.analyse(pixels)
    box = analysis.face.box
    hint = {
        "box": [box.left, box.top, box.right, box.bottom],
        "eyes": [list(p) for p in analysis.face.eye_centres],
    }
    clock = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    challenge = issue_challenge("t", clock=clock, rng=random.Random(0))
    fps = 40 / ((challenge.duration_ms + 60) / 1000)
    frames = simulate_capture(
        pixels,
        challenge.to_dict(),
        "genuine",
        RenderOptions(size=(480, 640), fps=fps, seed=0),
        hint=hint,
    )[:40]
    main_tid = str(os.getpid())
    rows: dict[str, list[tuple[float, ...]]] = defaultdict(list)
    embedded: dict[str, int] = {}
    load_start = os.getloadavg()[0]
    for i in range(repeats):
        pair = [(BEFORE, before), (NOW, now)]
        for name, engine in pair if i % 2 == 0 else pair[::-1]:
            a = _schedstat()
            start, start_cpu = time.perf_counter(), time.process_time()
            result = engine.verify(challenge, frames, selfie=analysis.embedding)
            wall = (time.perf_counter() - start) * 1000
            cpu = (time.process_time() - start_cpu) * 1000
            b = _schedstat()
            run = (b[main_tid][0] - a[main_tid][0]) / 1e6
            queued = (b[main_tid][1] - a[main_tid][1]) / 1e6
            rows[name].append((wall, cpu, queued, wall - run - queued))
            identity = result.check("liveness_identity")
            embedded[name] = len(identity.evidence.embedded_frames)
            assert result.label is LivenessLabel.LIVE, result.signals
    lines = [
        "# Liveness timing, side by side (one core)",
        "",
        f"CPU: {cpu_name()}; `{pinned().strip() or 'not pinned'}`, load average "
        f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (2 cores, shared).",
        f"Run: `{pinned()}uv run python bench/liveness.py --timing-only --repeats {repeats}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. `LivenessEngine.verify`, 40 genuine frames "
        "at 480x640 (arrays), selfie embedding given; the two configurations alternate.",
        "",
        "| configuration | embeddings | runs | wall median | CPU median | run-queue wait "
        "| blocked | wall − run-queue wait |",
        "|---|---|---|---|---|---|---|---|",
    ]
    medians = {}
    for name, values in rows.items():
        columns = zip(*values, strict=True)
        wall, cpu, queued, blocked = (statistics.median(column) for column in columns)
        medians[name] = (wall, cpu)
        lines.append(
            f"| {name} | {embedded[name]} | {len(values)} | {wall:.0f} ms | {cpu:.0f} ms "
            f"| {queued:.0f} ms | {blocked:.0f} ms | {wall - queued:.0f} ms |"
        )
    (b_wall, b_cpu), (n_wall, n_cpu) = medians[BEFORE], medians[NOW]
    lines += [
        "",
        f"Now / before: wall {n_wall / b_wall:.2f}, CPU {n_cpu / b_cpu:.2f}.",
        "Run-queue wait: the main thread runnable while other processes held the core;",
        "blocked: neither running nor runnable (waiting for mediapipe's graph threads, whose",
        "CPU is in the CPU column). Wall minus the run-queue wait is roughly what a free core",
        "gives.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="liveness benchmark")
    parser.add_argument("--n", type=int, default=3, help="captures per face and species")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--timing-only",
        action="store_true",
        help="only the side-by-side timing (bench/results/liveness_timing.md)",
    )
    args = parser.parse_args()
    if args.timing_only:
        text = timing_side_by_side(FaceEngine(), args.repeats)
        print(text)
        (ROOT / "bench" / "results" / "liveness_timing.md").write_text(text, encoding="utf-8")
        return
    engine = LivenessEngine(FaceEngine())
    started = time.perf_counter()
    times = timing(engine, args.repeats)
    labels = simulated(engine, args.n)
    live = LivenessLabel.LIVE.value
    lines = [
        "# Liveness benchmark",
        "",
        f"CPU: {cpu_name()} ({os.cpu_count()} cores visible, one process on "
        f"{len(os.sched_getaffinity(0))} of them; "
        f"load average at the end {os.getloadavg()[0]:.1f}, machine shared).",
        f"Run: `{pinned()}uv run python bench/liveness.py --n {args.n}` "
        f"({time.perf_counter() - started:.0f} s), {datetime.now(UTC):%Y-%m-%d}.",
        "",
        "## Simulated captures (mobile_stub.capture, 360x480, 10 fps)",
        "",
        "`uncertain` counts as not accepted (conservative): it adds to BPCER, not to APCER.",
        "`genuine`: the screen adds 20-45 % to the ambient light on the face; "
        "`genuine_bright`: 8 % (a bright room).",
        "",
        "`genuine_late` and the sequence attacks (`rotated_1` … `other_sequence`): 8.5 fps.",
        "",
        "| species | presentations | live | uncertain | spoof | rate "
        "| reflection correlation (min–max) | gain (min–max) | step accuracy (min–max) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for species in ("genuine", "genuine_bright", "genuine_late", *ATTACKS, *SEQUENCE_ATTACKS):
        got = labels[species]
        counts = {k: got.count(k) for k in ("live", "uncertain", "spoof")}
        if species.startswith("genuine"):
            rate = (
                f"BPCER {100 * (len(got) - counts['live']) / len(got):.1f} % "
                f"(auto-rejected as spoof: {100 * counts['spoof'] / len(got):.1f} %)"
            )
        else:
            rate = f"APCER {100 * got.count(live) / len(got):.1f} %"
        refl = REFLECTION.get(species) or [(float("nan"),) * 3]
        corr, gain, accuracy = (list(column) for column in zip(*refl, strict=True))
        lines.append(
            f"| {species} | {len(got)} | {counts['live']} | {counts['uncertain']} "
            f"| {counts['spoof']} | {rate} | {min(corr):.2f}–{max(corr):.2f} "
            f"| {min(gain):.2f}–{max(gain):.2f} | {min(accuracy):.2f}–{max(accuracy):.2f} |"
        )
    lines += [
        "",
        "The passive model on real print attacks (NUAA, leaving subjects out): "
        "[passive_liveness_loso.md](passive_liveness_loso.md).",
    ]
    lines += [
        "",
        "## Timing: `LivenessEngine.verify`, 40 frames at 480x640 (arrays), one process",
        "",
        "| wall median | wall p90 | CPU median | runs | "
        + " | ".join(k.removesuffix("_ms") for k in times if k not in FIXED)
        + " |",
        "|---" * (len(times)) + "|",
        f"| {times['median_ms']:.0f} ms | {times['p90_ms']:.0f} ms "
        f"| {times['cpu_median_ms']:.0f} ms | {times['runs']} | "
        + " | ".join(f"{v:.0f} ms" for k, v in times.items() if k not in FIXED)
        + " |",
        "",
        "Target: median <= 500 ms on one core. Wall time includes waiting for the CPU on a",
        "shared machine; CPU time is this process's own (per-step columns are wall medians).",
        "Before and after side by side, with the run-queue wait: "
        "[liveness_timing.md](liveness_timing.md) (`--timing-only`).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "bench" / "results" / "liveness.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
