"""A pensioner's rights requests (GDPR arts. 18, 16 and 21): objection (which leads to the
manual certificate route), rectification and restriction. Each is a case for the ops
console with the answer deadline of art. 12(3) — one month from receipt — and an audit
trail (``rights_request_events``: received, viewed, answered, by whom and when).

The pensioner files one from "my data" (after proving possession of the letter), and sees
its state and the answer there. The letter's reference is stored only as an HMAC
(``KeyPurpose.RIGHTS_REFERENCE``; requests filed under a previous master key are found
with the key ring and moved to the current key when the pensioner looks them up); the
pensioner's words and the answer are sealed with the master key (docs/keys.md).
The caller owns the unit of work.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leveattest.core.errors import InputError
from leveattest.core.keys import KeyPurpose, keyed_digest
from leveattest.sessions.context import SessionContext
from leveattest.sessions.models import RightsRequest, RightsRequestEvent
from leveattest.storage.envelope import MasterKey

MAX_DETAILS_CHARS = 2_000
PENSIONER = "pensioner"


class RightsKind(StrEnum):
    OBJECTION = "objection"  # art. 21: no digital certificate → the manual route
    RECTIFICATION = "rectification"  # art. 16
    RESTRICTION = "restriction"  # art. 18


class RightsState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class RightsRequestError(InputError):
    """The rights request could not be accepted."""

    code = "rights_request_invalid"


class RightsRequestNotFoundError(InputError):
    """No such rights request."""

    code = "rights_request_not_found"
    http_status = 404


@dataclass(frozen=True, slots=True)
class RightsCase:
    id: str
    kind: str
    state: str
    language: str
    received_at: datetime
    due_on: date
    answered_at: datetime | None
    answered_by: str | None
    details: str | None  # unsealed, for the pensioner's own page and the ops case page
    answer: str | None
    trail: tuple[tuple[datetime, str, str], ...] = ()  # (at, actor, action)
    objection_recorded_at: datetime | None = None

    def overdue(self, today: date) -> bool:
        return self.state == RightsState.OPEN and today > self.due_on


def one_month_after(day: date) -> date:
    """Art. 12(3): one month from receipt; the same day of the next month, or its last day
    when that month is shorter (31 January → 28/29 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _master(ctx: SessionContext) -> MasterKey:
    return MasterKey.from_ring(ctx.keyring)


def reference_key(ctx: SessionContext, reference: str) -> str:
    return keyed_digest(ctx.keyring.key(KeyPurpose.RIGHTS_REFERENCE), reference.encode())


def stale_reference_keys(ctx: SessionContext, reference: str) -> list[str]:
    """The keys ``reference`` had under the ring's previous master keys (and version 0)."""
    stale = ctx.keyring.stale_readers(KeyPurpose.RIGHTS_REFERENCE)
    return [keyed_digest(reader.key, reference.encode()) for reader in stale]


def sealed_context(part: str, request_id: str) -> str:
    """What a sealed text of a request is bound to (``part``: details | answer)."""
    return f"rights:{part}:{request_id}"


def _seal(ctx: SessionContext, request_id: str, text: str, part: str) -> bytes:
    return _master(ctx).wrap(text.encode(), context=sealed_context(part, request_id))


def _open(ctx: SessionContext, request_id: str, sealed: bytes | None, part: str) -> str | None:
    if sealed is None:
        return None
    return _master(ctx).unwrap(sealed, context=sealed_context(part, request_id)).decode()


def _event(db: Session, request_id: str, at: datetime, actor: str, action: str) -> None:
    db.add(RightsRequestEvent(request_id=request_id, at=at, actor=actor, action=action))


def file_request(
    db: Session, ctx: SessionContext, reference: str, kind: str, *, details: str, language: str
) -> RightsCase:
    """Record the request (state ``open``, due one month after today)."""
    try:
        wanted = RightsKind(kind)
    except ValueError as exc:
        raise RightsRequestError(reason="kind") from exc
    text = details.strip()
    if len(text) > MAX_DETAILS_CHARS:
        raise RightsRequestError(reason="details_too_long")
    now = ctx.clock.now()
    request_id = secrets.token_hex(16)
    row = RightsRequest(
        id=request_id,
        reference_key=reference_key(ctx, reference),
        kind=wanted.value,
        language=language[:8],
        state=RightsState.OPEN.value,
        details_sealed=_seal(ctx, request_id, text, "details") if text else None,
        reference_sealed=_seal(ctx, request_id, reference, "reference"),
        received_at=now,
        due_on=one_month_after(now.date()),
    )
    db.add(row)
    db.flush()
    _event(db, request_id, now, PENSIONER, "received")
    return _case(ctx, row, ())


def _case(
    ctx: SessionContext, row: RightsRequest, trail: tuple[tuple[datetime, str, str], ...]
) -> RightsCase:
    return RightsCase(
        id=row.id,
        kind=row.kind,
        state=row.state,
        language=row.language,
        received_at=row.received_at,
        due_on=row.due_on,
        answered_at=row.answered_at,
        answered_by=row.answered_by,
        details=_open(ctx, row.id, row.details_sealed, "details"),
        answer=_open(ctx, row.id, row.answer_sealed, "answer"),
        trail=trail,
        objection_recorded_at=row.objection_recorded_at,
    )


def requests_of(db: Session, ctx: SessionContext, reference: str) -> list[RightsCase]:
    """The requests filed with this letter, oldest first (for the pensioner's page).

    Requests filed under a previous master key move to the current key here: the reference
    is known only now (``keys rotate`` cannot recompute these keys)."""
    current = reference_key(ctx, reference)
    db.execute(
        update(RightsRequest)
        .where(RightsRequest.reference_key.in_(stale_reference_keys(ctx, reference)))
        .values(reference_key=current)
        .execution_options(synchronize_session=False)
    )
    rows = db.scalars(
        select(RightsRequest)
        .where(RightsRequest.reference_key == current)
        .order_by(RightsRequest.received_at, RightsRequest.id)
    ).all()
    return [_case(ctx, row, ()) for row in rows]


@dataclass(frozen=True, slots=True)
class RightsQueueItem:
    """A row of the console's list: no personal data."""

    id: str
    kind: str
    state: str
    received_at: datetime
    due_on: date
    overdue: bool


def rights_queue(db: Session, today: date) -> list[RightsQueueItem]:
    """Open requests by due date, then the answered ones (latest first, at most 200)."""
    open_rows = db.scalars(
        select(RightsRequest)
        .where(RightsRequest.state == RightsState.OPEN.value)
        .order_by(RightsRequest.due_on, RightsRequest.received_at)
    ).all()
    answered = db.scalars(
        select(RightsRequest)
        .where(RightsRequest.state == RightsState.ANSWERED.value)
        .order_by(RightsRequest.answered_at.desc())
        .limit(200)
    ).all()
    return [
        RightsQueueItem(
            row.id,
            row.kind,
            row.state,
            row.received_at,
            row.due_on,
            row.state == RightsState.OPEN.value and today > row.due_on,
        )
        for row in [*open_rows, *answered]
    ]


def view_request(db: Session, ctx: SessionContext, request_id: str, actor: str) -> RightsCase:
    """The case for a member of staff; the view is part of its trail."""
    row = db.get(RightsRequest, request_id)
    if row is None:
        raise RightsRequestNotFoundError()
    _event(db, request_id, ctx.clock.now(), actor, "viewed")
    db.flush()
    events = db.scalars(
        select(RightsRequestEvent)
        .where(RightsRequestEvent.request_id == request_id)
        .order_by(RightsRequestEvent.id)
    ).all()
    return _case(ctx, row, tuple((e.at, e.actor, e.action) for e in events))


def answer_request(
    db: Session, ctx: SessionContext, request_id: str, actor: str, answer: str
) -> RightsCase:
    """Answer an open request (the answer is shown on the pensioner's page)."""
    row = db.get(RightsRequest, request_id, with_for_update=True)
    if row is None:
        raise RightsRequestNotFoundError()
    text = answer.strip()
    if not text or len(text) > MAX_DETAILS_CHARS:
        raise RightsRequestError(reason="answer")
    if row.state != RightsState.OPEN.value:
        raise RightsRequestError(reason="already_answered")
    now = ctx.clock.now()
    row.state = RightsState.ANSWERED.value
    row.answered_at, row.answered_by = now, actor
    row.answer_sealed = _seal(ctx, request_id, text, "answer")
    _event(db, request_id, now, actor, "answered")
    return _case(ctx, row, ())


def objection_reference(
    db: Session, ctx: SessionContext, request_id: str
) -> tuple[RightsRequest, str]:
    """The open objection and its letter's reference (to record it with the register)."""
    row = db.get(RightsRequest, request_id, with_for_update=True)
    if row is None:
        raise RightsRequestNotFoundError()
    if row.kind != RightsKind.OBJECTION.value or row.objection_recorded_at is not None:
        raise RightsRequestError(reason="not_an_unrecorded_objection")
    reference = _open(ctx, row.id, row.reference_sealed, "reference")
    if reference is None:
        raise RightsRequestError(reason="reference_unknown")
    return row, reference


def mark_objection_recorded(
    db: Session, ctx: SessionContext, row: RightsRequest, actor: str
) -> None:
    now = ctx.clock.now()
    row.objection_recorded_at = now
    _event(db, row.id, now, actor, "objection_recorded")
