"""The case page's identity comparison: the person the invitation names as the register
holds them, beside the holder as the verified chip states them, with the differences the
register's identity linking found highlighted (docs/identity.md). Pure: facts in, rows out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leveattest.review.evidence import words


@dataclass(frozen=True)
class IdentityRow:
    label: str
    register: str
    chip: str
    differs: bool


@dataclass(frozen=True)
class IdentityComparison:
    rows: tuple[IdentityRow, ...]
    reasons: tuple[str, ...]  # the linking engine's reasons, in words
    partial: bool  # a near match (name change, missing given name, transposed date, ...)


def identity_comparison(facts: Mapping[str, Any] | None) -> IdentityComparison | None:
    """None when the session has no linking result (no invitation, or facts deleted)."""
    link = (facts or {}).get("identity_link")
    if not isinstance(link, Mapping) or facts is None:
        return None
    differences = set(link.get("differences") or ())
    chip_name = " ".join(
        part
        for part in (str(facts.get("given_names") or ""), str(facts.get("surname") or ""))
        if part
    )
    chip_birth = facts.get("birth_date") or facts.get("birth_date_raw")
    rows: tuple[IdentityRow, ...] = (
        IdentityRow(
            "name",
            str(link.get("register_full_name") or "—"),
            chip_name or "—",
            bool(differences & {"surname", "given_names"}),
        ),
        IdentityRow(
            "birth date",
            str(link.get("register_birth_date") or "—"),
            str(chip_birth or "—"),
            "birth_date" in differences,
        ),
    )
    if "national_id" in differences:
        rows += (IdentityRow("national identity number", "held", "another number", True),)
    return IdentityComparison(
        rows=rows,
        reasons=tuple(words(str(reason)) for reason in link.get("reasons") or ()),
        partial=link.get("session_reason") == "identity_partial_match",
    )
