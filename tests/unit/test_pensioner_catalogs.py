"""The gettext catalogs (issue 13): every text the pensioner sees is translated in all eight
languages, each translation keeps the source's placeholders, and a catalog is what
``translate`` serves."""

from __future__ import annotations

import importlib.util
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from leveattest.core.i18n import Message, available_languages, catalog_path, translate
from leveattest.pensioner import texts
from leveattest.pensioner.language import LANGUAGES, choose

ROOT = Path(__file__).resolve().parents[2]


def _extracted() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location(
        "update_catalogs", ROOT / "scripts/update_catalogs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {str(m.context): str(m.id) for m in module.extract() if m.id}


EXTRACTED = _extracted()


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_extraction_finds_the_pages_and_the_outcome_texts():
    assert "site.progress" in EXTRACTED
    assert "outcome.approved.message" in EXTRACTED  # leveattest.sessions.messages
    assert "letter.title" in EXTRACTED  # register.letter_texts
    assert len(EXTRACTED) >= 70


def test_every_language_of_the_pages_has_a_catalog():
    assert set(LANGUAGES) <= set(available_languages())
    for language in LANGUAGES:
        assert catalog_path(language).is_file(), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated_with_the_same_placeholders(language: str):
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    found = {str(m.context): m for m in catalog if m.id}
    missing = sorted(set(EXTRACTED) - set(found))
    assert not missing, f"{language} lacks {missing}"
    for context, source in EXTRACTED.items():
        message = found[context]
        assert str(message.id) == source, f"{language} {context}: the source changed"
        assert message.string, f"{language} {context}: untranslated"
        assert not message.fuzzy, f"{language} {context}: fuzzy"
        assert _placeholders(str(message.string)) == _placeholders(source), (
            f"{language} {context}: placeholders differ"
        )


def test_the_placeholder_check_catches_a_renamed_placeholder():
    assert _placeholders("Steg {current} av {total}") == {"current", "total"}
    assert _placeholders("Steg {naa} av {total}") != _placeholders("Step {current} of {total}")


def test_translate_serves_the_catalog_and_falls_back_to_english():
    assert translate(texts.LANGUAGE, "nb") == "Språk"
    assert translate(texts.LANGUAGE, "se") == "Giella"
    assert translate(texts.LANGUAGE, "xx") == "Language"
    assert translate(Message("no.such.id", "Plain"), "de") == "Plain"


def test_no_catalog_text_carries_markup():
    for language in LANGUAGES:
        with catalog_path(language).open("rb") as handle:
            for message in read_po(handle, locale=language):
                assert not re.search(r"<[a-z/]", str(message.string)), message.context


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        (None, None, None, "nb"),
        (None, None, "en-GB,en;q=0.8", "en"),
        (None, None, "fr-FR,no;q=0.5", "nb"),
        (None, None, "fr, pl;q=0.3, sv;q=0.7", "sv"),
        (None, "se", "de", "se"),
        ("es", "se", "de", "es"),
        ("xx", None, "nn", "nn"),
        (None, None, "de;q=0, pl", "pl"),
        (None, None, "de;q=abc, en", "en"),
    ],
)
def test_the_language_is_the_choice_then_the_cookie_then_accept_language(
    query, cookie, accept, expected
):
    assert choose(query, cookie, accept) == expected


@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=20)))
def test_any_accept_language_header_gives_a_language_of_the_pages(accept: str, cookie):
    assert choose(None, cookie, accept) in LANGUAGES
