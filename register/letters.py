"""Invitation artefacts: the QR code (segno, decodable by pyzbar) and the printable letter.

The letter the post room sends is a one-page A4 PDF in the pensioner's language with an
embedded font (``invitation_letter_pdf``); the PNG (``invitation_letter_png``, English,
Pillow's font) stays for the demo and the phone simulator, which scan its QR code.

The QR code holds ``<invitation_url_base><reference>``; the mobile app starts a
verification session from it through ``register.client.lookup_invitation``.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

import segno
from babel.dates import format_date
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from leveattest.core.i18n import Message, translate
from register import letter_texts
from register.errors import LetterFontMissingError
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


# -- the PDF letter (A4, for a window envelope) -------------------------------------------

# DIN 5008 form B / C5-C6 window: the address field starts 20 mm from the left and 45 mm
# from the top, 85 x 45 mm; the return line sits in its top 5 mm.
_MARGIN_MM = 25.0
_WINDOW = (20.0, 45.0, 85.0, 45.0)
_QR_MM = 45.0


def invitation_letter_pdf(
    settings: RegisterSettings,
    reference: str,
    *,
    full_name: str | None,
    deadline: date,
    issued: date,
    reminder: int = 0,
    language: str | None = None,
) -> bytes:
    """The letter as a one-page A4 PDF with an embedded font, in ``language`` (the
    register's ``letter_language`` by default): the name in the envelope's window, what is
    asked and by when, the QR code and the reference and web address in clear, the paper
    route. ``reminder`` > 0 makes it the n-th reminder of the same request (same code)."""
    for font in (settings.letter_font, settings.letter_font_bold):
        if not font.is_file():
            raise LetterFontMissingError(font=str(font))
    language = language or settings.letter_language
    t = _Texts(language)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(t(letter_texts.TITLE))
    pdf.set_lang(language)
    pdf.set_creation_date(datetime.combine(issued, time(12), tzinfo=UTC))
    pdf.add_font("DejaVu", "", str(settings.letter_font))
    pdf.add_font("DejaVu", "B", str(settings.letter_font_bold))
    pdf.add_page()

    left, top, width, height = _WINDOW
    pdf.set_font("DejaVu", size=7)
    pdf.set_xy(left + 5, top + 3)
    pdf.cell(width - 10, 4, t(letter_texts.SENDER))
    pdf.set_font("DejaVu", size=12)
    pdf.set_xy(left + 5, top + 12)
    pdf.multi_cell(width - 10, 6, full_name or t(letter_texts.TO_ANONYMOUS), align="L")

    body_width = 210 - 2 * _MARGIN_MM
    pdf.set_font("DejaVu", size=11)
    pdf.set_xy(125, top + 3)
    pdf.cell(60, 5, t(letter_texts.DATE, date=long_date(issued, language)), align="R")
    pdf.set_xy(_MARGIN_MM, top + height + 12)
    pdf.set_font("DejaVu", "B", size=17)
    title = t(letter_texts.REMINDER_TITLE, number=reminder) if reminder else t(letter_texts.TITLE)
    pdf.multi_cell(body_width, 8, title, align="L")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=13)
    for paragraph in (letter_texts.BODY, letter_texts.HOW):
        pdf.set_x(_MARGIN_MM)
        pdf.multi_cell(body_width, 6.5, t(paragraph), align="L")
        pdf.ln(3)
    pdf.set_x(_MARGIN_MM)
    pdf.set_font("DejaVu", "B", size=13)
    pdf.multi_cell(
        body_width, 6.5, t(letter_texts.DEADLINE, deadline=long_date(deadline, language)), align="L"
    )
    pdf.ln(5)

    qr_top = pdf.get_y()
    pdf.image(
        io.BytesIO(invitation_qr_png(settings, reference, scale=10)),
        x=_MARGIN_MM,
        y=qr_top,
        w=_QR_MM,
        h=_QR_MM,
    )
    pdf.set_xy(_MARGIN_MM + _QR_MM + 8, qr_top + 4)
    pdf.set_font("DejaVu", "B", size=14)
    text_width = body_width - _QR_MM - 8
    pdf.multi_cell(text_width, 7, t(letter_texts.REFERENCE, reference=reference), align="L")
    pdf.set_x(_MARGIN_MM + _QR_MM + 8)
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(text_width, 6, t(letter_texts.ADDRESS, url=_landing_url(settings)), align="L")
    pdf.set_xy(_MARGIN_MM, qr_top + _QR_MM + 8)
    pdf.set_font("DejaVu", size=12)
    pdf.multi_cell(body_width, 6, t(letter_texts.PAPER), align="L")
    return bytes(pdf.output())


class _Texts:
    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, message: Message, **values: object) -> str:
        text = translate(message, self.language)
        return text.format(**values) if values else text


def long_date(value: date, language: str) -> str:
    try:
        return format_date(value, format="long", locale=language)
    except (ValueError, LookupError):
        return value.isoformat()


def _landing_url(settings: RegisterSettings) -> str:
    """The address to type when the code cannot be scanned: the site's front page, which
    asks for the reference."""
    base = settings.invitation_url_base
    return base.removesuffix("/i/") + "/" if base.endswith("/i/") else base
