"""``leveattest demo``: the main job on the embedded default (local files, no server).

Today it generates the synthetic sample set and puts every document through the real
engines: MRZ parsing and reading from data-page photos, chip passive and Active
Authentication against the set's own CSCAs, and face matching of the selfie against the
chip portrait. It grows into the end-to-end phone scenarios as the service grows.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from leveattest.cli.app import app, fail
from leveattest.core.errors import LeveattestError
from leveattest.core.logging import configure_logging, get_logger
from leveattest.core.settings import Settings
from leveattest.face import FaceEngine
from leveattest.samples.generate import DEFAULT_REFERENCE, DEFAULT_SEED, generate_samples
from leveattest.samples.tour import PAGE_VARIANTS, NegativeReport, PersonReport, tour

log = get_logger("leveattest.demo")


@app.command("demo")
def demo_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the samples (default var/demo).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = DEFAULT_SEED,
    no_faces: Annotated[bool, typer.Option("--no-faces", help="Skip face matching.")] = False,
) -> None:
    """Generate the synthetic documents and verify every one with the real engines."""
    settings = Settings()
    configure_logging(settings.logging.level, json_logs=settings.logging.json_logs)
    root = out or settings.data.var_dir / "demo" / "samples"
    started = time.perf_counter()
    try:
        typer.echo(f"1. generating synthetic documents and a test PKI into {root} …")
        summary = generate_samples(root, seed=seed, reference=DEFAULT_REFERENCE)
        typer.echo(
            f"   {summary.persons} persons, {summary.negatives} negative samples, "
            f"{summary.files} files in {summary.seconds:.1f} s"
        )
        engine = None if no_faces else FaceEngine(settings.face)
        typer.echo("2. verifying each person's documents (MRZ photos, chip, faces) …")
        people, negatives = tour(root, engine=engine)
    except LeveattestError as exc:
        fail(exc, as_json=False)
    _print_people(people)
    _print_negatives(negatives)
    ok = _verdict(people, negatives, faces=engine is not None)
    log.info("demo_finished", persons=len(people), negatives=len(negatives), ok=ok)
    outcome = "ALL AS EXPECTED" if ok else "SOME RESULTS UNEXPECTED"
    typer.echo(f"\ndone in {time.perf_counter() - started:.0f} s — {outcome}")
    if not ok:
        raise typer.Exit(1)


def _print_people(people: list[PersonReport]) -> None:
    header = (
        f"\n{'person':7}{'document':10}{'state':6}{'age':>4}  {'MRZ print':10}"
        f"{'MRZ photos':12}{'chip (PA+AA)':14}{'DG1=print':10}"
        f"{'selfie↔chip':17}{'impostor↔chip':17}"
    )
    typer.echo(header)
    typer.echo("-" * (len(header) - 1))
    for p in people:
        photos = f"{p.exact_reads}/{len(p.page_reads)} exact"
        typer.echo(
            f"{p.person_id:7}{p.document:10}{p.issuing_state:6}{p.age:>4}  "
            f"{'valid' if p.printed_mrz_valid else 'INVALID':10}{photos:12}{p.chip_result:14}"
            f"{'yes' if p.dg1_equals_print else 'NO':10}"
            f"{_face(p.selfie_distance, p.selfie_decision):17}"
            f"{_face(p.impostor_distance, p.impostor_decision):17}"
        )
    misses = {v: sum(1 for p in people if p.page_reads.get(v) != "exact") for v in PAGE_VARIANTS}
    typer.echo(
        "MRZ photo variants not read exactly: " + ", ".join(f"{k} {v}" for k, v in misses.items())
    )


def _face(distance: float | None, decision: str) -> str:
    return "—" if distance is None and not decision else f"{decision} {distance or 0:.2f}"


def _print_negatives(negatives: list[NegativeReport]) -> None:
    typer.echo(f"\n{'negative sample':18}{'expected':28}{'chip result':14}{'failed checks':34}ok")
    typer.echo("-" * 96)
    for n in negatives:
        failed = ", ".join(f"{c}:{r}" for c, r in n.failed) or "—"
        typer.echo(
            f"{n.name:18}{n.expected_chip_result + ' (' + n.expected_check + ')':28}"
            f"{n.chip_result:14}{failed[:33]:34}{'yes' if n.as_expected else 'NO'}"
        )


def _verdict(people: list[PersonReport], negatives: list[NegativeReport], *, faces: bool) -> bool:
    for p in people:
        if not (p.printed_mrz_valid and p.dg1_equals_print and p.chip_result == "accepted"):
            return False
        if faces and (p.selfie_decision != "match" or p.impostor_decision == "match"):
            return False
    return all(n.as_expected for n in negatives)
