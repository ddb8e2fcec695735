"""The PDF letter (issue 13): one A4 page whose text, read back with pypdf, is the letter in
the pensioner's language with Norwegian and Sámi letters intact, the reference and the
address; the QR code on it decodes to the invitation URL; no font, no letter."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from leveattest.core.errors import LeveattestError
from register.letters import invitation_letter_pdf, reference_from_qr_text
from register.settings import RegisterSettings

REFERENCE = "AB12CD34EF56GH78JK90LM12"
NAME = "Ánde Čohkká-Østbø Sállá Ŋuolja Đuoddar Šiellá Ŧ Ž"
DEADLINE = date(2027, 1, 31)
ISSUED = date(2026, 12, 2)


@pytest.fixture
def settings(tmp_path: Path) -> RegisterSettings:
    found = RegisterSettings(database_url=f"sqlite:///{tmp_path / 'r.db'}")
    if not found.letter_font.is_file():
        pytest.skip("fonts-dejavu-core is not installed (scripts/setup.sh installs it)")
    return found


def _read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    reader = _read(pdf)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_letter_is_one_a4_page_with_the_name_deadline_reference_in_bokmal(settings):
    pdf = invitation_letter_pdf(
        settings, REFERENCE, full_name=NAME, deadline=DEADLINE, issued=ISSUED
    )
    reader = _read(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    text = _text(pdf)
    assert NAME in text
    assert "Forespørsel om leveattest" in text
    assert "Gjør dette før 31. januar 2027." in text
    assert f"Referansen din: {REFERENCE}" in text
    assert "Nettadresse: https://leveattest.example/" in text


def test_the_letter_in_northern_sami_keeps_its_letters(settings):
    pdf = invitation_letter_pdf(
        settings, REFERENCE, full_name=None, deadline=DEADLINE, issued=ISSUED, language="se"
    )
    text = _text(pdf)
    assert "Bivdda eallinduođaštusa birra" in text
    assert "Penšuvdnaoažžui" in text
    assert "vuolláičállán" in text
    named = _text(
        invitation_letter_pdf(
            settings, REFERENCE, full_name=NAME, deadline=DEADLINE, issued=ISSUED, language="se"
        )
    )
    assert NAME in named  # á č đ ŋ š ŧ ž and Ø, Á, Č, Ŋ, Đ, Š, Ŧ, Ž


def test_a_reminder_says_which_reminder_it_is(settings):
    pdf = invitation_letter_pdf(
        settings,
        REFERENCE,
        full_name=None,
        deadline=DEADLINE,
        issued=ISSUED,
        reminder=2,
        language="en",
    )
    assert "Reminder 2: request for a life certificate" in _text(pdf)


def test_the_qr_code_on_the_letter_holds_the_invitation_url(settings):
    pdf = invitation_letter_pdf(
        settings, REFERENCE, full_name=None, deadline=DEADLINE, issued=ISSUED
    )
    [image] = _read(pdf).pages[0].images
    [code] = decode(image.image)
    assert reference_from_qr_text(settings, code.data.decode()) == REFERENCE


def test_no_letter_is_made_without_its_font(settings, tmp_path: Path):
    missing = settings.model_copy(update={"letter_font": tmp_path / "none.ttf"})
    with pytest.raises(LeveattestError) as refused:
        invitation_letter_pdf(missing, REFERENCE, full_name=None, deadline=DEADLINE, issued=ISSUED)
    assert refused.value.code == "register_letter_font_missing"


def test_the_same_letter_renders_to_the_same_bytes(settings):
    def letter() -> bytes:
        return invitation_letter_pdf(
            settings, REFERENCE, full_name=NAME, deadline=DEADLINE, issued=ISSUED
        )

    assert letter() == letter()


@pytest.mark.parametrize("language", ["nb", "nn", "en", "se", "sv", "de", "es", "pl"])
def test_every_language_fits_the_page_above_the_bottom_margin(settings, language: str):
    pdf = invitation_letter_pdf(
        settings,
        REFERENCE,
        full_name=NAME,
        deadline=DEADLINE,
        issued=ISSUED,
        reminder=3,
        language=language,
    )
    heights: list[float] = []

    def seen(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            heights.append(cm[5] + tm[5])

    _read(pdf).pages[0].extract_text(visitor_text=seen)
    margin = 15 / 25.4 * 72  # 15 mm in points, from the bottom edge
    assert heights
    assert min(heights) > margin, (language, min(heights))
    assert max(heights) < 297 / 25.4 * 72 - margin
