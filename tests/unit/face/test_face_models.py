"""Model files: the constants mirror models/MANIFEST.toml; checksums are enforced."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from leveattest.core.errors import ModelError
from leveattest.face import models


def test_model_constants_agree_with_manifest(project_root: Path):
    manifest = tomllib.loads((project_root / "models" / "MANIFEST.toml").read_text("utf-8"))
    entries = {entry["file"]: entry for entry in manifest["model"]}
    for model in models.FACE_MODEL_FILES:
        assert entries[model.file]["sha256"] == model.sha256
        assert entries[model.file]["name"] == model.name
    assert "shape_predictor_68_face_landmarks.dat" not in entries


def test_installed_models_verify():
    directory = models.default_models_dir()
    for model in models.FACE_MODEL_FILES:
        assert models.verify_model_file(directory, model).is_file()


def test_checksum_mismatch_raises_model_error(tmp_path: Path):
    for model in models.FACE_MODEL_FILES:
        (tmp_path / model.file).write_bytes(b"not the model")
    with pytest.raises(ModelError) as caught:
        models.load_face_models(tmp_path)
    assert caught.value.code == "model_unavailable"
    assert "expected_sha256_prefix" in caught.value.context


def test_missing_model_raises_model_error(tmp_path: Path):
    with pytest.raises(ModelError):
        models.load_face_models(tmp_path)


def test_models_load_once_per_process():
    assert models.load_face_models() is models.load_face_models()
