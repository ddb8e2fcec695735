"""The ``leveattest`` command loads its command modules lazily (issue 14, item 4).

Every command of the full listing (taken before lazy loading) must still be listed and
answer ``--help``; listing commands, ``--version`` and a company client command's help
must not import the biometric stack, the web framework or the database layer.
"""

from __future__ import annotations

import importlib.metadata
import json
import pkgutil
import subprocess
import sys

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

import leveattest.cli
from leveattest.cli.app import COMMANDS, app

# `leveattest` before lazy loading, every module imported (walked from the click tree)
FULL_LISTING = [
    "serve",
    "worker",
    "demo",
    "mrz parse",
    "mrz read",
    "samples generate",
    "samples verify",
    "chip verify",
    "trust info",
    "company keygen",
    "company register-relationship",
    "company status",
    "company request",
    "company batch",
    "company changes",
    "company verify",
    "register migrate",
    "register serve",
    "register seed-demo",
    "register load-synthetic",
    "register add-company-key",
    "register retention",
    "register record-manual",
    "register verify-log",
    "register verify-proof",
    "register signing-key create",
    "register signing-key show",
    "face compare",
    "face quality",
    "liveness challenge",
    "liveness passive",
    "liveness check",
    "liveness simulate",
    "jobs run-scheduled",
    "ops add-user",
    "keys rotate",
    "keys ids",
    "config show",
    "config docs",
]
# modules of leveattest.cli that define no command
NOT_COMMAND_MODULES = {"app", "demo_service"}
HEAVY = ("dlib", "mediapipe", "cv2", "tesserocr", "fastapi", "starlette", "sqlalchemy")
TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)

runner = CliRunner()


def _walk(group: TyperGroup, path: list[str]) -> list[str]:
    found: list[str] = []
    for name in group.list_commands(typer.Context(group)):
        command = group.get_command(typer.Context(group), name)
        assert command is not None, name
        if isinstance(command, TyperGroup):
            found += _walk(command, [*path, name])
        else:
            found.append(" ".join([*path, name]))
    return found


def test_every_command_of_the_full_listing_is_reached_through_the_lazy_root() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    assert _walk(root, []) == FULL_LISTING


@pytest.mark.parametrize("path", FULL_LISTING)
def test_every_command_answers_help(path: str) -> None:
    result = runner.invoke(app, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: leveattest {path}" in " ".join(result.output.split())


def test_every_command_module_is_in_the_lazy_table() -> None:
    modules = {m.name for m in pkgutil.iter_modules(leveattest.cli.__path__)}
    in_table = {module for entry in COMMANDS.values() for module in entry.modules}
    assert in_table == modules - NOT_COMMAND_MODULES


def test_the_listed_help_is_each_commands_own_short_help() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    for name, entry in COMMANDS.items():
        command = root.get_command(typer.Context(root), name)
        assert command is not None
        assert command.get_short_help_str(limit=1000) == entry.help


def test_root_help_lists_every_top_level_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line]
    assert listed == list(COMMANDS)


def test_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["coffee"])
    assert result.exit_code == 2
    assert "No such command 'coffee'" in result.output


def _imported_after(*args: str) -> tuple[str, set[str]]:
    """Run the entry point in a fresh interpreter; its stdout and the heavy modules it loaded."""
    code = (
        "import sys\n"
        "from leveattest.cli import main\n"
        f"sys.argv = ['leveattest', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('IMPORTED=' + ','.join(m for m in {(*HEAVY, 'pydantic', 'rich')!r}"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    out, _, imported = done.stdout.rpartition("IMPORTED=")
    return out, set(filter(None, imported.strip().split(",")))


@pytest.mark.parametrize(
    "args", [("--help",), ("--version",), ("company", "status", "--help")], ids=" ".join
)
def test_help_and_version_import_neither_the_heavy_stack_nor_pydantic(
    args: tuple[str, ...],
) -> None:
    out, imported = _imported_after(*args)
    assert out.strip()
    assert imported == set()


@pytest.mark.parametrize(
    "args",
    [("mrz", "parse", *TD3, "--today", "2010-01-01"), ("mrz", "parse", *TD3, "--json")],
    ids=["text", "json"],
)
def test_mrz_parse_imports_neither_the_heavy_stack_nor_pydantic(args: tuple[str, ...]) -> None:
    # typer coerces parameters through pydantic and CheckResult is a pydantic model: 0.2 s
    out, imported = _imported_after(*args)
    assert "L898902C3" in out
    assert imported == set()


def test_text_parameters_are_still_checked_and_passed_through() -> None:
    missing = runner.invoke(app, ["mrz", "parse"])
    assert missing.exit_code == 2
    assert "Missing argument" in missing.output
    parsed = runner.invoke(app, ["mrz", "parse", *TD3, "--today", "2010-01-01", "--json"])
    assert parsed.exit_code == 0, parsed.output
    assert json.loads(parsed.output)["document_number"] == "L898902C3"
    bad_day = runner.invoke(app, ["mrz", "parse", *TD3, "--today", "soon", "--json"])
    assert bad_day.exit_code == 2
    assert json.loads(bad_day.output)["error"]["code"] == "mrz_unreadable"


def test_version_is_the_installed_distribution_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"leveattest {importlib.metadata.version('leveattest')}\n"
