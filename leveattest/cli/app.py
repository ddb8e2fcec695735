"""The ``leveattest`` command: a typer app with one sub-app per area.

Commands live in their own modules (``leveattest/cli/<area>_*.py``) and register on
the sub-apps defined here; ``leveattest.cli.__init__`` imports them all.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from leveattest.core.errors import LeveattestError

app = typer.Typer(
    name="leveattest",
    help="Digital proof-of-life for pensioners: documents, chips, faces and the register.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
mrz_app = typer.Typer(help="Read and check machine-readable zones.", no_args_is_help=True)
samples_app = typer.Typer(help="Synthetic sample documents and test PKI.", no_args_is_help=True)
chip_app = typer.Typer(help="Verify eMRTD chip data (ICAO 9303).", no_args_is_help=True)
trust_app = typer.Typer(
    help="Inspect trust stores (CSCA certificates, master lists, CRLs).", no_args_is_help=True
)
face_app = typer.Typer(help="Compare faces and check capture quality.", no_args_is_help=True)
company_app = typer.Typer(
    help="Pension-company tooling for the central register (talks HTTP).", no_args_is_help=True
)
register_app = typer.Typer(help="Run and administer the central register.", no_args_is_help=True)
liveness_app = typer.Typer(
    help="Liveness: challenges, capture checks, passive scores, simulated captures.",
    no_args_is_help=True,
)
jobs_app = typer.Typer(
    help="Scheduled jobs: reminders, deadlines, yearly requests, retention.",
    no_args_is_help=True,
)

app.add_typer(mrz_app, name="mrz")
app.add_typer(samples_app, name="samples")
app.add_typer(chip_app, name="chip")
app.add_typer(trust_app, name="trust")
app.add_typer(company_app, name="company")
app.add_typer(register_app, name="register")
app.add_typer(face_app, name="face")
app.add_typer(liveness_app, name="liveness")
app.add_typer(jobs_app, name="jobs")


def emit_json(payload: Any) -> None:
    """Print one JSON document on stdout."""
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def fail(error: LeveattestError, *, as_json: bool) -> NoReturn:
    """Report an error we could not process and exit non-zero (2)."""
    if as_json:
        typer.echo(json.dumps({"error": error.to_dict()}, ensure_ascii=False, default=str))
    else:
        typer.echo(f"error [{error.code}]: {error.message}", err=True)
    sys.exit(2)
