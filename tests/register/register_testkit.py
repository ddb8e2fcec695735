"""Helpers for the register tests (imported by name; conftest modules are not importable
reliably when several test folders each have one)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from leveattest.mrz.national.norway import make_norwegian_id
from register.client import CertificateRecord
from register.company_client import RegisterHTTPError

BASE_URL = "http://register.test/register/v1"
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def nid(index: int, birth: date = date(1950, 5, 17)) -> str:
    """The ``index``-th valid fødselsnummer for ``birth`` (skipping unusable numbers)."""
    found = 0
    for individual in range(1, 500):
        try:
            value = make_norwegian_id(birth, individual)
        except ValueError:
            continue
        if found == index:
            return value
        found += 1
    raise AssertionError("ran out of individual numbers")


def person(index: int) -> dict[str, str]:
    return {"national_id": nid(index)}


def certify(register_client: Any, index: int, session_reference: str) -> None:
    """Record a confirmed certificate for ``person(index)`` through ``register.client``."""
    register_client.record_certificate(
        CertificateRecord(
            national_id=nid(index),
            full_name="Kari Nordmann",
            birth_date=date(1950, 5, 17),
            certified_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
            document_type="P",
            document_issuing_state="NOR",
            method="chip_face_liveness",
            session_reference=session_reference,
        )
    )


def refused_problems(client: Any, who: dict[str, str]) -> list[str]:
    """The problem codes of a status, a batch and a changes call that must all be refused."""
    problems = []
    for call in (lambda: client.status(who), lambda: client.batch([who]), client.changes):
        try:
            run(call())
        except RegisterHTTPError as refused:
            problems.append(refused.context["problem"])
        else:
            raise AssertionError("the call was answered")
    return problems
