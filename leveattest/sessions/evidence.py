"""Evidence as stored: JSON scalars, hashes and sizes, never images or raw bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

_MAX_TEXT = 512


def sanitise_evidence(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy: bytes and long strings become ``{sha256, bytes}`` summaries."""
    if depth > 6:
        return "[too deep]"
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    if isinstance(value, str):
        if len(value) > _MAX_TEXT:
            return {"sha256": hashlib.sha256(value.encode()).hexdigest(), "chars": len(value)}
        return value
    if isinstance(value, Enum):
        return sanitise_evidence(value.value, depth + 1)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): sanitise_evidence(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if len(items) > 32:  # vectors (e.g. face embeddings) are biometric: never stored
            return {"items": len(items)}
        return [sanitise_evidence(v, depth + 1) for v in items]
    return str(type(value).__name__)
