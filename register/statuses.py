"""What a company may learn about a person: status fields, under a current relationship.

Read with Core selects (plain rows, no ORM identity map): batch status and the changes
feed ask for tens of thousands of persons at a time. On PostgreSQL a set of ids is one
bound array (``= ANY(:members)``: one prepared statement whatever the count; the batch
lookup by identifier unnests its array instead, see ``register.status_sql``); SQLite gets
``IN`` lists of ``CHUNK``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Connection, any_, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from register.db.models import Relationship

OBJECTED_INSTRUCTION = "use_manual_certificate"
CHUNK = 1_000  # bound parameters per IN list (SQLite)
ARRAY_CHUNK = 50_000  # elements per bound array (PostgreSQL)

Executor = Connection | Session


@dataclass(frozen=True, slots=True)
class CurrentRelationship:
    id: int
    person_id: int
    agreement_reference: str
    latest_payment_period: str
    valid_to: date
    alias_id: int | None = None  # the document alias the company knows the person by


def is_postgres(db: Executor) -> bool:
    bind = db if isinstance(db, Connection) else db.get_bind()
    return bind.dialect.name == "postgresql"


def member_of(db: Executor, column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """``column`` is one of the bound ``members`` (a list): ``= ANY(:members)`` on
    PostgreSQL, an expanding ``IN`` elsewhere. The statement is the same for every chunk,
    so it is compiled once (and prepared once by psycopg)."""
    return members_clause(column, postgres=is_postgres(db))


def members_clause(column: Any, *, postgres: bool) -> ColumnElement[bool]:
    """``member_of`` for a known dialect (statements built once and cached)."""
    clause: ColumnElement[bool] = (
        column == any_(bindparam("members", type_=ARRAY(column.type)))
        if postgres
        else column.in_(bindparam("members", expanding=True))
    )
    return clause


def chunked(db: Executor, values: Sequence[Any]) -> list[list[Any]]:
    """``values`` in chunks for ``member_of`` (large arrays, small IN lists)."""
    size = ARRAY_CHUNK if is_postgres(db) else CHUNK
    return [list(values[start : start + size]) for start in range(0, len(values), size)]


def current_relationships(
    db: Executor, company_id: int, person_ids: Sequence[int], today: date
) -> dict[int, CurrentRelationship]:
    """The company's current relationship per person (latest valid_to wins)."""
    found: dict[int, CurrentRelationship] = {}
    r = Relationship
    query = (
        select(
            r.id,
            r.person_id,
            r.agreement_reference,
            r.latest_payment_period,
            r.valid_to,
            r.alias_id,
        )
        .where(r.company_id == company_id, member_of(db, r.person_id), r.valid_to >= today)
        .order_by(r.person_id, r.valid_to)
    )
    for members in chunked(db, person_ids):
        rows = db.execute(query, {"members": members})
        for row in rows:
            found[row[1]] = CurrentRelationship(*row)
    return found


def status_fields(
    objected_at: datetime | None, cert: tuple[Any, ...] | None, request: tuple[Any, ...] | None
) -> dict[str, Any]:
    if objected_at is not None and cert is None:
        return {
            "state": "objected",
            "instruction": OBJECTED_INSTRUCTION,
            "objected_at": objected_at.isoformat(),
        }
    fields: dict[str, Any] = {
        "state": "certified" if cert else "no_certificate",
        "last_certificate": None
        if cert is None
        else {
            "certified_at": cert[1].isoformat(),
            "document_type": cert[2],
            "issuing_state": cert[3],
            "method": cert[4],
        },
        "outstanding_request": None
        if request is None
        else {
            # deadline_passed once the scheduled deadline job marked it (still unfulfilled)
            "state": "open" if request[4] is None else "deadline_passed",
            "requested_at": request[1].isoformat(),
            "deadline": request[2].isoformat(),
            "reminders_sent": request[3],
        },
    }
    if objected_at is not None:  # the objection stands and points to the manual certificate
        fields["objection"] = {
            "objected_at": objected_at.isoformat(),
            "instruction": OBJECTED_INSTRUCTION,
        }
    return fields


def relationship_json(rel: CurrentRelationship) -> dict[str, Any]:
    return {
        "agreement_reference": rel.agreement_reference,
        "latest_payment_period": rel.latest_payment_period,
        "valid_to": rel.valid_to.isoformat(),
    }
