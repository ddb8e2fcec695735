"""Command-line entry point: ``leveattest`` (commands load on first use, see ``app``)."""

from __future__ import annotations

import importlib
import sys

from leveattest.cli.app import COMMANDS, app, fail
from leveattest.core.errors import ConfigurationError, ExtraNotInstalledError

# the import names of the optional extras' packages ([project.optional-dependencies] in
# pyproject.toml): the base install (the register and the company client) has none of them
EXTRA_OF_MODULE = {
    "numpy": "verify",
    "cv2": "verify",
    "tesserocr": "verify",
    "dlib": "verify",
    "face_recognition_models": "verify",
    "mediapipe": "verify",
    "pyzbar": "demo",
}


def _register_commands() -> None:
    """Import every command module now (the root group otherwise imports them on use)."""
    for entry in COMMANDS.values():
        for module in entry.modules:
            importlib.import_module(f"{__name__}.{module}")


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:  # settings read outside ``settings_or_exit``
        fail(exc, as_json=False)
    except ModuleNotFoundError as exc:
        # a command of the verification service run where only the base package is installed
        extra = EXTRA_OF_MODULE.get((exc.name or "").partition(".")[0])
        if extra is None:
            raise
        fail(
            ExtraNotInstalledError(
                f"this command needs the optional part leveattest[{extra}], which is not "
                f"installed: pip install 'leveattest[{extra}]' (from a checkout: "
                f"uv sync --extra {extra})",
                extra=extra,
                module=exc.name,
            ),
            as_json="--json" in sys.argv[1:],
        )


__all__ = ["EXTRA_OF_MODULE", "app", "main"]
