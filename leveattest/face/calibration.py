"""Threshold calibration over labelled face sets: genuine and impostor pair distances.

Inputs: ``../shared/data/faces`` (``identities.tsv``: file, identity, ..., duplicate_of)
and, when present, ``samples/faces`` (``SOURCES.json``). Rows labelled ``MULTI`` are
skipped; identical files (same sha256, e.g. rows with ``duplicate_of``) are counted once;
a sample derived from a shared file (same source sha256) joins that file's identity, and
the pair (sample, its own source) is excluded as a near-duplicate. Pair ids are hashes of
the file names: reports carry no images and no names of files.

Hard genuine pairs (issue 16): :func:`chip_like_portrait` turns one side of a pair into
what a passport chip stores (DG2: ICAO framing, 240x300, JPEG 2000 at about 1:16, 10-15
kB) so that the quality gap between a chip portrait and a phone selfie can be measured
with the same identities; :func:`pair_group` tells frames of one video shot from
different photographs (the labels carry no capture dates, so time apart is unknown).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from leveattest.face.analysis import Embedding
from leveattest.face.detect import Box
from leveattest.face.image import RGBImage
from leveattest.face.match import face_distance

CANDIDATE_THRESHOLDS = (0.40, 0.45, 0.50, 0.55, 0.60, 0.65)
# DG2 portraits on issued chips: about 240x300 px (ISO/IEC 19794-5 token-like framing),
# JPEG 2000 of 10-20 kB; 1:16 of 240x300x3 bytes is 13.5 kB
CHIP_SIZE = (240, 300)
CHIP_JP2_RATE = 16
# ICAO framing: the face (HOG box, about the inner face) takes ~55 % of the width
CHIP_FACE_SHARE = 0.55
_SHOT = re.compile(r"^(?P<stem>.+)-\d+p$")


@dataclass(frozen=True)
class LabelledImage:
    """One image file with its identity; ``source`` groups near-duplicate derivatives."""

    path: Path
    name: str
    identity: str
    sha256: str
    source: str

    @property
    def pair_id(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Pair:
    a: LabelledImage
    b: LabelledImage
    distance: float

    @property
    def genuine(self) -> bool:
        return self.a.identity == self.b.identity


@dataclass
class CalibrationSet:
    images: list[LabelledImage] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _clean_identity(label: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", label).strip()


def load_shared_faces(folder: Path, into: CalibrationSet | None = None) -> CalibrationSet:
    """Read ``identities.tsv``: skip MULTI rows, keep one row per distinct file content."""
    result = into or CalibrationSet()
    seen = {image.sha256 for image in result.images}
    with (folder / "identities.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            label = row["identity"].strip()
            if label.upper().startswith("MULTI"):
                result.skip("multi_face_row")
                continue
            path = folder / row["file"]
            if not path.is_file():
                result.skip("file_missing")
                continue
            digest = _sha256(path)
            if digest in seen:
                result.skip("identical_file")
                continue
            seen.add(digest)
            result.images.append(
                LabelledImage(path, f"shared/{row['file']}", _clean_identity(label), digest, digest)
            )
    return result


def load_sample_faces(folder: Path, into: CalibrationSet) -> CalibrationSet:
    """Add ``samples/faces`` (SOURCES.json); derivatives of shared files join their identity."""
    by_source = {image.sha256: image for image in into.images}
    entries = json.loads((folder / "SOURCES.json").read_text(encoding="utf-8"))
    for entry in entries:
        path = folder / entry["file"]
        if not path.is_file():
            into.skip("file_missing")
            continue
        source_sha = str(entry.get("source_sha256", ""))
        origin = by_source.get(source_sha)
        identity = origin.identity if origin else f"samples:{entry['identity']}"
        into.images.append(
            LabelledImage(
                path,
                f"samples/{entry['file']}",
                identity,
                _sha256(path),
                source_sha or _sha256(path),
            )
        )
    return into


def compute_pairs(
    images: Sequence[LabelledImage], embed: Callable[[Path], Embedding | None]
) -> tuple[list[Pair], list[LabelledImage]]:
    """All pairs of images with a face; returns (pairs, images without a face)."""
    embedded: list[tuple[LabelledImage, Embedding]] = []
    no_face: list[LabelledImage] = []
    for image in images:
        vector = embed(image.path)
        if vector is None:
            no_face.append(image)
        else:
            embedded.append((image, vector))
    pairs = [
        Pair(a, b, face_distance(va, vb))
        for (a, va), (b, vb) in itertools.combinations(embedded, 2)
        if a.source != b.source  # identical or derived from the same file
    ]
    return pairs, no_face


@dataclass(frozen=True)
class ErrorRates:
    threshold: float
    false_matches: int
    impostors: int
    false_non_matches: int
    genuines: int

    @property
    def fmr(self) -> float:
        return self.false_matches / self.impostors if self.impostors else 0.0

    @property
    def fnmr(self) -> float:
        return self.false_non_matches / self.genuines if self.genuines else 0.0


def error_rates(pairs: Iterable[Pair], threshold: float) -> ErrorRates:
    """FMR: impostor pairs with distance <= threshold; FNMR: genuine pairs above it."""
    pair_list = list(pairs)
    genuine = [p.distance for p in pair_list if p.genuine]
    impostor = [p.distance for p in pair_list if not p.genuine]
    return ErrorRates(
        threshold=threshold,
        false_matches=sum(d <= threshold for d in impostor),
        impostors=len(impostor),
        false_non_matches=sum(d > threshold for d in genuine),
        genuines=len(genuine),
    )


def distance_stats(distances: Sequence[float]) -> dict[str, float]:
    if not distances:
        return {}
    array = np.asarray(distances, dtype=np.float64)
    return {
        "count": float(array.size),
        "min": float(array.min()),
        "median": float(np.median(array)),
        "mean": float(array.mean()),
        "max": float(array.max()),
    }


def margin(pairs: Sequence[Pair]) -> float | None:
    """Smallest impostor distance minus largest genuine distance (> 0: separable)."""
    genuine = [p.distance for p in pairs if p.genuine]
    impostor = [p.distance for p in pairs if not p.genuine]
    if not genuine or not impostor:
        return None
    return min(impostor) - max(genuine)


def chip_like_portrait(pixels: RGBImage, box: Box) -> bytes:
    """A DG2-like portrait of the face in ``box``: ICAO framing, 240x300, JPEG 2000 1:16."""
    width = box.width / CHIP_FACE_SHARE
    height = width * CHIP_SIZE[1] / CHIP_SIZE[0]
    centre_x = (box.left + box.right) / 2
    centre_y = (box.top + box.bottom) / 2
    left, top = round(centre_x - width / 2), round(centre_y - height * 0.45)
    right, bottom = left + round(width), top + round(height)
    rows, cols = pixels.shape[:2]
    pad = max(0, -left, -top, right - cols, bottom - rows)
    padded = cv2.copyMakeBorder(pixels, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    crop = padded[top + pad : bottom + pad, left + pad : right + pad]
    image = Image.fromarray(np.ascontiguousarray(crop)).resize(CHIP_SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(
        buffer, "JPEG2000", irreversible=True, quality_mode="rates", quality_layers=[CHIP_JP2_RATE]
    )
    return buffer.getvalue()


def pair_group(pair: Pair) -> str:
    """``same_shot`` for frames of one video shot (``name-240p`` / ``name-720p``), else
    ``different_photos`` (taken apart by an unknown time: days to years)."""
    stems = []
    for image in (pair.a, pair.b):
        found = _SHOT.match(Path(image.name).stem)
        stems.append(found.group("stem") if found else None)
    same = stems[0] is not None and stems[0] == stems[1]
    return "same_shot" if same else "different_photos"


def cross_pairs(
    chips: Sequence[tuple[LabelledImage, Embedding]],
    selfies: Sequence[tuple[LabelledImage, Embedding]],
) -> list[Pair]:
    """Chip-like portrait of ``a`` against the original of ``b``, for every ``a``, ``b``
    from different source files (a photo is never compared with its own chip version)."""
    return [
        Pair(a, b, face_distance(chip, selfie))
        for a, chip in chips
        for b, selfie in selfies
        if a.source != b.source
    ]
