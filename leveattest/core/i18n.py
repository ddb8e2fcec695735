"""Translatable texts: a stable message id and its English source, through gettext.

A text is written ``_("outcome.approved.message", "Your life certificate ...")``: the id is
the gettext context (``msgctxt``), the English sentence the ``msgid``, so catalogs made by
the usual tools (``pybabel extract -k _:1c,2`` or ``xgettext --keyword=_:1c,2``) key each
translation by both. Catalogs live in ``leveattest/locale/<language>/LC_MESSAGES/
leveattest.po`` and are compiled in memory (Babel) on first use, so no build step makes
``.mo`` files; ``scripts/update_catalogs.py`` extracts new texts into them. A language
without a catalog gets the English source. Phones get the id too, so an app may show its
own translation.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "leveattest"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@dataclass(frozen=True, slots=True)
class Message:
    message_id: str
    source: str  # English


def _(message_id: str, source: str) -> Message:
    """Mark a text for translation (extraction keyword ``_:1c,2``); translated on use."""
    return Message(message_id, source)


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages() -> list[str]:
    """The languages that have a catalog, plus English (the source)."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return sorted(found | {"en"})


@lru_cache(maxsize=32)
def _catalog(language: str) -> gettext.NullTranslations:
    path = catalog_path(language)
    if not language.isalpha() or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(message: Message, language: str | None) -> str:
    """The text in ``language`` when a catalog has it, else the English source."""
    if not language:
        return message.source
    return _catalog(language).pgettext(message.message_id, message.source)
