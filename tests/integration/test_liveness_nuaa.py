"""The passive model on NUAA print attacks (research-use data, read in place).

Only the held-out subjects of scripts/fit_passive_liveness.py, a few images per folder;
a sanity check (better than chance), not the benchmark (bench/liveness.py has the figures).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leveattest.face.liveness.nuaa import load_nuaa
from leveattest.face.liveness.passive import load_passive_model, passive_features

pytestmark = pytest.mark.shared_data


def test_passive_model_beats_chance_on_held_out_nuaa_subjects(shared_data: Path):
    root = shared_data / "liveness" / "nuaa"
    if not root.is_dir():
        pytest.skip("NUAA images absent")
    model = load_passive_model()
    samples = [s for s in load_nuaa(root, per_folder=8) if s.subject in {"0003", "0007"}]
    scores = np.array([model.score(passive_features(s.pixels, s.box)) for s in samples])
    live = np.array([s.live for s in samples])
    assert live.any()
    assert (~live).any()
    apcer = float((scores[~live] >= model.live_threshold).mean())
    bpcer = float((scores[live] < model.live_threshold).mean())
    assert apcer + bpcer < 0.5
    assert scores[live].mean() > scores[~live].mean()
