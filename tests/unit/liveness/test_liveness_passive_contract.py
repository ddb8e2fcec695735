"""The passive model's input contract: crop, size floor, exposure, moiré; its evaluation helpers.

Issue 16: a face too small for the model is ``uncertain`` with ``face_too_small``, never
``spoof``; a face that fills a small image (140-180 px) is still found and scored.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from leveattest.core.checks import Reason, Verdict
from leveattest.core.errors import ModelError
from leveattest.face.detect import Box
from leveattest.face.liveness import passive
from leveattest.face.liveness.passive_fit import (
    fit_logistic,
    jitter_exposure,
    leave_subjects_out,
    wilson_interval,
)
from leveattest.face.liveness.passive_input import (
    CROP_SIDE,
    MIN_FACE_PX,
    N_FEATURES,
    face_crop,
    locate_face,
    moire_score,
    passive_features,
)
from mobile_stub.capture.attacks import ScreenDisplay


@pytest.fixture(scope="module")
def model() -> passive.PassiveModel:
    return passive.load_passive_model()


def _face(portraits) -> tuple[np.ndarray, Box]:
    pixels = portraits["obama_a.jpg"]["pixels"]
    left, top, right, bottom = portraits["obama_a.jpg"]["hint"]["box"]
    return pixels, Box(left, top, right, bottom)


def _shrunk(pixels: np.ndarray, box: Box, face_px: int) -> tuple[np.ndarray, Box]:
    factor = face_px / max(box.width, box.height)
    size = (round(pixels.shape[1] * factor), round(pixels.shape[0] * factor))
    small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    scaled = Box(*(round(v * factor) for v in (box.left, box.top, box.right, box.bottom)))
    return np.ascontiguousarray(small), scaled


def test_face_below_the_size_floor_is_uncertain_with_face_too_small_never_spoof(model, portraits):
    pixels, box = _face(portraits)
    small, small_box = _shrunk(pixels, box, MIN_FACE_PX - 20)
    outcome = model.assess(small, small_box)
    assert outcome.label == "uncertain"
    assert outcome.reason == Reason.FACE_TOO_SMALL.value
    assert outcome.score is None
    check = passive.check_passive(model, [small, small], [small_box, small_box])
    assert check.verdict is Verdict.INCONCLUSIVE
    assert check.reason is Reason.FACE_TOO_SMALL
    assert check.evidence.min_face_px == MIN_FACE_PX


def test_engine_answers_face_too_small_for_a_small_face_photo(liveness_engine, portraits):
    pixels, box = _face(portraits)
    # a face of ~60 px: the detector still finds it (it upsamples), the model refuses it
    small, _ = _shrunk(pixels, box, 60)
    payload = liveness_engine.passive(small)
    assert payload["faces"] == 1
    assert payload["reason"] == "face_too_small"
    assert payload["face_px"] < MIN_FACE_PX
    assert payload["label"] == "uncertain"
    assert payload["score"] is None


def test_small_frames_are_left_out_of_the_passive_check_not_scored(model, portraits):
    pixels, box = _face(portraits)
    small, small_box = _shrunk(pixels, box, MIN_FACE_PX - 20)
    mixed = passive.check_passive(model, [pixels, small], [box, small_box])
    alone = passive.check_passive(model, [pixels], [box])
    assert mixed.evidence.frames == 1
    assert mixed.evidence.score == alone.evidence.score


def test_face_crop_is_a_fixed_square_and_never_enlarged(portraits):
    pixels, box = _face(portraits)
    crop = face_crop(pixels, box)
    assert crop is not None
    assert crop.shape == (CROP_SIDE, CROP_SIDE, 3)
    assert face_crop(pixels, Box(10, 10, 10 + MIN_FACE_PX - 1, 10 + MIN_FACE_PX - 1)) is None
    # a box reaching past the image (a face filling a tight crop) is moved inside it
    tight = np.ascontiguousarray(pixels[box.top : box.bottom, box.left : box.right])
    inside = face_crop(tight, Box(-8, -8, tight.shape[1] + 8, tight.shape[0] + 8))
    assert inside is not None
    assert inside.shape == (CROP_SIDE, CROP_SIDE, 3)


def test_face_filling_a_small_tight_crop_is_found_and_scored(liveness_engine, model, portraits):
    pixels, box = _face(portraits)
    tight = np.ascontiguousarray(pixels[box.top : box.bottom, box.left : box.right])
    tight = np.ascontiguousarray(cv2.resize(tight, (160, 160), interpolation=cv2.INTER_AREA))
    found = locate_face(liveness_engine.face.models, tight, 640)
    assert found is not None
    assert model.assess(tight, found).score is not None


def test_exposure_changes_move_the_score_little(model, portraits):
    pixels, box = _face(portraits)
    crop = face_crop(pixels, box)
    assert crop is not None
    darker = np.asarray(crop.astype(np.float32) * 0.7 + 0.5, np.uint8)
    base = model.score(passive_features(crop))
    # the percentile stretch undoes a uniform gain up to 8-bit rounding
    assert abs(model.score(passive_features(darker)) - base) < 0.1
    jittered = jitter_exposure(crop, np.random.default_rng(0))
    assert jittered.shape == crop.shape


def test_features_are_finite_for_flat_and_dark_crops():
    for value in (0, 128, 255):
        features = passive_features(np.full((CROP_SIDE, CROP_SIDE, 3), value, np.uint8))
        assert features.shape == (N_FEATURES,)
        assert np.isfinite(features).all()
    with pytest.raises(ValueError, match="crop"):
        passive_features(np.zeros((40, 40, 3), np.uint8))


def test_screen_moire_is_spoof_and_the_plain_portrait_is_not(model, portraits):
    pixels, box = _face(portraits)
    assert moire_score(pixels, box) <= model.moire_threshold
    rng = np.random.default_rng(7)
    display = ScreenDisplay.random(pixels.shape[0], pixels.shape[1], rng)
    shown = np.clip(display.show(pixels.astype(np.float32), 0.0) + 2.0, 0, 255)
    screen = np.asarray(shown + 0.5, np.uint8)
    assert moire_score(screen, box) > model.moire_threshold
    assert model.assess(screen, box).label == "spoof"


def test_a_model_fitted_for_another_input_contract_is_refused(tmp_path):
    data = json.loads(passive.default_model_path().read_text("utf-8"))
    data["contract"]["crop_side"] = 128
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ModelError):
        passive.load_passive_model(other)


def test_leave_subjects_out_never_scores_a_subject_with_its_own_rows():
    rng = np.random.default_rng(1)
    subjects = np.repeat(["a", "b", "c"], 20)
    live = np.tile([True, False], 30)
    features = rng.normal(size=(60, 3)) + live[:, None] * 1.5
    moire = np.zeros(60)
    usable = np.ones(60, bool)
    scores, _ = leave_subjects_out(features, live, subjects, usable, moire)
    # relabelling subject "a" (its own rows) cannot change its out-of-fold scores
    flipped = live.copy()
    flipped[subjects == "a"] = ~flipped[subjects == "a"]
    again, _ = leave_subjects_out(features, flipped, subjects, usable, moire)
    assert np.allclose(scores[subjects == "a"], again[subjects == "a"])
    assert not np.allclose(scores[subjects == "b"], again[subjects == "b"])
    fit = fit_logistic(features, live)
    assert fit.scores(features)[live].mean() > fit.scores(features)[~live].mean()


def test_wilson_interval_brackets_the_rate():
    low, high = wilson_interval(0, 171)
    assert low == 0.0
    assert 0.02 < high < 0.025
    low, high = wilson_interval(5, 10)
    assert low < 0.5 < high
    assert wilson_interval(0, 0) == (0.0, 1.0)
