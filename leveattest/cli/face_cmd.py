"""``leveattest face compare IMAGE_A IMAGE_B``: distance, decision and capture quality.

Exit status 0 whenever a result was reached, including "no face" (match false, with
the quality reason); 2 only when an input could not be read or a model is missing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from leveattest.cli.app import emit_json, face_app, fail, settings_or_exit
from leveattest.core.errors import ImageError, LeveattestError


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImageError("image file could not be read", reason="unreadable_file") from exc


def _human(payload: dict[str, Any]) -> list[str]:
    distance = payload["distance"]
    lines = [
        f"decision   {payload['decision']}",
        f"match      {'yes' if payload['match'] else 'no'}",
        f"distance   {'-' if distance is None else f'{distance:.4f}'}"
        f" (threshold {payload['threshold']:.2f} +/- {payload['near_band']:.2f})",
    ]
    for label in ("a", "b"):
        quality = payload["quality"][label]
        state = "passed" if quality["passed"] else "FAILED " + ", ".join(quality["reasons"])
        lines.append(f"image {label}    faces {payload['faces'][label]}, quality {state}")
        lines.extend(f"           - {advice}" for advice in quality["advice"])
    return lines


@face_app.command("compare")
def compare(
    image_a: Annotated[Path, typer.Argument(help="first image (JPEG, PNG or JPEG 2000)")],
    image_b: Annotated[Path, typer.Argument(help="second image")],
    kind_a: Annotated[str, typer.Option(help="selfie, chip or page (quality thresholds)")] = (
        "selfie"
    ),
    kind_b: Annotated[str, typer.Option(help="selfie, chip or page")] = "selfie",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Compare the largest face of two images and report each image's quality."""
    os.environ.setdefault("GLOG_minloglevel", "2")  # mediapipe's native logging on stderr
    from leveattest.face import FaceEngine, ImageKind  # noqa: PLC0415 - heavy imports

    try:
        kinds = (ImageKind(kind_a), ImageKind(kind_b))
    except ValueError:
        fail(ImageError("--kind-a/--kind-b must be selfie, chip or page"), as_json=as_json)
    settings = settings_or_exit()
    engine = FaceEngine(settings.face)
    try:
        first = engine.analyse_bytes(_read(image_a), kinds[0])
        second = engine.analyse_bytes(_read(image_b), kinds[1])
    except LeveattestError as error:
        fail(error, as_json=as_json)
    result = engine.compare(first, second)
    payload: dict[str, Any] = {
        **result.to_dict(),
        "faces": {"a": first.face_count, "b": second.face_count},
        "quality": {"a": first.quality.to_dict(), "b": second.quality.to_dict()},
        "models": dict(engine.model_ids),
    }
    if as_json:
        emit_json(payload)
    else:
        for line in _human(payload):
            typer.echo(line)


@face_app.command("quality")
def quality(
    image: Annotated[Path, typer.Argument(help="image (JPEG, PNG or JPEG 2000)")],
    kind: Annotated[str, typer.Option(help="selfie, chip or page (quality thresholds)")] = (
        "selfie"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Run the capture-quality gate on one image (faces, size, light, blur, eyes, pose)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    from leveattest.face import FaceEngine, ImageKind  # noqa: PLC0415 - heavy imports

    try:
        image_kind = ImageKind(kind)
    except ValueError:
        fail(ImageError("--kind must be selfie, chip or page"), as_json=as_json)
    engine = FaceEngine(settings_or_exit().face)
    try:
        analysis = engine.analyse_bytes(_read(image), image_kind)
    except LeveattestError as error:
        fail(error, as_json=as_json)
    payload = analysis.to_dict()
    if as_json:
        emit_json(payload)
        return
    report = payload["quality"]
    typer.echo(f"faces      {payload['faces']}")
    typer.echo(f"quality    {'passed' if report['passed'] else 'FAILED'}")
    for name, check in report["checks"].items():
        value = "-" if check["value"] is None else f"{check['value']:.3f}"
        typer.echo(
            f"  {name:<14} {check['status']:<12} {value} {check['comparison']} {check['threshold']}"
        )
    for advice in report["advice"]:
        typer.echo(f"  - {advice}")
