"""Read the NUAA print-attack images in place (research use: never copied into the repo).

Layout: ``<root>/live/<subject>/*.jpg`` and ``<root>/print/<subject>/*.jpg``. Used by the
fitting script, the benchmark and an integration test; the face box comes from
:func:`~leveattest.face.liveness.passive_input.locate_face` (None when no face was found:
the passive model then has nothing to score).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leveattest.face.detect import Box
from leveattest.face.embed import FaceEngine
from leveattest.face.image import RGBImage, decode_face_image
from leveattest.face.liveness.passive_input import locate_face


@dataclass(frozen=True)
class NuaaSample:
    path: Path
    subject: str
    live: bool
    pixels: RGBImage
    box: Box | None


def load_nuaa(
    root: Path, engine: FaceEngine | None = None, *, per_folder: int | None = None
) -> list[NuaaSample]:
    """All (or ``per_folder`` evenly spaced) images with their largest face box."""
    face_engine = engine or FaceEngine()
    samples: list[NuaaSample] = []
    for kind in ("live", "print"):
        for folder in sorted(p for p in (root / kind).iterdir() if p.is_dir()):
            files = sorted(folder.glob("*.jpg"))
            if per_folder is not None and len(files) > per_folder:
                step = len(files) / per_folder
                files = [files[int(i * step)] for i in range(per_folder)]
            for path in files:
                pixels = decode_face_image(path.read_bytes()).pixels
                box = locate_face(face_engine.models, pixels, 640)
                samples.append(NuaaSample(path, folder.name, kind == "live", pixels, box))
    return samples
