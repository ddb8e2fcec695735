"""Command-line entry point: ``leveattest`` (commands load on first use, see ``app``)."""

from __future__ import annotations

import importlib

from leveattest.cli.app import COMMANDS, app


def _register_commands() -> None:
    """Import every command module now (the root group otherwise imports them on use)."""
    for entry in COMMANDS.values():
        for module in entry.modules:
            importlib.import_module(f"{__name__}.{module}")


def main() -> None:
    app()


__all__ = ["app", "main"]
