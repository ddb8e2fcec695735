"""``leveattest register signing-key ...``: make the register's signing key file once,
explicitly, and show its public half.

Production never makes the file implicitly (every API host must sign with the same keys,
docs/deployment.md): make it here, once, and ship it to every API host like the master key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from leveattest.cli.app import Group, emit_json, fail, settings_or_exit
from leveattest.cli.app import register_app as register_cli
from leveattest.core.errors import LeveattestError
from register.keys import RegisterKeys

signing_key_cli = typer.Typer(
    help="The register's signing key file: make it once, show its public keys.",
    cls=Group,
    no_args_is_help=True,
    rich_markup_mode=None,
)
register_cli.add_typer(signing_key_cli, name="signing-key")

PathOption = Annotated[
    Path | None,
    typer.Option(
        "--path",
        help="The key file (default: LEVEATTEST_REGISTER__SIGNING_KEYS_PATH from the settings).",
    ),
]


def _emit_public(path: Path | None, open_keys: Callable[[Path], RegisterKeys], label: str) -> None:
    """Open (or make) the key file with ``open_keys`` and print its public half only."""
    target = path if path is not None else settings_or_exit().register.signing_keys_path
    try:
        keys = open_keys(target)
    except LeveattestError as exc:
        fail(exc, as_json=False)
    emit_json({label: str(target), "current_kid": keys.current_kid, "jwks": keys.jwks()})


@signing_key_cli.command("create")
def create(path: PathOption = None) -> None:
    """Make a new signing key file (0600); an existing file is never overwritten.

    Run it once (e.g. in the release tooling) and copy the file to every API host: every
    host must sign the register's answers with the same keys. Prints the public key ids."""
    _emit_public(path, RegisterKeys.create, "created")


@signing_key_cli.command("show")
def show(path: PathOption = None) -> None:
    """Show the key ids and the public JWKS of the key file (never the private parts)."""
    _emit_public(path, RegisterKeys.load, "path")
