"""The ``leveattest`` command: a typer app with one sub-app per area, loaded lazily.

Commands live in their own modules (``leveattest/cli/<area>_*.py``) and register on
the sub-apps defined here. The root group knows each top-level command's modules and
one-line help from the table built below, and imports a module only when its command
(or its group) is invoked: ``leveattest --help`` or ``leveattest mrz parse`` do not pay
for the biometric stack, FastAPI and SQLAlchemy (``bench/cli_startup.py`` measures it).
Help is plain click formatting (``rich_markup_mode=None``): rich alone costs 0.2 s.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
import typer.main
from typer import _click  # typer vendors click (>= 0.26): the group API is click's
from typer.core import TyperGroup, TyperOption

from leveattest.core.errors import ConfigurationError, LeveattestError

if TYPE_CHECKING:
    from leveattest.core.settings import Settings

try:  # typer >= 0.29 coerces parameter values through pydantic (typer._coercion)
    from typer._coercion import RuntimeParam
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - 0.26-0.28 coerce with click's types: nothing to skip
    _PYDANTIC_COERCION = False
else:
    _PYDANTIC_COERCION = True


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """A top-level command or group: the modules that define it and its one-line help."""

    modules: tuple[str, ...]
    help: str


# name -> where it is defined, in listing order; filled by _command/_group below
COMMANDS: dict[str, LazyCommand] = {}


if _PYDANTIC_COERCION:

    @dataclass(frozen=True)
    class _Text(RuntimeParam):
        """Coerce a text parameter (``str``, ``list[str]``) as click gives it, without pydantic.

        typer's own coercion of text is ``str(value)`` too, but it builds a pydantic
        ``TypeAdapter`` first, and importing pydantic's model machinery costs 0.2 s of CPU:
        ``leveattest mrz parse LINE...`` would pay it for its lines.
        """

        def _coerce_value(self, value: Any, param: _TyperParameter, ctx: _click.Context) -> Any:
            if isinstance(value, list | tuple):
                return [str(item) for item in value]
            return str(value)


def _without_pydantic(command: _click.Command, ctx: _click.Context) -> None:
    """Give the command's text parameters the coercion above and its help flag a bool default.

    An unset help flag is None to click, and typer coerces a None bool through pydantic.
    """
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        help_option.default = False
    if not _PYDANTIC_COERCION:  # pragma: no cover - an older typer
        return
    for param in command.params:
        if not isinstance(param, _TyperParameter) or param._runtime_param is not None:
            continue
        descriptor = param.type_descriptor
        if descriptor.annotation in (str, list[str]) and descriptor.parameter_info.parser is None:
            param._runtime_param = _Text(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )


class Group(TyperGroup):
    """A typer group whose commands' text parameters and ``--help`` flag skip pydantic.

    typer (>= 0.29) coerces every parameter value through a pydantic ``TypeAdapter``
    except bool flags whose value is already a bool; click leaves an unset help flag at
    None, so passing through a group (``leveattest company status``) cost 0.2 s of CPU.
    Its commands get the same for their help flag and ``_Text`` for their text parameters
    (``tests/unit/cli`` checks that ``mrz parse`` imports no pydantic;
    ``bench/cli_startup.py`` measures it).
    """

    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.default = False
        return option

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _without_pydantic(command, ctx)
        return command


class LazyGroup(Group):
    """The root group: lists commands from ``COMMANDS`` and imports a command's modules on use."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        for module in entry.modules:
            importlib.import_module(f"{__package__}.{module}")
        # build the tree again now that the module has registered its commands
        root = typer.main.get_command(app)
        command = root.commands.get(cmd_name) if isinstance(root, TyperGroup) else None
        if command is not None:
            _without_pydantic(command, ctx)
        return command

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        # the one-line helps come from the table: listing commands imports none of them
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, _click.utils.make_default_short_help(entry.help, limit))
            for name, entry in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="leveattest",
    cls=LazyGroup,
    help="Digital proof-of-life for pensioners: documents, chips, faces and the register.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _command(name: str, help: str, module: str) -> None:
    """List a top-level command that ``module`` defines with ``@app.command(name)``."""
    COMMANDS[name] = LazyCommand((module,), help)


def _group(name: str, help: str, *modules: str) -> typer.Typer:
    """A sub-app whose commands the given modules define."""
    sub_app = typer.Typer(help=help, cls=Group, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(sub_app, name=name)
    COMMANDS[name] = LazyCommand(modules, help)
    return sub_app


_command(
    "serve",
    "Serve the mobile API (/v1), the register (/register) and the ops console (/ops), "
    "and run analysis workers.",
    "serve_cmd",
)
_command(
    "worker",
    "Run one analysis worker in the foreground (start more for more throughput).",
    "serve_cmd",
)
_command(
    "demo",
    "Start the service, seed a pension company, run every phone scenario, print a table.",
    "demo_cmd",
)
mrz_app = _group("mrz", "Read and check machine-readable zones.", "mrz_parse", "mrz_read")
samples_app = _group("samples", "Synthetic sample documents and test PKI.", "samples_cmd")
chip_app = _group("chip", "Verify eMRTD chip data (ICAO 9303).", "chip_cmd")
trust_app = _group(
    "trust", "Inspect trust stores (CSCA certificates, master lists, CRLs).", "chip_cmd"
)
company_app = _group(
    "company", "Pension-company tooling for the central register (talks HTTP).", "company_cmd"
)
register_app = _group(
    "register", "Run and administer the central register.", "register_cmd", "register_keys_cmd"
)
face_app = _group("face", "Compare faces and check capture quality.", "face_cmd")
liveness_app = _group(
    "liveness",
    "Liveness: challenges, capture checks, passive scores, simulated captures.",
    "liveness_cmd",
)
jobs_app = _group(
    "jobs", "Scheduled jobs: reminders, deadlines, yearly requests, retention.", "jobs_cmd"
)
ops_app = _group("ops", "Ops review console: staff accounts.", "ops_cmd")
keys_app = _group(
    "keys", "Master keys: their ids, and rotating stored data to a new one.", "keys_cmd"
)
config_app = _group(
    "config", "The settings tree: effective settings (secrets masked) and their docs.", "config_cmd"
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version  # noqa: PLC0415 - only for --version

        typer.echo(f"leveattest {version('leveattest')}")
        raise typer.Exit


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Options of the ``leveattest`` command itself."""


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


def settings_or_exit(*, as_json: bool = False, **overrides: Any) -> Settings:
    """The settings tree from the environment; a configuration error (an unknown
    ``LEVEATTEST_*`` variable, an invalid value, a development secret in production) is
    reported with its code and exits 2 before anything starts."""
    from leveattest.core.settings import load_settings  # noqa: PLC0415 - start-up time

    try:
        return load_settings(**overrides)
    except ConfigurationError as exc:
        fail(exc, as_json=as_json)
