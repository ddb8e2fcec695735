"""Invitation artefacts: the QR code (segno, decodable by pyzbar) and a printable letter.

The QR code holds ``<invitation_url_base><reference>``; the mobile app starts a
verification session from it through ``register.client.lookup_invitation``.
"""

from __future__ import annotations

import io
from datetime import date

import segno
from PIL import Image, ImageDraw, ImageFont

from register.settings import RegisterSettings

_A4_150DPI = (1240, 1754)


def invitation_url(settings: RegisterSettings, reference: str) -> str:
    return settings.invitation_url_base + reference


def reference_from_qr_text(settings: RegisterSettings, text: str) -> str | None:
    if not text.startswith(settings.invitation_url_base):
        return None
    reference = text[len(settings.invitation_url_base) :]
    return reference if reference.isalnum() and len(reference) <= 40 else None


def invitation_qr_png(settings: RegisterSettings, reference: str, *, scale: int = 8) -> bytes:
    qr = segno.make(invitation_url(settings, reference), error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def invitation_letter_png(
    settings: RegisterSettings,
    reference: str,
    *,
    full_name: str | None,
    deadline: date,
    reminder: int = 0,
) -> bytes:
    """A one-page A4 letter (150 dpi) with the QR code and the reference in clear;
    ``reminder`` > 0 makes it the n-th reminder of the same request (same code)."""
    page = Image.new("RGB", _A4_150DPI, "white")
    draw = ImageDraw.Draw(page)
    title = ImageFont.load_default(size=44)
    body = ImageFont.load_default(size=30)
    y = 150
    heading = "Leveattest - request for a life certificate"
    if reminder:
        heading = f"Leveattest - reminder {reminder}: life certificate"
    draw.text((120, y), heading, fill="black", font=title)
    y += 120
    lines = [
        f"To: {full_name}" if full_name else "To: the pension recipient",
        "",
        "A pension payer has asked for a new life certificate.",
        "Scan the code below with the Leveattest app and follow the steps.",
        f"Please do this before {deadline.isoformat()}.",
        "",
        f"Reference: {reference}",
    ]
    for line in lines:
        draw.text((120, y), line, fill="black", font=body)
        y += 48
    qr = Image.open(io.BytesIO(invitation_qr_png(settings, reference, scale=10)))
    page.paste(qr.convert("RGB"), (120, y + 40))
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()
