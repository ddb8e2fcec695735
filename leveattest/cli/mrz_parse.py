"""``leveattest mrz parse LINE...``: parse typed MRZ lines and show the fields and checks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from leveattest.cli.app import emit_json, fail, mrz_app
from leveattest.core.errors import MRZError
from leveattest.mrz import MRZFormat, MRZResult, parse_mrz


def _parse_day(value: str | None, *, as_json: bool) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(MRZError("--today must be a date YYYY-MM-DD"), as_json=as_json)


def _summary(result: MRZResult) -> list[str]:
    birth = result.birth_date.isoformat() if result.birth_date else None
    if birth is None and result.birth_date_partial is not None:
        birth = result.birth_date_partial.isoformat()
    expiry = result.expiry_date.isoformat() if result.expiry_date else None
    state = result.issuing_state
    if result.issuing_state_alpha3 != state:
        state = f"{state} ({result.issuing_state_alpha3})"
    nationality = result.nationality
    if result.nationality_alpha3 != nationality:
        nationality = f"{nationality} ({result.nationality_alpha3})"
    rows = [
        ("format", result.format.value),
        ("document type", result.document_type),
        ("issuing state", state),
        ("surname", result.surname),
        ("given names", result.given_names),
        ("document number", result.document_number),
        ("nationality", nationality),
        ("birth date", birth or "-"),
        ("sex", result.sex or "-"),
        ("expiry date", expiry or "-"),
        ("optional data", " ".join(p for p in (result.optional_data, result.optional_data_2) if p)),
        ("personal number", result.personal_number),
    ]
    lines = [f"{label:<16} {value}" for label, value in rows]
    for check in result.checks:
        state_text = "passed" if check.passed else f"FAILED (expected {check.expected or '?'})"
        lines.append(f"check {check.name:<24} {state_text}")
    if result.national_id is not None:
        nid = result.national_id
        lines.append(f"national id      {nid.kind.value} {'valid' if nid.valid else 'INVALID'}")
    for problem in result.problems:
        level = "problem" if problem.fatal else "note"
        lines.append(f"{level:<16} {problem.reason.value} [{problem.field}] {problem.detail}")
    lines.append(f"valid            {'yes' if result.valid else 'NO'}")
    return lines


@mrz_app.command("parse")
def parse_command(
    lines: Annotated[
        list[str], typer.Argument(metavar="LINE...", help="The MRZ lines (2 or 3), as printed.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    today: Annotated[
        str | None, typer.Option("--today", help="Resolve two-digit years against YYYY-MM-DD.")
    ] = None,
) -> None:
    """Parse an MRZ and report its fields and check digits (exit 0 even when invalid)."""
    day = _parse_day(today, as_json=as_json)
    result = parse_mrz(lines, today=day)
    if result.format is MRZFormat.UNKNOWN:
        problem = result.problems[0] if result.problems else None
        fail(
            MRZError(
                "the input is not a machine-readable zone (no format matches its lines)",
                reason=problem.reason.value if problem else "mrz_unknown_format",
            ),
            as_json=as_json,
        )
    if as_json:
        emit_json(result.to_json_dict())
        return
    for line in _summary(result):
        typer.echo(line)
