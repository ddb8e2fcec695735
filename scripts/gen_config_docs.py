"""Write docs/configuration.md from the settings model (same as ``leveattest config docs``).

python scripts/gen_config_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from leveattest.core.config_docs import render_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def main() -> int:
    text = render_markdown()
    if "--check" in sys.argv[1:]:
        if DOCS.read_text(encoding="utf-8") != text:
            print(f"{DOCS} is stale: run python scripts/gen_config_docs.py")
            return 1
        return 0
    DOCS.write_text(text, encoding="utf-8")
    print(f"wrote {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
