"""The passive liveness model's input contract: which pixels it sees, and its features.

**Crop.** The face box from the HOG detector (:func:`locate_face`), made square around
its centre with side ``CROP_EXPAND`` x its longer edge (the forehead-to-chin box plus a
thin margin), moved inside the image (shrunk only when the image is smaller), resized
with area averaging to ``CROP_SIDE`` x ``CROP_SIDE``. A face box shorter than
``MIN_FACE_PX`` on its longer edge gives no crop (:func:`face_crop` returns None): the
crop would have to be enlarged, which smears exactly the fine detail that tells a print
from skin, so such a face is ``uncertain`` (``face_too_small``), never ``spoof``.

**Exposure.** The crop is stretched so that its 1st and 99th percentile (over all three
channels) become 0 and 255. Webcams expose faces very differently (on NUAA the live
subjects happen to be over-exposed and the prints not); the stretch, together with
exposure jitter when fitting, keeps the model from learning the camera's exposure.

**Features** (``N_FEATURES`` = 128, order fixed by ``FEATURE_SET``):

* rotation-invariant uniform LBP histograms (8 neighbours, radius 1, 10 bins) of each
  channel of HSV and YCrCb, on the 96-px crop and on its 48-px half: 120 values.
  Colour-channel LBP generalises across subjects and cameras better than grey or RGB
  texture (Boulkenafet, Komulainen, Hadid 2015-2016);
* log share of spectral energy (Hann-windowed grey crop) in 8 radial bands from 5 % to
  100 % of Nyquist: prints lose fine detail, halftone dots and pixel grids add peaks.

**Moiré** (:func:`moire_score`, not a model feature: a one-class cue). A screen's
sub-pixel grid filmed by a camera leaves a periodic *coloured* pattern at the sensor's
own pixel scale, which the 96-px crop averages away. So a ``MOIRE_PATCH`` square of
native pixels at the face box's centre (nose and cheeks) is read: log of the strongest
over the median chroma (Cr, Cb) power between 30 % and 100 % of Nyquist, axes left
out (JPEG block edges). Skin has no periodic chroma; the threshold is the highest value
seen on any bona fide fitting image, so it is set without attack data.
"""

from __future__ import annotations

import itertools
import math
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from leveattest.face.detect import Box, detect_faces
from leveattest.face.image import RGBImage
from leveattest.face.models import FaceModels

FEATURE_SET: Final = "colour-lbp-riu2-hsv-ycrcb-2scale+fft-8band/v2"
CROP_EXPAND: Final = 1.1
CROP_SIDE: Final = 96
# the crop (CROP_EXPAND x the box) is then never enlarged: 1.1 x 88 >= 96
MIN_FACE_PX: Final = 88
N_FEATURES: Final = 128
# when the face fills the whole image, HOG may miss it: look again on a copy with this
# share of the image's side added around it (edges replicated)
DETECT_PAD: Final = 0.3
_BANDS: Final = np.linspace(0.05, 1.0, 9)
MOIRE_PATCH: Final = 64

Vector = npt.NDArray[np.float64]


def _riu2_table() -> npt.NDArray[np.int64]:
    """8-bit LBP code -> rotation-invariant uniform bin (0..8 ones, 9 non-uniform)."""
    table = np.empty(256, dtype=np.int64)
    for code in range(256):
        bits = [(code >> i) & 1 for i in range(8)]
        transitions = sum(bits[i] != bits[(i + 1) % 8] for i in range(8))
        table[code] = sum(bits) if transitions <= 2 else 9
    return table


_RIU2: Final = _riu2_table()
_NEIGHBOURS: Final = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))


def locate_face(models: FaceModels, image: RGBImage, detect_max_side: int) -> Box | None:
    """The largest face box; on a padded copy when the face fills the image."""
    faces = detect_faces(models, image, detect_max_side)
    if faces:
        return faces[0].box
    height, width = image.shape[:2]
    pad = max(1, round(DETECT_PAD * max(height, width)))
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    faces = detect_faces(models, np.ascontiguousarray(padded), detect_max_side)
    if not faces:
        return None
    box = faces[0].box
    return Box(box.left - pad, box.top - pad, box.right - pad, box.bottom - pad).clipped(
        width, height
    )


def face_crop(image: RGBImage, box: Box) -> RGBImage | None:
    """The model's input: a ``CROP_SIDE`` square around ``box``; None below ``MIN_FACE_PX``."""
    if max(box.width, box.height) < MIN_FACE_PX:
        return None
    height, width = image.shape[:2]
    side = min(round(CROP_EXPAND * max(box.width, box.height)), height, width)
    left = round((box.left + box.right - side) / 2)
    top = round((box.top + box.bottom - side) / 2)
    left = max(0, min(left, width - side))
    top = max(0, min(top, height - side))
    square = np.ascontiguousarray(image[top : top + side, left : left + side])
    return np.asarray(
        cv2.resize(square, (CROP_SIDE, CROP_SIDE), interpolation=cv2.INTER_AREA), np.uint8
    )


def normalise_exposure(crop: RGBImage) -> RGBImage:
    """Stretch the 1st..99th percentile (all channels together) to 0..255."""
    values = crop.astype(np.float32)
    low, high = np.percentile(values, [1.0, 99.0])
    stretched = (values - low) * (255.0 / max(float(high - low), 1.0))
    return np.asarray(np.clip(stretched, 0.0, 255.0) + 0.5, np.uint8)


def _lbp_histogram(channel: npt.NDArray[np.uint8]) -> Vector:
    values = channel.astype(np.int16)
    centre = values[1:-1, 1:-1]
    rows, cols = values.shape
    codes = np.zeros(centre.shape, dtype=np.int64)
    for bit, (dy, dx) in enumerate(_NEIGHBOURS):
        neighbour = values[1 + dy : rows - 1 + dy, 1 + dx : cols - 1 + dx]
        codes |= (neighbour >= centre).astype(np.int64) << bit
    hist = np.bincount(_RIU2[codes].ravel(), minlength=10).astype(np.float64)
    return np.asarray(hist / hist.sum(), np.float64)


def _band_energies(grey: npt.NDArray[np.float64]) -> list[float]:
    side = grey.shape[0]
    window = np.outer(np.hanning(side), np.hanning(side))
    power = np.abs(np.fft.fftshift(np.fft.fft2((grey - grey.mean()) * window))) ** 2
    yy, xx = np.mgrid[0:side, 0:side] - side // 2
    radius = np.hypot(xx, yy) / (side // 2)
    total = float(power[(radius > _BANDS[0]) & (radius <= 1.0)].sum())
    # a flat crop has no spectrum: every band gets the floor, not a division by zero
    return [
        math.log(float(power[(radius > low) & (radius <= high)].sum()) / max(total, 1e-9) + 1e-9)
        for low, high in itertools.pairwise(_BANDS)
    ]


def passive_features(crop: RGBImage) -> Vector:
    """The ``N_FEATURES`` feature vector of a :func:`face_crop` output."""
    if crop.shape != (CROP_SIDE, CROP_SIDE, 3):
        raise ValueError(f"passive features need a {CROP_SIDE}x{CROP_SIDE} RGB crop")
    crop = normalise_exposure(crop)
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    ycrcb = cv2.cvtColor(crop, cv2.COLOR_RGB2YCrCb)
    values: list[float] = []
    half = CROP_SIDE // 2
    for space in (hsv, ycrcb):
        for index in range(3):
            channel = np.ascontiguousarray(space[..., index])
            values.extend(_lbp_histogram(channel))
            small = cv2.resize(channel, (half, half), interpolation=cv2.INTER_AREA)
            values.extend(_lbp_histogram(np.asarray(small, np.uint8)))
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float64)
    values.extend(_band_energies(grey))
    return np.asarray(values, dtype=np.float64)


def _patch_spectrum_mask(side: int) -> npt.NDArray[np.bool_]:
    yy, xx = np.mgrid[0:side, 0:side] - side // 2
    radius = np.hypot(xx, yy) / (side // 2)
    return np.asarray((radius > 0.3) & (radius <= 1.0) & (xx != 0) & (yy != 0))


_MOIRE_MASK: Final = _patch_spectrum_mask(MOIRE_PATCH)
_MOIRE_WINDOW: Final = np.outer(np.hanning(MOIRE_PATCH), np.hanning(MOIRE_PATCH))


def moire_score(image: RGBImage, box: Box) -> float:
    """Periodic chroma at native resolution in the face's centre (higher: more moiré)."""
    height, width = image.shape[:2]
    side = min(MOIRE_PATCH, height, width)
    left = max(0, min((box.left + box.right - side) // 2, width - side))
    top = max(0, min((box.top + box.bottom - side) // 2, height - side))
    patch = np.ascontiguousarray(image[top : top + side, left : left + side])
    if side < MOIRE_PATCH:
        patch = cv2.resize(patch, (MOIRE_PATCH, MOIRE_PATCH), interpolation=cv2.INTER_LINEAR)
    ycrcb = cv2.cvtColor(patch, cv2.COLOR_RGB2YCrCb).astype(np.float64)
    peaks = []
    for index in (1, 2):
        channel = ycrcb[..., index]
        power = np.abs(np.fft.fftshift(np.fft.fft2((channel - channel.mean()) * _MOIRE_WINDOW)))
        band = (power**2)[_MOIRE_MASK]
        peaks.append(math.log((float(band.max()) + 1e-6) / (float(np.median(band)) + 1e-6)))
    return max(peaks)
