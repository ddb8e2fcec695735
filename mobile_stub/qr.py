"""Read the invitation reference from the QR code on a letter (PNG) with pyzbar.

The QR code holds ``<invitation URL base><reference>``; the reference is the last path
segment (alphanumeric, at most 40 characters).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image
from pyzbar.pyzbar import decode  # type: ignore[import-untyped]

_REFERENCE = re.compile(r"^[A-Za-z0-9]{1,40}$")


def reference_from_text(text: str) -> str | None:
    """The reference in a QR text (a URL ending in the reference, or the bare reference)."""
    text = text.strip()
    parts = urlsplit(text)
    candidate = parts.path.rstrip("/").rsplit("/", 1)[-1] if parts.scheme else text
    if not candidate and parts.query:
        candidate = parts.query.rsplit("=", 1)[-1]
    return candidate if _REFERENCE.match(candidate) else None


def reference_from_letter(path: Path) -> str:
    """Decode every QR code in the letter image; the first one with a reference wins."""
    with Image.open(path) as image:
        symbols = decode(image.convert("L"))
    for symbol in symbols:
        reference = reference_from_text(symbol.data.decode("utf-8", "replace"))
        if reference:
            return reference
    raise ValueError("no invitation QR code found in the letter")
