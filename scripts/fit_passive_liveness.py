"""Fit the passive liveness model on NUAA (research-use images, read in place, never copied).

    uv run python scripts/fit_passive_liveness.py [--shared-data ../shared/data]

Subject-disjoint split: subjects 0003 and 0007 are held out (0007 has live and print
images; 0003 print only); the rest train. Features: leveattest.face.liveness.passive.
Model: L2-regularised logistic regression on standardised features (numpy gradient
descent). Thresholds from the training split only: ``live_threshold`` at the equal
error rate, ``spoof_threshold`` 0.2 lower, or lower still if more than 1 % of training
live images fall below that (so a "spoof" label rarely hits a real person); scores in
between are "uncertain". Writes models/liveness_passive.json
(a handful of numbers, ours) and prints its sha256 and the held-out APCER/BPCER.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")

from leveattest.face.liveness.nuaa import load_nuaa
from leveattest.face.liveness.passive import (
    FEATURES,
    MODEL_FEATURES,
    MODEL_NAME,
    passive_features,
)

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = frozenset({"0003", "0007"})
# the uncertain band below the live threshold (at least this wide)
BAND = 0.2


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 3000) -> np.ndarray:
    """Weights (last = bias) of a logistic regression, by gradient descent."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    # balance the classes
    weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(design @ w, -50, 50)))
        grad = design.T @ (weight * (p - y)) + l2 * np.r_[w[:-1], 0.0]
        w -= 0.5 * grad
    return w


def rates(scores: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float]:
    """(APCER, BPCER) with accepted = score >= threshold."""
    apcer = float((scores[y == 0] >= threshold).mean()) if (y == 0).any() else 0.0
    bpcer = float((scores[y == 1] < threshold).mean()) if (y == 1).any() else 0.0
    return apcer, bpcer


def cross_validate(x: np.ndarray, y: np.ndarray, subjects: np.ndarray) -> dict[str, object]:
    """Leave-one-live-subject-out (with one print subject each), at score 0.5."""
    folds = (("0004", "0001"), ("0006", "0002"), ("0007", "0003"))
    results = []
    for held in folds:
        test = np.isin(subjects, held)
        mean, scale = x[~test].mean(axis=0), x[~test].std(axis=0) + 1e-9
        w = fit_logistic((x[~test] - mean) / scale, y[~test])
        scores = 1 / (1 + np.exp(-(((x[test] - mean) / scale) @ w[:-1] + w[-1])))
        results.append(rates(scores, y[test], 0.5))
    apcer, bpcer = np.mean(results, axis=0)
    return {
        "folds": ["+".join(f) for f in folds],
        "mean_apcer": round(float(apcer), 4),
        "mean_bpcer": round(float(bpcer), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "liveness_passive.json")
    args = parser.parse_args()
    samples = load_nuaa(args.shared_data / "liveness" / "nuaa")
    columns = [FEATURES.index(name) for name in MODEL_FEATURES]
    x = np.array([passive_features(s.pixels, s.box) for s in samples])[:, columns]
    y = np.array([1 if s.live else 0 for s in samples])
    test = np.array([s.subject in HELD_OUT for s in samples])
    mean, scale = x[~test].mean(axis=0), x[~test].std(axis=0) + 1e-9
    w = fit_logistic((x[~test] - mean) / scale, y[~test])

    def score(rows: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(((rows - mean) / scale) @ w[:-1] + w[-1])))

    train_scores = score(x[~test])
    candidates = np.linspace(0.01, 0.99, 99)
    gaps = [abs(np.subtract(*rates(train_scores, y[~test], t))) for t in candidates]
    live_threshold = float(candidates[int(np.argmin(gaps))])
    live_train = np.sort(train_scores[y[~test] == 1])
    spoof_threshold = float(min(live_threshold - BAND, live_train[int(0.01 * len(live_train))]))
    test_scores = score(x[test])
    apcer, bpcer = rates(test_scores, y[test], live_threshold)
    model = {
        "name": MODEL_NAME,
        "features": list(MODEL_FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in w[:-1]],
        "bias": round(float(w[-1]), 6),
        "live_threshold": round(live_threshold, 4),
        "spoof_threshold": round(spoof_threshold, 4),
        "fitted_on": "NUAA Photograph Imposter Database (research use), subjects "
        + ", ".join(sorted({s.subject for s in samples} - HELD_OUT)),
        "held_out": {
            "subjects": sorted(HELD_OUT),
            "live": int((y[test] == 1).sum()),
            "print": int((y[test] == 0).sum()),
            "apcer": round(apcer, 4),
            "bpcer": round(bpcer, 4),
        },
    }
    model["cross_validation"] = cross_validate(x, y, np.array([s.subject for s in samples]))
    text = json.dumps(model, indent=2) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} sha256 {hashlib.sha256(text.encode()).hexdigest()}")
    print(json.dumps({k: model[k] for k in ("held_out", "cross_validation")}, indent=2))
    print(
        "train EER threshold",
        live_threshold,
        "train rates",
        rates(train_scores, y[~test], live_threshold),
    )


if __name__ == "__main__":
    main()
