"""What a company may learn about a person: status fields, under a current relationship.

Read with Core selects (plain rows, no ORM identity map): batch status and the changes
feed ask for tens of thousands of persons at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from register.db.models import Certificate, CertificateRequest, Relationship

OBJECTED_INSTRUCTION = "use_manual_certificate"
CHUNK = 1_000  # bound parameters per IN list


@dataclass(frozen=True, slots=True)
class CurrentRelationship:
    id: int
    person_id: int
    agreement_reference: str
    latest_payment_period: str
    valid_to: date


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def current_relationships(
    session: Session, company_id: int, person_ids: Sequence[int], today: date
) -> dict[int, CurrentRelationship]:
    """The company's current relationship per person (latest valid_to wins)."""
    found: dict[int, CurrentRelationship] = {}
    r = Relationship
    for chunk in _chunks(person_ids):
        rows = session.execute(
            select(r.id, r.person_id, r.agreement_reference, r.latest_payment_period, r.valid_to)
            .where(r.company_id == company_id, r.person_id.in_(chunk), r.valid_to >= today)
            .order_by(r.person_id, r.valid_to)
        )
        for row in rows:
            found[row[1]] = CurrentRelationship(*row)
    return found


def statuses(
    session: Session, objected_at: Mapping[int, datetime | None]
) -> dict[int, dict[str, Any]]:
    """Status fields per person id (``objected_at`` per person id): the latest certificate
    and the outstanding request."""
    latest: dict[int, tuple[Any, ...]] = {}
    open_requests: dict[int, tuple[Any, ...]] = {}
    c, q = Certificate, CertificateRequest
    for chunk in _chunks(list(objected_at)):
        for cert in session.execute(
            select(c.person_id, c.certified_at, c.document_type, c.issuing_state, c.method)
            .where(c.person_id.in_(chunk))
            .order_by(c.person_id, c.certified_at)
        ):
            latest[cert[0]] = tuple(cert)
        for row in session.execute(
            select(q.person_id, q.created_at, q.deadline, q.reminders_sent)
            .where(q.person_id.in_(chunk), q.fulfilled_at.is_(None))
            .order_by(q.person_id, q.deadline.desc())
        ):
            open_requests[row[0]] = tuple(row)  # the earliest deadline ends up last
    return {
        pid: status_fields(objected, latest.get(pid), open_requests.get(pid))
        for pid, objected in objected_at.items()
    }


def status_fields(
    objected_at: datetime | None, cert: tuple[Any, ...] | None, request: tuple[Any, ...] | None
) -> dict[str, Any]:
    if objected_at is not None:
        return {
            "state": "objected",
            "instruction": OBJECTED_INSTRUCTION,
            "objected_at": objected_at.isoformat(),
        }
    return {
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
            "requested_at": request[1].isoformat(),
            "deadline": request[2].isoformat(),
            "reminders_sent": request[3],
        },
    }


def relationship_json(rel: CurrentRelationship) -> dict[str, Any]:
    return {
        "agreement_reference": rel.agreement_reference,
        "latest_payment_period": rel.latest_payment_period,
        "valid_to": rel.valid_to.isoformat(),
    }
