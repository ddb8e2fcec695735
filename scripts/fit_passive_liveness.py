"""Fit the passive liveness model on NUAA (research-use images, read in place, never copied).

    uv run python scripts/fit_passive_liveness.py [--data DIR] [--out models/liveness_passive.json]

Data: ``liveness/nuaa`` under the project's ``LEVEATTEST_DATA__SHARED_DATA``, all subject
folders (the evaluation by leaving subjects out, with the same procedure per fold, is
``bench/passive_liveness_loso.py``). Rows: each image's face crop under the input
contract (:mod:`leveattest.face.liveness.passive_input`), its tight 140-180 px variant,
and exposure jitters of both (:mod:`leveattest.face.liveness.passive_fit`). Model:
class-balanced, L2-regularised logistic regression; live threshold by rule (0.5);
moiré threshold = highest bona fide moiré score + a margin. Writes
the model file (our own numbers) and prints its sha256, to be copied into
``leveattest/face/liveness/passive.py`` (MODEL_SHA256) and ``models/MANIFEST.toml``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

import numpy as np

from leveattest.core.settings import Settings
from leveattest.face import FaceEngine
from leveattest.face.liveness.nuaa import load_nuaa
from leveattest.face.liveness.passive import CONTRACT, MODEL_NAME
from leveattest.face.liveness.passive_fit import (
    JITTERS,
    L2,
    LIVE_THRESHOLD,
    MOIRE_MARGIN,
    fit_logistic,
    moire_threshold,
    nuaa_rows,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261203


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the NUAA folder")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "liveness_passive.json")
    args = parser.parse_args()
    root: Path = args.data or Settings().data.shared_data / "liveness" / "nuaa"
    engine = FaceEngine()
    samples = load_nuaa(root, engine)
    rows = nuaa_rows(
        ((s.subject, s.live, s.pixels, s.box) for s in samples),
        engine.models,
        np.random.default_rng(SEED),
    )
    features, live, scorable = rows.arrays()
    fit = fit_logistic(features[scorable], live[scorable])
    moire = np.asarray(rows.moire)
    subjects = sorted(set(rows.subject))
    model = {
        "name": MODEL_NAME,
        "contract": CONTRACT,
        "mean": [round(float(v), 6) for v in fit.mean],
        "scale": [round(float(v), 6) for v in fit.scale],
        "weights": [round(float(v), 6) for v in fit.weights],
        "bias": round(fit.bias, 6),
        "live_threshold": LIVE_THRESHOLD,
        "moire_threshold": round(moire_threshold(moire[scorable], live[scorable]), 4),
        "fit": {
            "data": "NUAA Photograph Imposter Database (research use only), subject folders "
            + ", ".join(subjects),
            "rows": int(scorable.sum()),
            "images": len(samples),
            "jitters_per_crop": JITTERS,
            "l2": L2,
            "moire_margin": MOIRE_MARGIN,
            "evaluation": "bench/passive_liveness_loso.py (leave one subject out)",
        },
    }
    text = json.dumps(model, indent=1) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} sha256 {hashlib.sha256(text.encode()).hexdigest()}")


if __name__ == "__main__":
    main()
