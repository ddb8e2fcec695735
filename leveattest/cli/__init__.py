"""Command-line entry point."""

from __future__ import annotations

import importlib
import pkgutil

from leveattest.cli.app import app


def _register_commands() -> None:
    # every module in this package registers its commands on import
    for module in pkgutil.iter_modules(__path__):
        if module.name != "app":
            importlib.import_module(f"{__name__}.{module.name}")


def main() -> None:
    _register_commands()
    app()


__all__ = ["app", "main"]
