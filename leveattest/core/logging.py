"""Structured logging with a redaction processor as the last line of defence.

Code must not log personal data in the first place (log fingerprints, reason codes
and timings). The processor below additionally removes values under personal keys
and masks anything that looks like an MRZ line, a document number, a birth date or
a national identity number.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO, cast

import structlog

REDACTED = "[redacted]"

PERSONAL_KEYS = frozenset(
    {
        "name",
        "surname",
        "given_names",
        "full_name",
        "birth_date",
        "date_of_birth",
        "document_number",
        "personal_number",
        "national_id",
        "mrz",
        "lines",
        "line",
        "optional_data",
        "image",
        "portrait",
        "selfie",
        "dg1",
        "dg2",
        "dg11",
        "dg12",
        "private_key",
        "key",
        "password",
        "secret",
        "token",
        "email",
        "address",
    }
)

_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"[A-Z0-9<]{30,44}"),  # MRZ lines (TD1 30, TD2 36, TD3 44)
    re.compile(r"[A-Z0-9<]*<<[A-Z0-9<]*"),  # MRZ fragments with fillers
    re.compile(r"\b\d{11}\b"),  # Norwegian fødselsnummer / D-nummer
    re.compile(r"\b\d{6}-?\d{4}\b"),  # Danish CPR
    re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b"),  # ISO dates (birth dates)
    re.compile(r"\b[A-Z]{1,3}\d{6,8}\b"),  # typical document numbers
)


def fingerprint(value: str | bytes) -> str:
    """A short, non-reversible reference suitable for logs."""
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return "fp:" + hashlib.sha256(data).hexdigest()[:12]


def scrub_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 6:
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if str(k).lower() in PERSONAL_KEYS else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(v, depth + 1) for v in value]
    return value


def redact_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: drop personal keys, mask personal-looking strings."""
    for key in list(event_dict):
        if key.lower() in PERSONAL_KEYS:
            event_dict[key] = REDACTED
        elif key not in {"timestamp", "level", "logger"}:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time of writing.

    Binding the stream object at configuration time breaks when stderr is swapped and
    closed later (test runners, CLI runners capturing output).
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


ACCESS_LOGGER = "uvicorn.access"
# an id-like token in a library's message: 16+ URL-safe characters with a digit among them
_LONG_ID = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])")
# stdlib loggers of the libraries we run, routed through the processors below
STDLIB_LOGGERS = ("uvicorn", "uvicorn.error", ACCESS_LOGGER, "alembic", "procrastinate",
                  "sqlalchemy")  # fmt: skip


def fingerprint_path(target: str) -> str:
    """A request target fit for a log: each path segment that looks like an id (16+
    characters, or 8+ with a digit: session ids, invitation references, tokens) and the
    whole query string (signed URLs) replaced by fingerprints."""
    path, _, query = target.partition("?")
    segments = []
    for segment in path.split("/"):
        looks_like_id = len(segment) >= 16 or (
            len(segment) >= 8 and any(c.isdigit() for c in segment)
        )
        segments.append(fingerprint(segment) if looks_like_id else segment)
    return "/".join(segments) + (f"?{fingerprint(query)}" if query else "")


def stdlib_record_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A stdlib ``LogRecord`` as an event: uvicorn's access line as fields (the target
    fingerprinted), anything else as ``event`` with the logger's name and id-like tokens
    (session ids, job arguments) fingerprinted."""
    record = event_dict.get("_record")
    if not isinstance(record, logging.LogRecord):
        return event_dict
    event_dict["logger"] = record.name
    args = event_dict.pop("positional_args", None)
    if isinstance(event_dict.get("event"), str):  # procrastinate's "Job …(session_id=…)"
        event_dict["event"] = _LONG_ID.sub(lambda m: fingerprint(m.group(0)), event_dict["event"])
    if record.name == ACCESS_LOGGER and isinstance(args, tuple) and len(args) == 5:
        client, method, target, http_version, status = args
        event_dict.update(
            event="http.access",
            client=str(client).rsplit(":", 1)[0],
            method=method,
            path=fingerprint_path(str(target)),
            http_version=http_version,
            status=status,
        )
    return event_dict


def _renderer(json_logs: bool) -> Any:
    if json_logs:
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(colors=False)


def configure_logging(level: str = "INFO", *, json_logs: bool = False, stream: Any = None) -> None:
    """Configure structlog and the stdlib loggers (idempotent). Logs go to ``stream``, or
    to the current stderr.

    The stdlib loggers (uvicorn with its access log, alembic, procrastinate, SQLAlchemy)
    lose their own handlers and reach the root logger, whose one handler runs the same
    processors: request id, level, timestamp, redaction, then JSON or console rendering.
    """
    out = stream or cast(TextIO, _CurrentStderr())
    renderer = _renderer(json_logs)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, redact_processor, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, stdlib_record_processor],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_processor,
            renderer,
        ],
        pass_foreign_args=True,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_leveattest", False):
            root.removeHandler(old)
    handler._leveattest = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.getLevelName(level.upper()))
    for name in STDLIB_LOGGERS:
        stdlib = logging.getLogger(name)
        stdlib.handlers.clear()
        stdlib.propagate = True
        # an earlier uvicorn.Config (log_level=..., access_log=False) or dictConfig may have
        # raised its level or disabled it: the root's level governs again
        stdlib.setLevel(logging.NOTSET)
        stdlib.disabled = False
    # libraries' INFO is chatter (alembic's migration context, procrastinate per job,
    # SQLAlchemy's statements, httpx's URLs): WARNING and up; uvicorn keeps the level
    for chatty in ("alembic", "procrastinate", "sqlalchemy", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
