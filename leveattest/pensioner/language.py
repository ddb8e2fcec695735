"""Which language a page is shown in: the ``lang`` the pensioner chose (remembered in a
cookie), else the best match of ``Accept-Language``, else Norwegian bokmål."""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_date

from leveattest.core.i18n import Message, translate

LANGUAGES = ("nb", "nn", "en", "se", "sv", "de", "es", "pl")
DEFAULT = "nb"
COOKIE = "leveattest_lang"
# Norwegian without a written standard goes to bokmål
_ALIASES = {"no": "nb"}


def _tag(value: str) -> str | None:
    base = value.strip().split("-")[0].split("_")[0].lower()
    base = _ALIASES.get(base, base)
    return base if base in LANGUAGES else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    for candidate in (query, cookie):
        if candidate and _tag(candidate):
            return _tag(candidate) or DEFAULT
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = item.partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        found = _tag(tag)
        if found and weight > 0:
            ranked.append((-weight, position, found))
    return sorted(ranked)[0][2] if ranked else DEFAULT


def language_name(language: str) -> str:
    """The language's own name for itself (``norsk bokmål``, ``davvisámegiella``)."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def long_date(value: date, language: str) -> str:
    return format_date(value, format="long", locale=language)


class Texts:
    """``t(MESSAGE, name=...)`` in one language, for the templates."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, message: Message, **values: object) -> str:
        text = translate(message, self.language)
        return text.format(**values) if values else text
