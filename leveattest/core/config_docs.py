"""The settings tree as text: the effective settings with secrets masked (``leveattest
config show``) and ``docs/configuration.md`` (``leveattest config docs``), both made from
the model in :mod:`leveattest.core.settings`, so that neither can drift from it."""

from __future__ import annotations

import json
import re
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, SecretStr
from pydantic_core import PydanticUndefined

from leveattest.core.settings import (
    DEV_MASTER_KEY,
    DEV_REGISTER_SECRET,
    HARNESS_VARIABLES,
    LIMIT_COPIES,
    RENAMED,
    RENAMED_PREFIXES,
    Settings,
    iter_fields,
    variable,
)

MASK = "********"
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@]*:)[^@/]*(?P<tail>@)", re.I)
DEV_SECRETS = {DEV_MASTER_KEY, DEV_REGISTER_SECRET}


def mask_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:********@host/db``."""
    return _URL_PASSWORD.sub(lambda m: m["head"] + MASK + m["tail"], url)


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        if not secret:
            return ""
        return "(development default)" if secret in DEV_SECRETS else MASK
    if isinstance(value, BaseModel):
        return {
            name: _masked(getattr(value, name))
            for name in type(value).model_fields
            if not _is_copy(value, name)
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return value


def _is_copy(model: BaseModel, name: str) -> bool:
    section = next(
        (s for s in Settings.model_fields if type(model) is Settings.model_fields[s].annotation),
        None,
    )
    return section is not None and (section, name) in LIMIT_COPIES


def effective(settings: Settings) -> dict[str, Any]:
    """The settings as plain data, secrets and URL passwords masked (the limits' copies in
    the engines' sections are left out: ``limits`` has them)."""
    masked = _masked(settings)
    assert isinstance(masked, dict)
    return masked


def to_json(settings: Settings) -> str:
    return json.dumps(effective(settings), indent=2, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def to_toml(settings: Settings) -> str:
    """The effective settings as TOML (an unset value is a comment)."""
    lines: list[str] = []

    def table(data: dict[str, Any], path: tuple[str, ...]) -> None:
        scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in data.items() if isinstance(v, dict)}
        if path:
            lines.extend(["", f"[{'.'.join(path)}]"])
        for key, value in scalars.items():
            lines.append(f"# {key} = (unset)" if value is None else f"{key} = {_toml_value(value)}")
        for key, value in tables.items():
            table(value, (*path, key))

    table(effective(settings), ())
    return "\n".join(lines).lstrip("\n") + "\n"


# -- docs/configuration.md -----------------------------------------------------------------


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + " (optional)"
    if origin is list:
        return f"list of {_type_name(args[0])} (JSON)"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    if annotation is SecretStr:
        return "secret"
    if annotation is Path:
        return "path"
    return getattr(annotation, "__name__", str(annotation))


def _bounds(metadata: list[Any]) -> str:
    marks = []
    for item in metadata:
        for kind, sign in ((Ge, "≥"), (Gt, ">"), (Le, "≤"), (Lt, "<")):
            if isinstance(item, kind):
                marks.append(f"{sign} {getattr(item, kind.__name__.lower())}")
    return ", ".join(marks)


def _default(info: Any) -> str:
    if info.default_factory is not None:
        value = info.default_factory()
    elif info.default is PydanticUndefined:
        return "(required)"
    else:
        value = info.default
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        return "development secret (refused in production)" if secret else "(empty)"
    if value is None:
        return "(unset)"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, list):
        return f"`{json.dumps([str(v) for v in value])}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"`{value}` ({value:,})".replace(",", " ")
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("``", "`").replace("|", "\\|")


INTRO = """\
# Configuration

<!-- generated from leveattest/core/settings.py by `leveattest config docs` (or
scripts/gen_config_docs.py); do not edit by hand: tests/unit/core/test_config_docs.py fails
when this file is stale -->

The service is configured by environment variables only, all with the prefix
`LEVEATTEST_`. They form one tree (`leveattest.core.settings.Settings`): a section per part,
and `__` between a section and its field, e.g. `LEVEATTEST_REGISTER__DATABASE_URL` or
`LEVEATTEST_FACE__SELFIE_QUALITY__MIN_SHARPNESS`. A whole section may also be given as
JSON (`LEVEATTEST_DATABASE='{"url": "..."}'`); lists are JSON
(`LEVEATTEST_CHIP__TRUST_PATHS='["/etc/leveattest/csca"]'`). Names are not case-sensitive.
Every command reads the same tree: `leveattest serve`, `worker`, `demo`, `jobs`, `ops` and
`register serve` (a register-only deployment) alike.

* **One production switch.** `LEVEATTEST_ENVIRONMENT=production` governs every part: it
  refuses the development master key and register secret (and any secret shorter than 32
  characters: `LEVEATTEST_REVIEW__URL_SIGNING_KEY`, `LEVEATTEST_METRICS__TOKEN`), SQLite for
  either database, synthetic national ids in the register (their default becomes false),
  and cookies without the Secure flag. The process then stops before it starts anything,
  with `error [insecure_configuration]: ...` naming every variable to fix (exit 2).
  Production also never creates the register's signing key file (in development it is made
  on first use): an API host without it stops with
  `error [register_signing_key_missing]: ...` (exit 2); make it once with
  `leveattest register signing-key create` and copy it to every API host (deployment.md).
* **Unknown variables are errors.** A `LEVEATTEST_*` variable that is not listed here
  stops every command with `error [unknown_setting]: ...`, naming the nearest valid
  variable (a misspelt `LEVEATTEST_DATABSE__URL` is never silently ignored). A value that
  does not validate stops it with `error [invalid_setting]: ...` naming the variable (never
  its value).
* **One place for every limit**: the `limits` section. The engines enforce copies of these
  values; setting a copy (e.g. `LEVEATTEST_MRZ__MAX_IMAGE_BYTES`) is an unknown variable.
* `leveattest config show` prints the effective settings (TOML, or `--json`) with secrets
  and URL passwords masked.
"""


def render_markdown() -> str:
    """``docs/configuration.md``: every variable, its type, default and description."""
    out = [INTRO]
    sections: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for path, info in iter_fields():
        section = path[0] if len(path) > 1 else ""
        if section not in titles:
            field = Settings.model_fields[section] if section else None
            titles[section] = (field.description or section) if field else "The root"
        kind = _type_name(info.annotation)
        bounds = _bounds(info.metadata)
        if bounds:
            kind += f" ({bounds})"
        sections.setdefault(section, []).append(
            f"| `{variable(path)}` | {kind} | {_default(info)} | {_cell(info.description or '')} |"
        )
    for section, rows in sections.items():
        heading = f"`{section}`: {titles[section]}" if section else titles[section]
        out += [
            f"## {_cell(heading)}",
            "",
            "| Variable | Type | Default | Description |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    out += [
        "## Other variables",
        "",
        "Not settings of the service, but allowed with the prefix: the test harness's and the",
        "benchmarks' switches, and the `company` client's option defaults.",
        "",
        "| Variable | Used by |",
        "|---|---|",
        *(f"| `{name}` | {_cell(what)} |" for name, what in HARNESS_VARIABLES.items()),
        "",
        "## Variables that no longer exist",
        "",
        "| Variable | Use instead |",
        "|---|---|",
        *(f"| `{old}` | `{new}` |" for old, new in RENAMED.items()),
        *(f"| `{old}*` | `{new}*` |" for old, new in RENAMED_PREFIXES.items()),
        *(
            f"| `{variable((section, name))}` | `{variable(('limits', limit))}` |"
            for (section, name), limit in LIMIT_COPIES.items()
        ),
        "",
    ]
    return "\n".join(out)
