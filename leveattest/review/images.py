"""Case images: short-lived signed URLs bound to one reviewer and one case, and loading.

A URL carries its expiry and an HMAC over (account, case, image name, expiry); the
image route additionally requires the signed-in account to be that account and to hold
the case. Images are read from the encrypted blob store; the chip portrait (DG2, often
JPEG 2000) is decoded with ``leveattest.emrtd.dg2`` and served as JPEG.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from PIL import Image, UnidentifiedImageError

from leveattest.core.errors import ChipDataError
from leveattest.core.keys import KeyPurpose, KeyRing
from leveattest.emrtd.dg2 import parse_dg2
from leveattest.review.errors import ImageGoneError, ImageUrlError
from leveattest.sessions.context import blob_owner
from leveattest.storage.blobs import BlobNotFoundError, BlobStore

IMAGE_NAME = re.compile(r"^(CHIP_PORTRAIT|PAGE|SELFIE|FRAME-\d{3})$")
CHIP_PORTRAIT = "CHIP_PORTRAIT"
_MEDIA = frozenset({"image/jpeg", "image/png"})


@dataclass(frozen=True)
class UrlSigner:
    key: bytes
    lifetime_seconds: int

    def _mac(self, account_id: str, session_id: str, name: str, expires: int) -> str:
        message = f"{account_id}|{session_id}|{name}|{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def url(self, account_id: str, session_id: str, name: str, now: datetime) -> str:
        expires = int(now.timestamp()) + self.lifetime_seconds
        query = urlencode({"exp": expires, "sig": self._mac(account_id, session_id, name, expires)})
        return f"/ops/cases/{session_id}/images/{name}?{query}"

    def verify(
        self, account_id: str, session_id: str, name: str, *, expires: str, sig: str, now: datetime
    ) -> None:
        """Refuse a URL that is malformed, forged, for someone else, or expired."""
        if not IMAGE_NAME.match(name) or not expires.isdigit() or len(expires) > 12:
            raise ImageUrlError(reason="malformed")
        expected = self._mac(account_id, session_id, name, int(expires))
        if not hmac.compare_digest(expected.encode(), sig.encode()):
            raise ImageUrlError(reason="signature")
        if int(expires) <= int(now.timestamp()):
            raise ImageUrlError(reason="expired")


def signing_key(configured: str, ring: KeyRing) -> bytes:
    """The configured key, else one derived from the master key (never the master itself).
    URLs live minutes, so only the current master signs and verifies them."""
    if configured:
        return configured.encode()
    return ring.key(KeyPurpose.OPS_IMAGE_URL)


def chip_portrait_jpeg(dg2: bytes) -> bytes:
    """The first DG2 face image as JPEG (JPEG 2000 is decoded and re-encoded)."""
    try:
        faces = parse_dg2(dg2)
    except ChipDataError as exc:
        raise ImageGoneError("the chip portrait cannot be decoded", reason=exc.code) from exc
    if not faces:
        raise ImageGoneError("the chip holds no portrait", reason="no_face_image")
    face = faces[0]
    if face.image_format == "jpeg":
        return face.image
    try:
        with Image.open(io.BytesIO(face.image)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=90)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageGoneError("the chip portrait cannot be decoded", reason="decode") from exc


def load_image(
    blobs: BlobStore,
    session_id: str,
    attempt: int,
    name: str,
    content_types: dict[str, str],
) -> tuple[bytes, str]:
    """The image bytes and media type; ``content_types`` maps live upload slots to types."""
    slot = "DG2" if name == CHIP_PORTRAIT else name
    if slot not in content_types:
        raise ImageGoneError(reason="not_held")
    try:
        data = blobs.get(blob_owner(session_id, attempt), slot)
    except BlobNotFoundError as exc:
        raise ImageGoneError(reason="not_held") from exc
    if name == CHIP_PORTRAIT:
        return chip_portrait_jpeg(data), "image/jpeg"
    media = content_types[slot]
    if media not in _MEDIA:
        raise ImageGoneError(reason="not_an_image")
    return data, media
