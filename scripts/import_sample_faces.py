"""Fetch public-domain portraits shipped in PyPI packages and derive sample face sources.

Writes ``samples/faces/<name>.jpg`` (480x600 JPEG portraits, cropped around the face
found by dlib's HOG detector, resized and re-encoded: derived works, not byte copies)
and ``samples/faces/SOURCES.json`` (provenance per face; samples/README.md has the table).

Sources (fetched with pip into a temporary directory, never committed):

* ``face-recognition==1.3.0`` sdist (MIT-licensed package): ``tests/test_images/obama.jpg``,
  ``obama2.jpg``, ``obama3.jpg``, ``biden.jpg`` — official US government portraits
  (public domain as works of the US federal government).
* ``scikit-image`` wheel: ``skimage/data/astronaut.png`` — NASA photograph of astronaut
  Eileen Collins (public domain).

Run once: ``uv run python scripts/import_sample_faces.py``. Needs network access to PyPI.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import dlib
import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "samples" / "faces"
SIZE = (480, 600)  # width x height, 4:5 like a passport photo (35x45 mm is 7:9; close enough)
FR_VERSION = "1.3.0"
SKIMAGE_SPEC = "scikit-image>=0.24,<0.27"

FACES = [
    # (output name, identity, source key, path inside the package)
    ("obama_a", "obama", "face_recognition", "tests/test_images/obama.jpg"),
    ("obama_b", "obama", "face_recognition", "tests/test_images/obama2.jpg"),
    ("obama_c", "obama", "face_recognition", "tests/test_images/obama3.jpg"),
    ("biden_a", "biden", "face_recognition", "tests/test_images/biden.jpg"),
    ("astronaut_a", "astronaut", "skimage", "skimage/data/astronaut.png"),
]

LICENCES = {
    "face_recognition": (
        "package MIT; image: official US government portrait, public domain (17 U.S.C. §105)"
    ),
    "skimage": "package BSD-3-Clause; image: NASA photograph, public domain",
}


def _pip() -> list[str]:
    try:
        subprocess.run([sys.executable, "-m", "pip", "--version"], check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError):
        exe = shutil.which("pip3") or shutil.which("pip")
        if exe is None:
            raise SystemExit("pip is needed to download the source packages") from None
        return [exe]
    return [sys.executable, "-m", "pip"]


def _download(tmp: Path) -> dict[str, tuple[Path, str]]:
    """Download both packages; return key -> (archive, 'name version')."""
    pip = _pip()
    subprocess.run(
        [
            *pip,
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            str(tmp / "fr"),
            f"face-recognition=={FR_VERSION}",
        ],
        check=True,
    )
    subprocess.run(
        [
            *pip,
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(tmp / "sk"),
            SKIMAGE_SPEC,
        ],
        check=True,
    )
    fr = next((tmp / "fr").glob("face_recognition-*.tar.gz"))
    sk = next((tmp / "sk").glob("scikit_image-*.whl"))
    sk_version = sk.name.split("-")[1]
    return {
        "face_recognition": (fr, f"face-recognition {FR_VERSION} (sdist {fr.name})"),
        "skimage": (sk, f"scikit-image {sk_version} (wheel {sk.name})"),
    }


def _read_member(archive: Path, inner: str) -> bytes:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            return zf.read(inner)
    with tarfile.open(archive) as tf:
        for member in tf.getmembers():
            if member.name.endswith("/" + inner):
                handle = tf.extractfile(member)
                if handle is not None:
                    return handle.read()
    raise SystemExit(f"{inner} not found in {archive.name}")


def _portrait(img: Image.Image) -> tuple[Image.Image, list[int]]:
    """Crop a 4:5 head-and-shoulders portrait around the largest detected face."""
    rgb = np.asarray(img.convert("RGB"))
    faces = dlib.get_frontal_face_detector()(rgb, 1)
    if not faces:
        raise SystemExit("no face found")
    face = max(faces, key=lambda r: r.width() * r.height())
    cx = (face.left() + face.right()) / 2
    cy = (face.top() + face.bottom()) / 2
    # ICAO 9303-3 / ISO 19794-5 full frontal: head about 70-80 % of the image height;
    # dlib's box spans brows to chin, roughly half the head-and-shoulders height wanted.
    height = face.height() * 2.1
    width = height * SIZE[0] / SIZE[1]
    top = cy - height * 0.45
    left = cx - width / 2
    # shrink (keeping the face centred) if the box leaves the picture
    scale = min(
        1.0,
        cx / (width / 2),
        (img.width - cx) / (width / 2),
        cy / (height * 0.45),
        (img.height - cy) / (height * 0.55),
    )
    if scale < 1.0:
        width, height = width * scale, height * scale
        top, left = cy - height * 0.45, cx - width / 2
    box = [round(left), round(top), round(left + width), round(top + height)]
    return img.convert("RGB").crop(tuple(box)).resize(SIZE, Image.Resampling.LANCZOS), box


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    records = []
    with tempfile.TemporaryDirectory() as tmp_name:
        packages = _download(Path(tmp_name))
        for name, identity, key, inner in FACES:
            archive, package = packages[key]
            raw = _read_member(archive, inner)
            src = Image.open(io.BytesIO(raw))
            src = ImageOps.exif_transpose(src)
            portrait, box = _portrait(src)
            target = OUT / f"{name}.jpg"
            portrait.save(target, "JPEG", quality=88, optimize=True)
            records.append(
                {
                    "file": target.name,
                    "identity": identity,
                    "source_package": package,
                    "path_in_package": inner,
                    "source_sha256": hashlib.sha256(raw).hexdigest(),
                    "licence": LICENCES[key],
                    "processing": (
                        f"EXIF-transposed, cropped to box {box} of the {src.width}x{src.height} "
                        f"original around the dlib HOG face, resized to {SIZE[0]}x{SIZE[1]} "
                        "(Lanczos), re-encoded as JPEG quality 88"
                    ),
                    "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                }
            )
            print(f"{target.relative_to(ROOT)}  <- {package}:{inner}")
    (OUT / "SOURCES.json").write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
