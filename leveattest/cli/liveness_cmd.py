"""``leveattest liveness ...``: issue a challenge, simulate a capture, check it, passive score.

Frames directory (``--frames DIR``): either a ``frames.json`` listing
``[{"file": "frame_0000.jpg", "t_ms": 0}, ...]`` in capture order, or image files named
``frame_<index>_t<milliseconds>.jpg`` (e.g. ``frame_0007_t000712.jpg``; PNG too), ordered
by index. Timestamps are milliseconds from the start of the colour sequence.

Exit status 0 whenever a result was reached (including ``spoof`` and ``uncertain``); 2
when an input could not be read, the challenge is malformed or a model is missing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from leveattest.cli.app import emit_json, fail, liveness_app
from leveattest.core.errors import ChallengeError, ImageError, InputError, LeveattestError

FRAME_NAME = re.compile(r"^frame_(\d+)_t(-?\d+)\.(?:jpe?g|png)$", re.IGNORECASE)
SPECIES_HELP = "genuine, static, tint, print, screen or other (other = genuine of --face)"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImageError("file could not be read", reason="unreadable_file") from exc


def read_frames_dir(directory: Path) -> list[tuple[int, bytes]]:
    """(timestamp ms, bytes) from ``frames.json`` or from ``frame_<i>_t<ms>`` names."""
    if not directory.is_dir():
        raise InputError("frames directory not found", reason="no_frames_dir")
    listing = directory / "frames.json"
    if listing.is_file():
        try:
            entries = json.loads(listing.read_text("utf-8"))
            items = [(int(e["t_ms"]), str(e["file"])) for e in entries]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError("frames.json is malformed", reason="bad_frames_json") from exc
        for _, name in items:
            if Path(name).name != name:
                raise InputError("frames.json names files outside DIR", reason="bad_frames_json")
        return [(t, _read(directory / name)) for t, name in items]
    named: list[tuple[int, int, Path]] = []
    for path in directory.iterdir():
        match = FRAME_NAME.match(path.name)
        if match:
            named.append((int(match.group(1)), int(match.group(2)), path))
    if not named:
        raise InputError("no frame_<index>_t<ms> images in the directory", reason="no_frames")
    named.sort()
    return [(t, _read(path)) for _, t, path in named]


def _challenge(path: Path) -> Any:
    from leveattest.face.liveness.challenge import LivenessChallenge  # noqa: PLC0415

    try:
        return LivenessChallenge.from_json(path.read_bytes())
    except OSError as exc:
        raise ChallengeError("challenge file could not be read", reason="unreadable_file") from exc


def _pixels(data: bytes) -> Any:
    from leveattest.face.image import decode_face_image  # noqa: PLC0415

    return decode_face_image(data).pixels


@liveness_app.command("challenge")
def challenge(
    session: Annotated[str, typer.Option(help="verification session id to bind it to")],
    out: Annotated[Path, typer.Option(help="write the challenge JSON here")],
) -> None:
    """Issue a one-time liveness challenge (colour sequence + prompt) as JSON."""
    from leveattest.core.clock import SystemClock  # noqa: PLC0415
    from leveattest.face.liveness.challenge import issue_challenge  # noqa: PLC0415

    issued = issue_challenge(session, clock=SystemClock())
    out.write_text(issued.to_json() + "\n", encoding="utf-8")
    typer.echo(f"challenge {issued.challenge_id[:12]}… prompt {issued.prompt.value} -> {out}")


@liveness_app.command("passive")
def passive(
    image: Annotated[Path, typer.Argument(help="face image (JPEG, PNG or JPEG 2000)")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Passive (single-image) print/screen-artefact score: 1 = live, 0 = spoof."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    from leveattest.face.liveness.verify import LivenessEngine  # noqa: PLC0415

    engine = LivenessEngine()
    try:
        payload = engine.passive(_pixels(_read(image)))
    except LeveattestError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json(payload)
        return
    typer.echo(f"label      {payload['label']}")
    if payload["score"] is None:
        typer.echo(
            f"reason     {payload['reason']} (face {payload['face_px']} px, "
            f"minimum {payload['min_face_px']} px)"
        )
    else:
        typer.echo(f"score      {payload['score']:.3f} (live >= {payload['live_threshold']})")
    typer.echo(f"faces      {payload['faces']}")


@liveness_app.command("check")
def check(
    challenge_file: Annotated[Path, typer.Option("--challenge", help="challenge JSON file")],
    frames: Annotated[Path, typer.Option(help="directory of frames (see the module doc)")],
    selfie: Annotated[Path | None, typer.Option(help="the session selfie (identity)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Verify a liveness capture against its challenge: live / spoof / uncertain."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    from leveattest.face.liveness.verify import LivenessEngine  # noqa: PLC0415

    engine = LivenessEngine()
    try:
        issued = _challenge(challenge_file)
        items = read_frames_dir(frames)
        selfie_pixels = _pixels(_read(selfie)) if selfie else None
        embedding = (
            engine.face.analyse(selfie_pixels).embedding if selfie_pixels is not None else None
        )
        result = engine.verify(issued, items, selfie=embedding, selfie_pixels=selfie_pixels)
    except LeveattestError as error:
        fail(error, as_json=as_json)
    payload = result.to_dict()
    if as_json:
        emit_json(payload)
        return
    typer.echo(f"label      {payload['label']}")
    typer.echo(f"score      {payload['score']:.3f}")
    for item in payload["checks"]:
        detail = f" ({item['detail']})" if item["detail"] else ""
        typer.echo(f"  {item['check']:<22} {item['verdict']:<13} {item['reason']}{detail}")


@liveness_app.command("simulate")
def simulate(  # noqa: PLR0917 - typer options
    challenge_file: Annotated[Path, typer.Option("--challenge", help="challenge JSON file")],
    face: Annotated[Path, typer.Option(help="a still portrait to animate")],
    species: Annotated[str, typer.Option(help=SPECIES_HELP)] = "genuine",
    out: Annotated[Path, typer.Option(help="output directory for the frames")] = Path("frames"),
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    fps: Annotated[float, typer.Option(help="frames per second")] = 10.0,
    width: Annotated[int, typer.Option(help="frame width (px)", min=64, max=1920)] = 480,
    height: Annotated[int, typer.Option(help="frame height (px)", min=64, max=1920)] = 640,
) -> None:
    """Render simulated frames (genuine capture or an attack) for a demo."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    from leveattest.face import FaceEngine  # noqa: PLC0415
    from mobile_stub.capture import (  # noqa: PLC0415
        SPECIES,
        RenderOptions,
        encode_frames,
        simulate_capture,
    )

    if species not in SPECIES:
        fail(InputError(f"--species must be one of {', '.join(SPECIES)}"), as_json=False)
    try:
        issued = _challenge(challenge_file)
        portrait = _pixels(_read(face))
    except LeveattestError as error:
        fail(error, as_json=False)
    detected = FaceEngine().analyse(portrait).face
    hint = None
    if detected is not None:
        box = detected.box
        hint = {
            "box": [box.left, box.top, box.right, box.bottom],
            "eyes": [list(p) for p in detected.eye_centres],
        }
    rendered = simulate_capture(
        portrait,
        issued.to_dict(),
        species,
        RenderOptions(size=(width, height), seed=seed, fps=fps),
        hint=hint,
    )
    out.mkdir(parents=True, exist_ok=True)
    for index, (t_ms, data) in enumerate(encode_frames(rendered)):
        (out / f"frame_{index:04d}_t{t_ms:06d}.jpg").write_bytes(data)
    typer.echo(f"{len(rendered)} frames ({species}) -> {out}")
