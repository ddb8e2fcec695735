"""``leveattest samples generate`` writes the synthetic sample set (documents, chips, PKI);
``leveattest samples verify`` puts every document of a set through the engines directly
(MRZ from the print and the phone photos, chip passive and Active Authentication, faces)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from leveattest.cli.app import emit_json, fail, samples_app, settings_or_exit
from leveattest.core.errors import LeveattestError, SampleGenerationError
from leveattest.face import FaceEngine
from leveattest.samples.generate import DEFAULT_REFERENCE, DEFAULT_SEED, generate_samples
from leveattest.samples.tour import PAGE_VARIANTS, NegativeReport, PersonReport, tour


@samples_app.command("generate")
def generate_command(
    out: Annotated[
        Path,
        typer.Option("--out", help="New or empty directory, or a generated sample set to replace."),
    ] = Path("samples/generated"),
    seed: Annotated[int, typer.Option("--seed", help="Seed: same seed, same bytes.")] = (
        DEFAULT_SEED
    ),
    reference: Annotated[
        str,
        typer.Option("--reference-date", help="Date ages and validity are relative to."),
    ] = DEFAULT_REFERENCE.isoformat(),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate synthetic persons, data pages, chip files, negatives and a test PKI."""
    try:
        ref = date.fromisoformat(reference)
    except ValueError:
        fail(SampleGenerationError("--reference-date must be a date YYYY-MM-DD"), as_json=as_json)
    try:
        summary = generate_samples(out, seed=seed, reference=ref)
    except LeveattestError as exc:
        fail(exc, as_json=as_json)
    except OSError as exc:
        fail(SampleGenerationError(f"cannot write samples: {exc.strerror}"), as_json=as_json)
    if as_json:
        emit_json(summary.to_json())
        return
    typer.echo(
        f"wrote {summary.files} files ({summary.total_bytes / 1e6:.1f} MB) to {summary.out_dir} "
        f"in {summary.seconds:.1f} s: {summary.persons} persons, {summary.negatives} negatives, "
        f"seed {summary.seed}, reference date {summary.reference.isoformat()}"
    )


@samples_app.command("verify")
def verify_command(
    root: Annotated[Path, typer.Option("--samples", help="A generated sample set.")] = Path(
        "samples/generated"
    ),
    no_faces: Annotated[bool, typer.Option("--no-faces", help="Skip face matching.")] = False,
) -> None:
    """Verify every sample document with the engines (no service): a table per person."""
    engine = None if no_faces else FaceEngine(settings_or_exit().face)
    try:
        people, negatives = tour(root, engine=engine)
    except LeveattestError as exc:
        fail(exc, as_json=False)
    _print_people(people)
    _print_negatives(negatives)
    ok = _verdict(people, negatives, faces=engine is not None)
    typer.echo("\nALL AS EXPECTED" if ok else "\nSOME RESULTS UNEXPECTED")
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
