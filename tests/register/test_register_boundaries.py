"""The register is its own bounded context: from leveattest it imports only the shared
kernel (leveattest.core), generic database plumbing (leveattest.persistence) and the
national-id rules (leveattest.mrz.national) and the MRZ transliteration of names
(leveattest.mrz.names); import-linter checks this too."""

from __future__ import annotations

import ast
from pathlib import Path

ALLOWED = (
    "leveattest.core",
    "leveattest.persistence",
    "leveattest.mrz.national",
    "leveattest.mrz.names",  # ICAO 9303-3 transliteration, for identity linking
)


def test_register_imports_only_the_shared_kernel_and_national_ids(project_root: Path):
    offenders = []
    for path in (project_root / "register").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith(("leveattest", "mobile_stub")) and not name.startswith(ALLOWED):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
