"""``leveattest mrz read IMAGE``: read the MRZ from a photo of a document's data page.

The reader (OpenCV, tesseract) and the settings are imported inside the command, so
that ``leveattest mrz parse`` (same group) starts at once.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leveattest.cli.app import emit_json, fail, mrz_app, settings_or_exit
from leveattest.core.errors import ImageError, InputTooLargeError, LeveattestError, MRZError

if TYPE_CHECKING:
    from leveattest.core.settings import MRZSettings
    from leveattest.mrz.reader import MRZReadResult


def _read_file(path: Path, settings: MRZSettings, *, as_json: bool) -> bytes:
    try:
        size = path.stat().st_size
        if size > settings.max_image_bytes:
            fail(
                InputTooLargeError(
                    "image file is too large", size=size, max_bytes=settings.max_image_bytes
                ),
                as_json=as_json,
            )
        return path.read_bytes()
    except OSError as exc:
        fail(
            ImageError("the image file could not be read", reason=type(exc).__name__),
            as_json=as_json,
        )


def _summary(read: MRZReadResult) -> list[str]:
    result = read.result
    birth = result.birth_date.isoformat() if result.birth_date else "-"
    expiry = result.expiry_date.isoformat() if result.expiry_date else "-"
    rows = [
        ("format", result.format.value),
        ("document type", result.document_type),
        ("issuing state", result.issuing_state),
        ("surname", result.surname),
        ("given names", result.given_names),
        ("document number", result.document_number),
        ("nationality", result.nationality),
        ("birth date", birth),
        ("sex", result.sex or "-"),
        ("expiry date", expiry),
        ("optional data", " ".join(p for p in (result.optional_data, result.optional_data_2) if p)),
        ("personal number", result.personal_number),
    ]
    lines = [f"{label:<16} {value}" for label, value in rows]
    lines.extend(f"line             {line}" for line in result.lines)
    for check in result.checks:
        lines.append(f"check {check.name:<24} {'passed' if check.passed else 'FAILED'}")
    for repair in read.repairs:
        lines.append(
            f"repair           {repair.field} line {repair.line + 1} pos {repair.position + 1}: "
            f"{repair.from_!r} -> {repair.to!r} ({repair.why})"
        )
    lines.append(f"confidence       {read.confidence.get('overall', 0.0):.2f}")
    lines.append(f"valid            {'yes' if result.valid else 'NO'}")
    return lines


@mrz_app.command("read")
def read_command(
    image: Annotated[Path, typer.Argument(help="Photo or scan of the data page (JPEG, PNG, ...).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    today: Annotated[
        str | None, typer.Option("--today", help="Resolve two-digit years against YYYY-MM-DD.")
    ] = None,
) -> None:
    """Read the MRZ from an image (exit 0 when an MRZ was read, valid or not)."""
    from leveattest.mrz.reader import read_mrz  # noqa: PLC0415 - start-up time

    day: date | None = None
    if today is not None:
        try:
            day = date.fromisoformat(today)
        except ValueError:
            fail(MRZError("--today must be a date YYYY-MM-DD"), as_json=as_json)
    settings = settings_or_exit(as_json=as_json).mrz
    data = _read_file(image, settings, as_json=as_json)
    try:
        read = read_mrz(data, today=day, settings=settings)
    except LeveattestError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json(read.to_json_dict())
        return
    for line in _summary(read):
        typer.echo(line)
