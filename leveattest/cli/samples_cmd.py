"""``leveattest samples generate``: write the synthetic sample set (documents, chips, PKI)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from leveattest.cli.app import emit_json, fail, samples_app
from leveattest.core.errors import LeveattestError, SampleGenerationError
from leveattest.samples.generate import DEFAULT_REFERENCE, DEFAULT_SEED, generate_samples


@samples_app.command("generate")
def generate_command(
    out: Annotated[Path, typer.Option("--out", help="Output directory (replaced).")] = Path(
        "samples/generated"
    ),
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
