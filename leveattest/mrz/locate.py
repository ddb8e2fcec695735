"""Find the MRZ band in a page photo and cut out its text lines, upright and deskewed.

Method (no learned model): on a copy scaled to a fixed working size, a black-hat
filter keeps dark print on lighter paper (and flattens glare gradients); Otsu
binarises it; a horizontal closing merges characters into line blobs. Each blob
becomes a rotated rectangle. MRZ lines are the long, thin, parallel, equally long
and evenly spaced ones, two or three in a group. Rotations of 90 degrees are found
by running the same search on the image turned by 90 degrees; 180 degrees cannot
be told from the geometry and is left to the OCR (see ``flipped``). Each line is
then cut from the full-resolution image with its own affine warp (handles skew
and mild perspective) and scaled to a fixed text height.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

GrayImage = npt.NDArray[np.uint8]

WORK_SIDE: Final = 1000
LINE_HEIGHT: Final = 56  # px height of each line crop handed to OCR (text about 38 px)
MIN_ASPECT: Final = 8.0
MAX_ASPECT: Final = 80.0  # 44 OCR-B characters are about 45 times as long as high


@dataclass(frozen=True)
class LineBox:
    """One text line as a rotated rectangle in working coordinates."""

    cx: float
    cy: float
    length: float
    thickness: float
    angle: float  # degrees, text direction, in (-90, 90]

    def corners(self) -> npt.NDArray[np.float32]:
        rect = ((self.cx, self.cy), (self.length, self.thickness), self.angle)
        return np.asarray(cv2.boxPoints(rect), dtype=np.float32)


@dataclass
class Candidate:
    """A group of 2 or 3 parallel lines that may be the MRZ, best first by ``score``."""

    lines: list[LineBox]
    rotation: int  # quarter turns (cv2 rotate code applied before the search), 0 or 1
    scale: float  # working px per original px (of the rotated image)
    score: float
    crops: list[GrayImage] = field(default_factory=list)


def _rotate(image: GrayImage, quarter_turns: int) -> GrayImage:
    turns = quarter_turns % 4
    if turns == 0:
        return image
    code = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return np.asarray(cv2.rotate(image, code[turns]), dtype=np.uint8)


def _line_boxes(work: GrayImage) -> list[LineBox]:
    side = max(work.shape)
    unit = side / WORK_SIDE
    bh_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (int(25 * unit) | 1, int(11 * unit) | 1))
    blackhat = cv2.morphologyEx(work, cv2.MORPH_BLACKHAT, bh_kernel)
    _, mask = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    close_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (int(21 * unit) | 1, 3))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, close_kernel)
    open_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (int(9 * unit) | 1, 3))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, open_kernel)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    pieces = [_box(np.asarray(c, dtype=np.float32).reshape(-1, 2)) for c in contours]
    pieces = [b for b in pieces if b.thickness >= 3 and b.length >= 2 * b.thickness]
    boxes: list[LineBox] = []
    min_length = 0.2 * side
    for box in _merge_collinear(pieces):
        aspect = box.length / box.thickness
        if box.length < min_length or not MIN_ASPECT <= aspect <= MAX_ASPECT:
            continue
        if abs(box.angle) > 30.0:
            continue
        boxes.append(box)
    return boxes


def _box(points: npt.NDArray[np.float32]) -> LineBox:
    (cx, cy), (w, h), angle = cv2.minAreaRect(points)
    if w < h:
        w, h = h, w
        angle += 90.0
    if angle > 90.0:
        angle -= 180.0
    return LineBox(cx, cy, w, h, angle)


def _merge_collinear(pieces: list[LineBox]) -> list[LineBox]:
    """Join pieces of one text line (a glare spot or a wide gap can split it)."""
    merged = sorted(pieces, key=lambda b: -b.length)
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(merged):
            for j in range(i + 1, len(merged)):
                b = merged[j]
                if abs(a.angle - b.angle) > 5.0:
                    continue
                theta = math.radians(a.angle)
                dx, dy = b.cx - a.cx, b.cy - a.cy
                across = abs(-dx * math.sin(theta) + dy * math.cos(theta))
                along = abs(dx * math.cos(theta) + dy * math.sin(theta))
                thick = max(a.thickness, b.thickness)
                gap = along - (a.length + b.length) / 2
                if across > 0.4 * thick or gap > 1.5 * thick:
                    continue
                points = np.concatenate([a.corners(), b.corners()])
                merged[i] = _box(points)
                del merged[j]
                changed = True
                break
            if changed:
                break
    return merged


def _start(box: LineBox) -> tuple[float, float]:
    theta = math.radians(box.angle)
    return (
        box.cx - math.cos(theta) * box.length / 2,
        box.cy - math.sin(theta) * box.length / 2,
    )


def _group(boxes: list[LineBox]) -> list[tuple[list[LineBox], float]]:
    """Groups of 2-3 parallel, left-aligned, evenly stacked lines, with a score.

    Lengths may differ (a trailing run of faint fillers can be lost), so every line
    of a group is widened to the longest one, keeping its left end.
    """
    groups: list[tuple[list[LineBox], float]] = []
    ordered = sorted(boxes, key=lambda b: b.cy)
    for i, first in enumerate(ordered):
        members = [first]
        theta = math.radians(first.angle)
        for other in ordered[i + 1 :]:
            last = members[-1]
            if abs(other.angle - first.angle) > 4.0:
                continue
            longest = max(b.length for b in [*members, other])
            if min(other.length, last.length) < 0.6 * longest:
                continue
            (lx, ly), (ox, oy) = _start(last), _start(other)
            dx, dy = ox - lx, oy - ly
            along = dx * math.cos(theta) + dy * math.sin(theta)
            across = -dx * math.sin(theta) + dy * math.cos(theta)
            pitch = max(other.thickness, last.thickness)
            if abs(along) > 0.06 * longest or not (0.9 * pitch < across < 3.5 * pitch):
                continue
            members.append(other)
            if len(members) == 3:
                break
        if len(members) < 2:
            continue
        longest = max(b.length for b in members)
        widened = []
        for box in members:
            sx, sy = _start(box)
            t = math.radians(box.angle)
            widened.append(
                LineBox(
                    sx + math.cos(t) * longest / 2,
                    sy + math.sin(t) * longest / 2,
                    longest,
                    box.thickness,
                    box.angle,
                )
            )
        score = longest * (1.0 + 0.1 * len(members)) + 0.05 * first.cy
        groups.append((widened, score))
    groups.sort(key=lambda g: -g[1])
    return groups


def _crop_line(image: GrayImage, box: LineBox, scale: float) -> GrayImage:
    """Cut one line from full-resolution ``image`` (box in working coordinates)."""
    pad_x = 0.6 * box.thickness
    pad_y = 0.45 * box.thickness
    length = (box.length + 2 * pad_x) / scale
    thick = (box.thickness + 2 * pad_y) / scale
    theta = math.radians(box.angle)
    ux, uy = math.cos(theta), math.sin(theta)
    cx, cy = box.cx / scale, box.cy / scale
    # source: top-left, top-right, bottom-left of the upright line rectangle
    src = np.array(
        [
            [cx - ux * length / 2 + uy * thick / 2, cy - uy * length / 2 - ux * thick / 2],
            [cx + ux * length / 2 + uy * thick / 2, cy + uy * length / 2 - ux * thick / 2],
            [cx - ux * length / 2 - uy * thick / 2, cy - uy * length / 2 + ux * thick / 2],
        ],
        dtype=np.float32,
    )
    out_h = LINE_HEIGHT
    out_w = max(8, round(length * out_h / thick))
    dst = np.array([[0, 0], [out_w, 0], [0, out_h]], dtype=np.float32)
    matrix = cv2.getAffineTransform(src, dst)
    crop = cv2.warpAffine(
        image,
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_AREA if thick > out_h else cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.asarray(crop, dtype=np.uint8)


def find_candidates(image: GrayImage, *, max_candidates: int = 3) -> list[Candidate]:
    """Candidate MRZ line groups, best first, each with its upright line crops."""
    found: list[Candidate] = []
    for rotation in (0, 1):
        rotated = _rotate(image, rotation)
        scale = WORK_SIDE / max(rotated.shape)
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        work = np.asarray(
            cv2.resize(rotated, None, fx=scale, fy=scale, interpolation=interp), dtype=np.uint8
        )
        for lines, score in _group(_line_boxes(work)):
            crops = [_crop_line(rotated, box, scale) for box in lines]
            found.append(Candidate(lines, rotation, scale, score, crops))
    found.sort(key=lambda c: -c.score)
    return found[:max_candidates]


def flipped(crops: list[GrayImage]) -> list[GrayImage]:
    """The same lines turned by 180 degrees (reverse order, each line rotated)."""
    return [np.ascontiguousarray(c[::-1, ::-1]) for c in reversed(crops)]
