"""Calibrate the face-match threshold: genuine/impostor distances, DET curve, rate table.

    uv run python scripts/calibrate_faces.py [--shared-data ../shared/data] [--out docs/calibration]

Reads ../shared/data/faces (identities.tsv) in place and samples/faces if present;
writes docs/calibration/{det.png, thresholds.md, distances.csv}. No images are
written, and pairs are identified by hashes of file names. Single process.

Also the hard genuine pairs (issue 16): frames of one shot against different photographs,
and the quality gap of a chip portrait against a selfie — each image's face made into a
DG2-like JPEG 2000 portrait (240x300, 1:16) and compared with every *other* photo — and
what the decision policy does in each band of distances, with the pairs that fall there.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("GLOG_minloglevel", "2")

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from leveattest.core.settings import FaceSettings
from leveattest.face.analysis import Embedding
from leveattest.face.calibration import (
    CANDIDATE_THRESHOLDS,
    CalibrationSet,
    LabelledImage,
    Pair,
    chip_like_portrait,
    compute_pairs,
    cross_pairs,
    distance_stats,
    error_rates,
    load_sample_faces,
    load_shared_faces,
    margin,
    pair_group,
)
from leveattest.face.embed import FaceEngine
from leveattest.face.quality import ImageKind
from leveattest.pipeline.face_bands import band_of, band_outcomes

ROOT = Path(__file__).resolve().parent.parent


def _write_csv(path: Path, pairs: list[Pair]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_a", "image_b", "genuine", "distance"])
        for pair in sorted(pairs, key=lambda p: p.distance):
            writer.writerow(
                [pair.a.pair_id, pair.b.pair_id, int(pair.genuine), f"{pair.distance:.4f}"]
            )


def _plot(path: Path, pairs: list[Pair], threshold: float, band: float) -> None:
    genuine = np.array([p.distance for p in pairs if p.genuine])
    impostor = np.array([p.distance for p in pairs if not p.genuine])
    grid = np.linspace(0.0, 1.2, 601)
    fmr = np.array([(impostor <= t).mean() for t in grid])
    fnmr = np.array([(genuine > t).mean() for t in grid])
    floor = 0.5 / max(len(genuine), len(impostor))  # where "zero errors" is drawn
    fig, (det, rates, hist) = plt.subplots(1, 3, figsize=(15, 4.5))
    det.plot(np.maximum(fmr, floor), np.maximum(fnmr, floor), color="black")
    chosen = (impostor <= threshold).mean(), (genuine > threshold).mean()
    det.scatter([max(chosen[0], floor)], [max(chosen[1], floor)], color="red", zorder=3)
    det.annotate(f"threshold {threshold:.2f}", (max(chosen[0], floor), max(chosen[1], floor)))
    det.set_xscale("log")
    det.set_yscale("log")
    det.set_xlabel(f"FMR (false match rate; {floor:.1e} = none observed)")
    det.set_ylabel("FNMR (false non-match rate)")
    det.set_title("DET curve")
    det.grid(visible=True, which="both", alpha=0.3)
    rates.plot(grid, fmr, label="FMR")
    rates.plot(grid, fnmr, label="FNMR")
    rates.axvspan(
        threshold - band, threshold + band, color="orange", alpha=0.2, label="review band"
    )
    rates.axvline(threshold, color="red", linestyle="--", label="threshold")
    rates.set_xlabel("distance threshold")
    rates.set_ylabel("error rate")
    rates.set_title("error rates vs threshold")
    rates.legend()
    bins = np.linspace(0.0, 1.2, 49)
    hist.hist(genuine, bins=bins, alpha=0.6, label=f"genuine (n={len(genuine)})")
    hist.hist(impostor, bins=bins, alpha=0.6, label=f"impostor (n={len(impostor)})")
    hist.axvline(threshold, color="red", linestyle="--")
    hist.set_xlabel("dlib embedding distance")
    hist.set_title("pair distances")
    hist.legend()
    fig.suptitle("leveattest face matching calibration (dlib resnet v1, HOG + 5-point alignment)")
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def _fmt(stats: dict[str, float]) -> str:
    if not stats:
        return "n/a"
    return (
        f"{int(stats['count'])} pairs, min {stats['min']:.3f}, median {stats['median']:.3f}, "
        f"mean {stats['mean']:.3f}, max {stats['max']:.3f}"
    )


def _quantiles(distances: list[float], threshold: float, band: float) -> str:
    if not distances:
        return "| 0 | — | — | — | — | — | — |"
    array = np.asarray(distances)
    above = int(((array > threshold) & (array <= threshold + band)).sum())
    beyond = int((array > threshold + band).sum())
    return (
        f"| {array.size} | {array.min():.3f} | {np.median(array):.3f} "
        f"| {np.percentile(array, 90):.3f} | {array.max():.3f} | {above} | {beyond} |"
    )


def _hard_pairs(
    pairs: list[Pair], chip_pairs: list[Pair], chip_notes: dict[str, float], settings: FaceSettings
) -> list[str]:
    threshold, band = settings.match_threshold, settings.near_threshold_band
    groups = {
        "genuine: frames of one video shot (different resolutions)": [
            p.distance for p in pairs if p.genuine and pair_group(p) == "same_shot"
        ],
        "genuine: different photographs (time apart unknown: days to years)": [
            p.distance for p in pairs if p.genuine and pair_group(p) == "different_photos"
        ],
        "genuine: chip-like portrait vs another photo (quality gap)": [
            p.distance for p in chip_pairs if p.genuine
        ],
        "impostor: original photos": [p.distance for p in pairs if not p.genuine],
        "impostor: chip-like portrait vs another person's photo": [
            p.distance for p in chip_pairs if not p.genuine
        ],
    }
    lines = [
        "## Hard genuine pairs: time apart and chip-vs-selfie quality",
        "",
        "`identities.tsv` carries no capture dates, so the age gap of a pair is not known; "
        "the different photographs of one person here are taken apart by days to years "
        "(public figures over their careers). The quality gap is emulated: each image's face "
        f"is made into a DG2-like portrait (ICAO framing, 240x300 px, JPEG 2000 at 1:16, "
        f"median {chip_notes['median_kb']:.1f} kB; {int(chip_notes['no_face'])} of "
        f"{int(chip_notes['images'])} lost their face, {int(chip_notes['quality_failed'])} "
        "failed the chip quality gate) and compared with every *other* photo of the set "
        "(never with the photo it came from), as a chip portrait is compared with a "
        "selfie.",
        "",
        f"| pairs | n | min | median | p90 | max | just above the threshold "
        f"({threshold:.2f}–{threshold + band:.2f}] | beyond {threshold + band:.2f} |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {name} " + _quantiles(values, threshold, band) for name, values in groups.items()]
    lines += [
        "",
        "## What the policy does in each band (selfie vs chip)",
        "",
        "The face decision and the session decision as the code makes them "
        "(`leveattest.pipeline.face_bands`: the real `match.decide` and `policy.decide`, every "
        "other required check passed), with the pairs of this set that fall in each band "
        "(original pairs / chip-like vs photo pairs).",
        "",
        "| band | distance | face decision | check → reason | session decision "
        "| genuine pairs | impostor pairs |",
        "|---|---|---|---|---|---|---|",
    ]
    for outcome in band_outcomes(settings):
        counts = []
        for genuine in (True, False):
            counted = [
                sum(
                    1
                    for p in group
                    if p.genuine is genuine and band_of(p.distance, settings) == outcome.label
                )
                for group in (pairs, chip_pairs)
            ]
            counts.append(f"{counted[0]} / {counted[1]}")
        span = (
            f"> {outcome.low:.2f}"
            if outcome.high >= 4.0
            else f"{outcome.low:.2f}–{outcome.high:.2f}"
        )
        reasons = ", ".join(r.value for r in outcome.decision_reasons) or "—"
        lines.append(
            f"| {outcome.label} | {span} | {outcome.face_decision.value} "
            f"| {outcome.verdict.value} → {outcome.reason.value} "
            f"| **{outcome.decision.value}** ({reasons}) | {counts[0]} | {counts[1]} |"
        )
    lines += [
        "",
        "No band rejects: a face mismatch is a negative biometric outcome and goes to a "
        "person (GDPR art. 22; `leveattest/pipeline/policy.py`, rule 2). The band just above "
        "the threshold is `near_threshold` → review, like the band just below it.",
        "",
    ]
    return lines


def _report(
    dataset: CalibrationSet,
    pairs: list[Pair],
    no_face: int,
    settings: FaceSettings,
    hard: list[str] | None = None,
) -> str:
    genuine = [p.distance for p in pairs if p.genuine]
    impostor = [p.distance for p in pairs if not p.genuine]
    gap = margin(pairs)
    identities = sorted({image.identity for image in dataset.images})
    lines = [
        "# Face matching calibration",
        "",
        "Generated by `scripts/calibrate_faces.py`; do not edit by hand.",
        "",
        f"- images: {len(dataset.images)} distinct files, {len(identities)} identities; "
        f"skipped rows: {dict(sorted(dataset.skipped.items())) or 'none'}; "
        f"no face found: {no_face}",
        "- model: dlib_face_recognition_resnet_model_v1 (128-d), HOG detector, "
        f"5-point alignment, num_jitters={settings.num_jitters}",
        f"- genuine (same person): {_fmt(distance_stats(genuine))}",
        f"- impostor (different people): {_fmt(distance_stats(impostor))}",
        f"- margin (min impostor - max genuine): {gap:.3f}" if gap is not None else "- margin: n/a",
        f"- chosen threshold {settings.match_threshold:.2f}, near-threshold band "
        f"+/-{settings.near_threshold_band:.2f} (see models/MODEL_CARDS.md)",
        "",
        "| threshold | FMR | false matches | FNMR | false non-matches |",
        "|---|---|---|---|---|",
    ]
    for threshold in CANDIDATE_THRESHOLDS:
        rates = error_rates(pairs, threshold)
        lines.append(
            f"| {threshold:.2f} | {rates.fmr:.2%} | {rates.false_matches}/{rates.impostors} "
            f"| {rates.fnmr:.2%} | {rates.false_non_matches}/{rates.genuines} |"
        )
    lines += [
        "",
        "FMR = impostor pairs with distance <= threshold; FNMR = genuine pairs with distance "
        '> threshold. With this few pairs, 0 % means "none observed", not a rate: the '
        "95 % upper bound for 0 errors in n trials is about 3/n.",
        "",
        "Pairs of identical files, and a sample with the file it was derived from, are "
        "excluded. Several genuine pairs are frames of one video shot at different "
        "resolutions (obama-240p/480p/720p/1080p), which makes the genuine side optimistic.",
        "",
        *(hard or []),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--samples", type=Path, default=ROOT / "samples" / "faces")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "calibration")
    args = parser.parse_args(argv)
    faces = args.shared_data / "faces"
    if not (faces / "identities.tsv").is_file():
        print(f"no labelled faces at {faces}", file=sys.stderr)
        return 2
    dataset = load_shared_faces(faces)
    if (args.samples / "SOURCES.json").is_file():
        load_sample_faces(args.samples, dataset)
    settings = FaceSettings()
    engine = FaceEngine(settings)
    chips: list[tuple[LabelledImage, Embedding]] = []
    selfies: dict[Path, Embedding] = {}
    notes = {"images": 0.0, "no_face": 0.0, "quality_failed": 0.0}
    sizes: list[int] = []

    def embed(path: Path) -> Embedding | None:
        data = path.read_bytes()
        analysis = engine.analyse_bytes(data, ImageKind.SELFIE)
        if analysis.embedding is not None and analysis.face is not None:
            selfies[path] = analysis.embedding
            chip = chip_like_portrait(engine.decode(data).pixels, analysis.face.box)
            sizes.append(len(chip))
            chip_analysis = engine.analyse_bytes(chip, ImageKind.CHIP)
            notes["images"] += 1
            if chip_analysis.embedding is None:
                notes["no_face"] += 1
            else:
                notes["quality_failed"] += not chip_analysis.quality.passed
                image = next(i for i in dataset.images if i.path == path)
                chips.append((image, chip_analysis.embedding))
        return analysis.embedding

    pairs, no_face = compute_pairs(dataset.images, embed)
    notes["median_kb"] = float(np.median(sizes)) / 1000 if sizes else 0.0
    chip_pairs = cross_pairs(
        chips, [(i, selfies[i.path]) for i in dataset.images if i.path in selfies]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    _write_csv(args.out / "distances.csv", pairs)
    _plot(args.out / "det.png", pairs, settings.match_threshold, settings.near_threshold_band)
    hard = _hard_pairs(pairs, chip_pairs, notes, settings)
    report = _report(dataset, pairs, len(no_face), settings, hard)
    (args.out / "thresholds.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
