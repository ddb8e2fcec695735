"""Passive liveness on unseen subjects: leave-one-subject-out over NUAA, per attack species.

    uv run python bench/passive_liveness_loso.py [--data DIR] [--jitters 4] [--train-screen]

NUAA (``liveness/nuaa`` under the project's ``LEVEATTEST_DATA__SHARED_DATA``; research
use, read in place) has 7 subject folders, 3 of them with live images. Every subject is
held out once; the model that scores it is fitted (exactly as
``scripts/fit_passive_liveness.py`` fits the shipped one) on the other six only — never
a random split, so no image of a scored subject was seen in fitting.

Conditions: ``full`` = the 640x480 webcam frame; ``tight`` = the same face cut to its
detector box, shrunk to 140-180 px and JPEG-compressed (quality 75-95), then run through
the whole input contract (detection on the small image, crop, size floor).

Species: ``live`` (bona fide), ``print`` (NUAA's printed photos) and ``screen`` — a
**simulated** screen replay: each live NUAA frame shown on a display by the project's
attack simulator (``mobile_stub.capture.attacks.ScreenDisplay``: sub-pixel grid moiré,
display gamma; plus sensor noise) and filmed again. Simulated screens are not used for
fitting unless ``--train-screen`` is given (off for the published table: it would teach
the simulator, not the attack).

ISO/IEC 30107-3 counting: APCER(species) = attacks labelled ``live`` / attacks;
BPCER = bona fide not labelled ``live`` (``spoof`` or ``uncertain``) / bona fide. 95 %
Wilson intervals. Writes a markdown table to stdout and
bench/results/passive_liveness_loso.md.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

import cv2
import numpy as np

from leveattest.core.settings import Settings
from leveattest.face import FaceEngine
from leveattest.face.liveness.nuaa import load_nuaa
from leveattest.face.liveness.passive import passive_label
from leveattest.face.liveness.passive_fit import (
    JITTERS,
    LIVE_THRESHOLD,
    leave_subjects_out,
    nuaa_rows,
    tight_variant,
    wilson_interval,
)
from mobile_stub.capture.attacks import ScreenDisplay
from mobile_stub.capture.render import camera

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261203


def screen_replay(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A live frame re-filmed from a display (simulated: the project's attack renderer)."""
    height, width = pixels.shape[:2]
    display = ScreenDisplay.random(height, width, rng)
    # the display glass reflects a little of the room: a faint neutral veil
    shown = display.show(pixels.astype(np.float32), 0.0) + 2.0
    filmed = camera(shown, rng, 2.5)
    # stored as JPEG like the NUAA frames, so that compression tells nothing apart
    ok, encoded = cv2.imencode(".jpg", filmed[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return np.ascontiguousarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1])


def label_of(score: float, reason: str, moire: float, moire_threshold: float) -> str:
    if reason:
        return "uncertain"
    return passive_label(score, moire, LIVE_THRESHOLD, moire_threshold)


def pct(k: int, n: int) -> str:
    low, high = wilson_interval(k, n)
    return f"{100 * k / n:.1f} % ({100 * low:.1f}–{100 * high:.1f})" if n else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the NUAA folder")
    parser.add_argument("--jitters", type=int, default=JITTERS)
    parser.add_argument("--train-screen", action="store_true")
    args = parser.parse_args()
    root: Path = args.data or Settings().data.shared_data / "liveness" / "nuaa"
    started = time.perf_counter()
    engine = FaceEngine()
    samples = load_nuaa(root, engine)
    rng = np.random.default_rng(SEED)
    rows = nuaa_rows(
        ((s.subject, s.live, s.pixels, s.box) for s in samples),
        engine.models,
        rng,
        jitters=args.jitters,
    )
    for sample in (s for s in samples if s.live):
        replayed = screen_replay(sample.pixels, rng)
        for condition in ("full", "tight"):
            image = replayed
            if condition == "tight":
                if sample.box is None:
                    continue
                image = tight_variant(replayed, sample.box, rng)
            rows.add(
                engine.models,
                image,
                subject=sample.subject,
                species="screen",
                condition=condition,
                rng=rng,
                jitters=args.jitters if args.train_screen else 0,
            )
    features, live, scorable = rows.arrays()
    species = np.asarray(rows.species)
    trainable = scorable & ((species != "screen") | args.train_screen)
    moire = np.asarray(rows.moire)
    scores, moire_thresholds = leave_subjects_out(
        np.where(scorable[:, None], features, 0.0), live, rows.subject, trainable, moire
    )
    base = np.asarray(rows.base)
    labels = np.array(
        [
            label_of(*values)
            for values in zip(scores, rows.reason, moire, moire_thresholds, strict=True)
        ],
        dtype=object,
    )
    condition = np.asarray(rows.condition)
    subject = np.asarray(rows.subject)
    reason = np.asarray(rows.reason)
    lines = [
        "# Passive liveness, leave-one-subject-out (NUAA)",
        "",
        f"Run: `uv run python bench/passive_liveness_loso.py --jitters {args.jitters}"
        f"{' --train-screen' if args.train_screen else ''}` "
        f"({time.perf_counter() - started:.0f} s), {datetime.now(UTC):%Y-%m-%d}; "
        f"{len(set(rows.subject))} folds (one per subject folder), thresholds by rule: "
        f"`live` at P(live) >= {LIVE_THRESHOLD}, `spoof` only on moiré above the fold's "
        "threshold (its fitting subjects' highest bona fide moiré + margin), else "
        "`uncertain`. 95 % Wilson intervals.",
        "`screen` is **simulated** (NUAA live frames through the project's screen renderer)"
        + (
            "; used in fitting (--train-screen)."
            if args.train_screen
            else "; never used in fitting."
        ),
        "",
        "| condition | bona fide | BPCER | `uncertain` of bona fide | `spoof` of bona fide "
        "| print | APCER print | screen (sim.) | APCER screen (sim.) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for cond in ("full", "tight"):
        pick = base & (condition == cond)
        bona = pick & (species == "live")
        n = int(bona.sum())
        row = [
            cond,
            str(n),
            pct(int((labels[bona] != "live").sum()), n),
            pct(int((labels[bona] == "uncertain").sum()), n),
            pct(int((labels[bona] == "spoof").sum()), n),
        ]
        for kind in ("print", "screen"):
            attacks = pick & (species == kind)
            row += [
                str(int(attacks.sum())),
                pct(int((labels[attacks] == "live").sum()), int(attacks.sum())),
            ]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Per held-out subject (full / tight): labels live / uncertain / spoof; median P(live).",
        "",
        "| subject | species | full | tight | median P(live) full / tight |",
        "|---|---|---|---|---|",
    ]
    for subj in sorted(set(rows.subject)):
        for kind in ("live", "print", "screen"):
            cells = []
            medians = []
            for cond in ("full", "tight"):
                pick = base & (subject == subj) & (species == kind) & (condition == cond)
                if not pick.any():
                    cells.append("—")
                    medians.append("—")
                    continue
                counts = Counter(labels[pick].tolist())
                cells.append(f"{counts['live']} / {counts['uncertain']} / {counts['spoof']}")
                finite = scores[pick & scorable]
                medians.append(f"{np.median(finite):.2f}" if finite.size else "—")
            if any(c != "—" for c in cells):
                lines.append(
                    f"| {subj} | {kind} | {cells[0]} | {cells[1]} | {' / '.join(medians)} |"
                )
    unscored = Counter(
        f"{kind} {cond}: {why}"
        for kind, cond, why in zip(species[base], condition[base], reason[base], strict=True)
        if why
    )
    lines += [
        "",
        "Presentations the model could not score (labelled `uncertain` with this reason): "
        + ("; ".join(f"{k} {v}" for k, v in sorted(unscored.items())) or "none")
        + ".",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "bench" / "results" / "passive_liveness_loso.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
