"""Translatable texts: a stable message id and its English source, through gettext.

A text is written ``_("outcome.approved.message", "Your life certificate ...")``: the id is
the gettext context (``msgctxt``), the English sentence the ``msgid``, so catalogs made by
the usual tools (``pybabel extract -k _:1c,2`` or ``xgettext --keyword=_:1c,2``) key each
translation by both. Catalogs live in ``leveattest/locale/<language>/LC_MESSAGES/
leveattest.mo`` (the pensioner issue adds them); a language without a catalog gets the
English source. Phones get the id too, so an app may show its own translation.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DOMAIN = "leveattest"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@dataclass(frozen=True, slots=True)
class Message:
    message_id: str
    source: str  # English


def _(message_id: str, source: str) -> Message:
    """Mark a text for translation (extraction keyword ``_:1c,2``); translated on use."""
    return Message(message_id, source)


@lru_cache(maxsize=32)
def _catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def translate(message: Message, language: str | None) -> str:
    """The text in ``language`` when a catalog has it, else the English source."""
    if not language:
        return message.source
    return _catalog(language).pgettext(message.message_id, message.source)
