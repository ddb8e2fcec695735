"""Extract the translatable texts into ``leveattest/locale/<lang>/LC_MESSAGES/leveattest.po``.

Every Python file under ``leveattest`` and ``register`` that imports from
``leveattest.core.i18n`` is read for ``_("message.id", "English source")`` (the id is the
gettext context). A text new to a catalog is added untranslated, a text gone from the code
is dropped, a translation whose source changed is kept but marked fuzzy, so that the
completeness test (tests/unit/test_pensioner_catalogs.py) fails until a translator has
looked at it. Run: ``uv run --frozen python scripts/update_catalogs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "leveattest" / "locale"
LANGUAGES = ("nb", "nn", "en", "se", "sv", "de", "es", "pl")
KEYWORDS = {"_": ((1, "c"), 2)}


def extract() -> Catalog:
    template = Catalog(domain="leveattest")
    for package in ("leveattest", "register"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "leveattest.core.i18n import" not in path.read_text(encoding="utf-8"):
                continue
            for line, message, _comments, context in extract_from_file(
                "python", str(path), keywords=KEYWORDS
            ):
                if not isinstance(message, str) or context is None:
                    continue
                where = (str(path.relative_to(ROOT)), line)
                template.add(message, context=context, locations=[where])
    return template


def update(template: Catalog, language: str) -> Catalog:
    path = LOCALE / language / "LC_MESSAGES" / "leveattest.po"
    old: dict[str, tuple[str, str]] = {}
    if path.is_file():
        with path.open("rb") as handle:
            for item in read_po(handle, locale=language):
                if item.id and item.context:
                    old[item.context] = (str(item.id), str(item.string))
    catalog = Catalog(locale=language, domain="leveattest", project="leveattest", fuzzy=False)
    for item in template:
        if not item.id or item.context is None:
            continue
        source, string = old.get(item.context, ("", ""))
        if language == "en":
            string, source = str(item.id), str(item.id)
        flags = {"fuzzy"} if string and source != item.id else set()
        catalog.add(item.id, string, context=item.context, locations=item.locations, flags=flags)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_by_file=False, omit_header=False)
    return catalog


def main() -> int:
    template = extract()
    for language in LANGUAGES:
        update(template, language)
    print(f"{len(template)} texts in {len(LANGUAGES)} catalogs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
