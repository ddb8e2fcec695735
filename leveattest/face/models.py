"""Locate, verify and load the dlib face models (once per process, never at import).

Only two model files are used, both from the ``face-recognition-models`` package:
the 5-point shape predictor (alignment) and the ResNet embedding network. Detection
uses dlib's built-in HOG detector (no file). The 68-point predictor (non-commercial
training data) and the CNN detector (seconds per image on a CPU) are deliberately
not used. Checksums mirror ``models/MANIFEST.toml``; a test checks they agree.

dlib objects are not thread-safe: load and use them from one thread per process
(analysis runs in worker processes, one :class:`FaceModels` per process).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

from leveattest.core.errors import ModelError


@dataclass(frozen=True)
class ModelFile:
    """One model file as recorded in ``models/MANIFEST.toml``."""

    name: str
    file: str
    sha256: str


SHAPE_PREDICTOR_5: Final = ModelFile(
    name="dlib-shape-predictor-5",
    file="shape_predictor_5_face_landmarks.dat",
    sha256="c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
)
FACE_RECOGNITION_RESNET: Final = ModelFile(
    name="dlib-face-recognition-resnet-v1",
    file="dlib_face_recognition_resnet_model_v1.dat",
    sha256="55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
)
FACE_MODEL_FILES: Final = (SHAPE_PREDICTOR_5, FACE_RECOGNITION_RESNET)
DETECTOR_ID: Final = "dlib-hog-frontal-face-detector"

_CHUNK = 1 << 20


def default_models_dir() -> Path:
    """The ``models`` folder of the installed face-recognition-models package.

    ``find_spec`` does not execute the package's ``__init__`` (which needs pkg_resources).
    """
    try:
        spec = find_spec("face_recognition_models")
    except (ImportError, ValueError) as exc:  # pragma: no cover - broken installation
        raise ModelError("face-recognition-models is not installed") from exc
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("face-recognition-models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_model_file(directory: Path, model: ModelFile) -> Path:
    """Return the path of ``model`` in ``directory`` after checking its sha256."""
    path = directory / model.file
    if not path.is_file():
        raise ModelError("face model file is missing", model=model.name, file=model.file)
    try:
        actual = sha256_file(path)
    except OSError as exc:
        raise ModelError("face model file is unreadable", model=model.name) from exc
    if actual != model.sha256:
        raise ModelError(
            "face model file does not match its recorded checksum",
            model=model.name,
            expected_sha256_prefix=model.sha256[:12],
            actual_sha256_prefix=actual[:12],
        )
    return path


@dataclass(frozen=True)
class FaceModels:
    """The loaded dlib objects. Not thread-safe: use from one thread."""

    detector: Any
    shape_predictor: Any
    recogniser: Any
    directory: Path

    @property
    def model_ids(self) -> dict[str, str]:
        """Model names with sha256 prefixes, for evidence in check results."""
        ids = {m.name: m.sha256[:12] for m in FACE_MODEL_FILES}
        ids["detector"] = DETECTOR_ID
        return ids


_lock = threading.Lock()
_loaded: dict[Path, FaceModels] = {}


def load_face_models(directory: Path | None = None) -> FaceModels:
    """Verify and load the models from ``directory`` (default: the installed package).

    Cached per process and directory; raises :class:`ModelError` if a file is missing,
    altered or cannot be loaded.
    """
    folder = (directory or default_models_dir()).resolve()
    with _lock:
        cached = _loaded.get(folder)
        if cached is not None:
            return cached
        shape_path = verify_model_file(folder, SHAPE_PREDICTOR_5)
        resnet_path = verify_model_file(folder, FACE_RECOGNITION_RESNET)
        import dlib  # noqa: PLC0415 - keep dlib out of import time of the CLI

        try:
            models = FaceModels(
                detector=dlib.get_frontal_face_detector(),
                shape_predictor=dlib.shape_predictor(str(shape_path)),
                recogniser=dlib.face_recognition_model_v1(str(resnet_path)),
                directory=folder,
            )
        except RuntimeError as exc:
            raise ModelError("face model could not be loaded") from exc
        _loaded[folder] = models
        return models


def clear_model_cache() -> None:
    """Forget loaded models (tests)."""
    with _lock:
        _loaded.clear()
