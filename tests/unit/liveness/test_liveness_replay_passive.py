"""Perceptual hashes survive re-encoding; the passive model is the one in the manifest."""

from __future__ import annotations

import hashlib
import io
import tomllib
from pathlib import Path

import numpy as np
from PIL import Image

from leveattest.face.liveness import passive
from leveattest.face.liveness.replay import Fingerprint, InMemoryReplayIndex, hamming, phash


def _jpeg_round_trip(pixels: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def test_phash_is_stable_under_recompression_and_resizing(portraits):
    pixels = portraits["obama_a.jpg"]["pixels"]
    base = phash(pixels)
    assert hamming(base, phash(_jpeg_round_trip(pixels, 60))) <= 4
    smaller = np.asarray(
        Image.fromarray(pixels).resize((pixels.shape[1] // 2, pixels.shape[0] // 2))
    )
    assert hamming(base, phash(smaller)) <= 4
    assert hamming(base, phash(portraits["biden_a.jpg"]["pixels"])) > 12


def test_index_finds_only_repeated_frame_sets():
    index = InMemoryReplayIndex()
    stored = (0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210, 0x0F0F_F0F0_0F0F_F0F0)
    index.add(Fingerprint("s1", frame_hashes=stored))
    same = Fingerprint("s2", frame_hashes=(stored[0] ^ 0b101, stored[1], stored[2] ^ 1))
    other = Fingerprint("s3", frame_hashes=tuple(h ^ 0xFFFF_FFFF_0000_0000 for h in stored))
    match = index.find(same, max_distance=6, min_share=0.5)
    assert match is not None
    assert match.session_id == "s1"
    assert match.kind == "frames"
    assert index.find(other, max_distance=6, min_share=0.5) is None


def test_passive_model_checksum_matches_manifest(project_root: Path):
    manifest = tomllib.loads((project_root / "models" / "MANIFEST.toml").read_text("utf-8"))
    entry = next(m for m in manifest["model"] if m["file"] == passive.MODEL_FILE)
    actual = hashlib.sha256(passive.default_model_path().read_bytes()).hexdigest()
    assert entry["sha256"] == passive.MODEL_SHA256 == actual
    assert entry["name"] == passive.MODEL_NAME
    assert "research use" in entry["source"]
    model = passive.load_passive_model()
    assert 0 < model.live_threshold < 1
    assert model.moire_threshold > 0


def test_passive_scores_a_sample_portrait(liveness_engine, portraits):
    payload = liveness_engine.passive(portraits["obama_a.jpg"]["pixels"])
    assert payload["score"] is not None
    assert 0.0 <= payload["score"] <= 1.0
    assert payload["label"] in {"live", "spoof", "uncertain"}
    assert payload["reason"] is None
    blank = liveness_engine.passive(np.full((100, 100, 3), 128, np.uint8))
    assert blank["faces"] == 0
    assert blank["label"] == "uncertain"
    assert blank["reason"] == "no_face"
