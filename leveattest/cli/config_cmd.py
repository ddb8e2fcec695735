"""``leveattest config``: the settings tree — the effective settings, and its documentation.

``config show`` reads the environment as every command does (an unknown ``LEVEATTEST_*``
variable or an insecure production setup is reported, exit 2) and prints the effective
settings, secrets and URL passwords masked. ``config docs`` writes (or with ``--check``
compares) ``docs/configuration.md``, generated from the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leveattest.cli.app import config_app, settings_or_exit
from leveattest.core.config_docs import render_markdown, to_json, to_toml

DOCS = Path("docs/configuration.md")


@config_app.command("show")
def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of TOML.")] = False,
) -> None:
    """Print the effective settings (environment and defaults), secrets masked."""
    settings = settings_or_exit(as_json=as_json)
    typer.echo(to_json(settings) if as_json else to_toml(settings), nl=as_json)


@config_app.command("docs")
def docs(
    out: Annotated[Path, typer.Option("--out", help="Where the page goes.")] = DOCS,
    check: Annotated[
        bool, typer.Option("--check", help="Only compare; exit 1 when the page is stale.")
    ] = False,
) -> None:
    """Write docs/configuration.md from the settings model (every variable, type, default,
    description)."""
    text = render_markdown()
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            typer.echo(f"{out} is stale: run `leveattest config docs`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out} is current")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")
