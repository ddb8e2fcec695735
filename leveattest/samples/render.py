"""Render synthetic data pages (ICAO 9303-4 TD3, 9303-5 TD1) and phone-like photos of them.

Pages are drawn at 300 dpi: TD3 125 x 88 mm, TD1 85.6 x 54 mm. The MRZ is set in OCR-B
(Debian package fonts-ocr-b) at the ICAO pitch of 2.54 mm per character (44 characters
over 111.8 mm on TD3, 30 over 76.2 mm on TD1), each character placed on its own cell.
Every page carries "SPECIMEN — SYNTHETIC" so no rendering can pass for a real document.
Variants (perspective, blur, glare, darkness, rotation) are deterministic from the seed.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from leveattest.core.errors import SampleGenerationError
from leveattest.samples.persons import Person

DPI: Final = 300
OCRB_PATH: Final = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
LABEL_FONT: Final = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
VALUE_FONT: Final = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
MRZ_PITCH_MM: Final = 2.54
COUNTRY_TITLES: Final = {
    "NOR": "KONGERIKET NORGE / KINGDOM OF NORWAY",
    "DNK": "KONGERIGET DANMARK / KINGDOM OF DENMARK",
    "SWE": "KONUNGARIKET SVERIGE / KINGDOM OF SWEDEN",
    "UTO": "UTOPIA",
}
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def mm(value: float) -> int:
    return round(value / 25.4 * DPI)


@dataclass(frozen=True)
class Fonts:
    mrz: ImageFont.FreeTypeFont
    label: Font
    value: Font
    title: Font


def load_fonts() -> Fonts:
    """OCR-B for the MRZ (required) and DejaVu Sans for the rest (Pillow's font otherwise)."""
    if not OCRB_PATH.is_file():
        raise SampleGenerationError(
            "the OCR-B font is missing: install the Debian package fonts-ocr-b",
            font=str(OCRB_PATH),
        )
    probe = ImageFont.truetype(str(OCRB_PATH), 100)
    size = mm(MRZ_PITCH_MM) / (probe.getlength("<") / 100)

    def sans(path: Path, px: int) -> Font:
        if path.is_file():
            return ImageFont.truetype(str(path), px)
        return ImageFont.load_default(px)

    return Fonts(
        mrz=ImageFont.truetype(str(OCRB_PATH), round(size)),
        label=sans(LABEL_FONT, 19),
        value=sans(VALUE_FONT, 30),
        title=sans(VALUE_FONT, 34),
    )


def _background(size: tuple[int, int], seed: int, tint: tuple[int, int, int]) -> Image.Image:
    """A pale tinted page with a guilloche-like pattern of sine curves."""
    w, h = size
    rng = np.random.default_rng(seed)
    x = np.broadcast_to(np.arange(w, dtype=np.float32), (h, w))
    base = np.empty((h, w, 3), np.float32)
    for c in range(3):
        base[..., c] = 255 - (255 - tint[c]) * (0.55 + 0.45 * x / w)
    img = Image.fromarray(base.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    phase, freq = rng.uniform(0, math.tau), rng.uniform(0.008, 0.014)
    line_colour = tuple(max(0, v - 40) for v in tint)
    for k in range(0, h + 60, 14):
        pts = [(xx, k + 12 * math.sin(freq * xx + phase + k * 0.05)) for xx in range(0, w + 8, 8)]
        draw.line(pts, fill=line_colour, width=1)
    return img


def _portrait(face: Image.Image, size: tuple[int, int]) -> Image.Image:
    return ImageOps.fit(face.convert("RGB"), size, Image.Resampling.LANCZOS)


def _draw_mrz(
    draw: ImageDraw.ImageDraw, lines: list[str], fonts: Fonts, bottom: int, width: int
) -> None:
    pitch = mm(MRZ_PITCH_MM)
    x0 = (width - pitch * len(lines[0])) // 2
    line_gap = mm(4.2)
    top = bottom - mm(3.0) - line_gap * len(lines)
    for row, line in enumerate(lines):
        for col, ch in enumerate(line):
            draw.text(
                (x0 + col * pitch + pitch / 2, top + row * line_gap),
                ch,
                font=fonts.mrz,
                fill=(20, 20, 20),
                anchor="mt",
            )


def _fields(person: Person) -> list[tuple[str, str]]:
    s = person.spec
    doc_label = "Pass nr. / Passport No." if s.kind == "TD3" else "Dok. nr. / Document No."
    fmt = "%d %m %Y"
    rows = [
        ("Type / Type  —  Kode / Code", f"{person.mrz_fields.document_type}   {s.nationality}"),
        (doc_label, person.document_number),
        ("Etternavn / Surname", s.surname.upper()),
        ("Fornavn / Given names", s.given_names.upper()),
        ("Nasjonalitet / Nationality", s.nationality),
        ("Fødselsdato / Date of birth", person.birth_date.strftime(fmt)),
        ("Kjønn / Sex", s.sex),
        ("Utstedt / Date of issue", person.issue_date.strftime(fmt)),
        ("Utløper / Date of expiry", person.expiry_date.strftime(fmt)),
    ]
    if person.national_id:
        rows.append(("Personnummer / Personal No.", person.national_id))
    return rows


def render_page(person: Person, face: Image.Image, fonts: Fonts, seed: int) -> Image.Image:
    """The data page (TD3) or the card's front (TD1), MRZ included, 300 dpi."""
    td3 = person.spec.kind == "TD3"
    size = (mm(125), mm(88)) if td3 else (mm(85.6), mm(54))
    tint = {"NOR": (235, 200, 205), "DNK": (210, 215, 235), "SWE": (205, 225, 235)}.get(
        person.spec.nationality, (225, 225, 210)
    )
    page = _background(size, seed, tint)
    draw = ImageDraw.Draw(page)
    title_y = mm(3)
    draw.text(
        (mm(5), title_y),
        COUNTRY_TITLES.get(person.spec.nationality, ""),
        font=fonts.title,
        fill=(60, 30, 40),
    )
    draw.text(
        (size[0] - mm(5), title_y + mm(4)) if td3 else (size[0] - mm(4), size[1] - mm(6)),
        "SPECIMEN — SYNTHETIC",
        font=fonts.label,
        fill=(170, 20, 20),
        anchor="ra",
    )
    portrait_box = (mm(5), mm(14), mm(37), mm(55)) if td3 else (mm(4), mm(9), mm(26), mm(37))
    portrait_size = (portrait_box[2] - portrait_box[0], portrait_box[3] - portrait_box[1])
    page.paste(_portrait(face, portrait_size), portrait_box[:2])
    # ghost image (9303-2 security feature): faint greyscale copy of the portrait
    ghost_size = (mm(14), mm(18)) if td3 else (mm(10), mm(13))
    ghost = ImageOps.grayscale(_portrait(face, ghost_size)).convert("RGB")
    ghost_pos = (size[0] - ghost_size[0] - mm(5), mm(32) if td3 else mm(9))
    region = page.crop((*ghost_pos, ghost_pos[0] + ghost_size[0], ghost_pos[1] + ghost_size[1]))
    page.paste(Image.blend(region, ghost, 0.35), ghost_pos)

    x = portrait_box[2] + mm(5)
    y = portrait_box[1] - mm(1)
    step = mm(5.2) if td3 else mm(5.6)
    rows = _fields(person) if td3 else _fields(person)[1:7]
    for label, value in rows:
        draw.text((x, y), label, font=fonts.label, fill=(90, 60, 70))
        draw.text((x, y + mm(1.7)), value, font=fonts.value, fill=(15, 15, 25))
        y += step
    if td3:
        _draw_mrz(draw, person.mrz, fonts, size[1], size[0])
    return page


def render_card_back(person: Person, fonts: Fonts, seed: int) -> Image.Image:
    """TD1 back: issuing details and the three-line MRZ."""
    size = (mm(85.6), mm(54))
    page = _background(size, seed + 1, (225, 215, 200))
    draw = ImageDraw.Draw(page)
    draw.text(
        (mm(4), mm(3)),
        COUNTRY_TITLES.get(person.spec.nationality, ""),
        font=fonts.label,
        fill=(60, 30, 40),
    )
    draw.text((mm(4), mm(7)), "SPECIMEN — SYNTHETIC", font=fonts.label, fill=(170, 20, 20))
    draw.text(
        (mm(4), mm(12)),
        f"Utstedt / Issued {person.issue_date:%d %m %Y}",
        font=fonts.label,
        fill=(40, 40, 40),
    )
    _draw_mrz(draw, person.mrz, fonts, size[1], size[0])
    return page


def _perspective_coeffs(
    dst: list[tuple[float, float]], src: list[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE): output point -> input point."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for point in src for c in point], dtype=np.float64)
    return [float(v) for v in np.linalg.solve(a, b)]


def photograph(
    page: Image.Image, seed: int, *, glare: bool = False, dark: bool = False
) -> Image.Image:
    """A phone photo of ``page``: on a table, perspective, slight blur, optional glare/dark."""
    rng = np.random.default_rng(seed)
    out_w = 1280
    out_h = round(out_w * 3 / 4)
    scale = 0.72 * out_w / page.width
    pw, ph = page.width * scale, page.height * scale
    cx, cy = out_w / 2 + rng.uniform(-40, 40), out_h / 2 + rng.uniform(-30, 30)
    angle = math.radians(rng.uniform(-4, 4))
    corners = [(-pw / 2, -ph / 2), (pw / 2, -ph / 2), (pw / 2, ph / 2), (-pw / 2, ph / 2)]
    dst = []
    for i, (px, py) in enumerate(corners):
        jitter = rng.uniform(-0.035, 0.035, 2) * (pw, ph)
        shrink = 0.96 if i < 2 else 1.0  # top edge further away: mild keystone
        rx = px * shrink * math.cos(angle) - py * math.sin(angle)
        ry = px * shrink * math.sin(angle) + py * math.cos(angle)
        dst.append((cx + rx + jitter[0], cy + ry + jitter[1]))
    src = [(0.0, 0.0), (page.width, 0.0), (page.width, page.height), (0.0, page.height)]
    coeffs = _perspective_coeffs(dst, src)
    rgba = page.convert("RGBA")
    warped = rgba.transform(
        (out_w, out_h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    table = rng.normal(0, 9, (out_h // 4, out_w // 4, 3)) + np.array([92, 78, 64])
    canvas = Image.fromarray(table.clip(0, 255).astype(np.uint8), "RGB").resize(
        (out_w, out_h), Image.Resampling.BILINEAR
    )
    canvas.paste(warped, (0, 0), warped)
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.4)))
    arr = np.asarray(canvas).astype(np.float32)
    if glare:
        gy, gx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
        gx0, gy0 = cx + rng.uniform(-0.2, 0.2) * pw, cy + rng.uniform(-0.2, 0.1) * ph
        radius = rng.uniform(0.12, 0.18) * out_w
        blob = np.exp(-(((gx - gx0) ** 2 + (gy - gy0) ** 2) / (2 * radius**2)))
        arr = arr + blob[..., None] * 230
    if dark:
        arr = arr * 0.32 + rng.standard_normal(arr.shape, dtype=np.float32) * 6
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


def jpeg_bytes(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def selfie(face: Image.Image, seed: int, *, mirror: bool) -> Image.Image:
    """A phone-selfie-like image: mirrored (front camera) when it reuses the portrait photo."""
    rng = np.random.default_rng(seed)
    img = face.convert("RGB")
    if mirror:
        img = ImageOps.mirror(img)
    img = img.rotate(
        rng.uniform(-5, 5), Image.Resampling.BICUBIC, expand=False, fillcolor=(40, 40, 40)
    )
    img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.9, 1.1))
    img = ImageEnhance.Color(img).enhance(rng.uniform(0.85, 1.1))
    return img.resize((600, 750), Image.Resampling.BICUBIC)


def page_variants(page: Image.Image, seed: int) -> dict[str, bytes]:
    """``page.png`` and the phone-like variants, as file name -> bytes."""
    phone = photograph(page, seed)
    return {
        "page.png": png_bytes(page),
        "page_phone.jpg": jpeg_bytes(phone, 82),
        "page_glare.jpg": jpeg_bytes(photograph(page, seed + 1, glare=True), 80),
        "page_rot90.jpg": jpeg_bytes(phone.rotate(90, expand=True), 82),
        "page_dark.jpg": jpeg_bytes(photograph(page, seed + 2, dark=True), 70),
    }
