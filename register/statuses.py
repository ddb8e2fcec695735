"""What a company may learn about a person: status fields, under a current relationship."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from register.db.models import Certificate, CertificateRequest, Person, Relationship

OBJECTED_INSTRUCTION = "use_manual_certificate"


def current_relationships(
    session: Session, company_id: int, person_ids: Sequence[int], today: date
) -> dict[int, Relationship]:
    """The company's current relationship per person (latest valid_to wins)."""
    found: dict[int, Relationship] = {}
    for start in range(0, len(person_ids), 1_000):
        chunk = person_ids[start : start + 1_000]
        rows = session.scalars(
            select(Relationship)
            .where(
                Relationship.company_id == company_id,
                Relationship.person_id.in_(chunk),
                Relationship.valid_to >= today,
            )
            .order_by(Relationship.person_id, Relationship.valid_to)
        )
        for rel in rows:
            found[rel.person_id] = rel
    return found


def statuses(session: Session, persons: Sequence[Person]) -> dict[int, dict[str, Any]]:
    """Status fields per person id: latest certificate and the outstanding request."""
    latest: dict[int, Certificate] = {}
    open_requests: dict[int, CertificateRequest] = {}
    ids = [p.id for p in persons]
    for start in range(0, len(ids), 1_000):
        chunk = ids[start : start + 1_000]
        for cert in session.scalars(
            select(Certificate)
            .where(Certificate.person_id.in_(chunk))
            .order_by(Certificate.person_id, Certificate.certified_at)
        ):
            latest[cert.person_id] = cert
        for req in session.scalars(
            select(CertificateRequest)
            .where(
                CertificateRequest.person_id.in_(chunk), CertificateRequest.fulfilled_at.is_(None)
            )
            .order_by(CertificateRequest.person_id, CertificateRequest.deadline.desc())
        ):
            open_requests[req.person_id] = req  # the earliest deadline ends up last
    return {p.id: _status(p, latest.get(p.id), open_requests.get(p.id)) for p in persons}


def _status(
    person: Person, cert: Certificate | None, request: CertificateRequest | None
) -> dict[str, Any]:
    if person.objected_at is not None:
        return {
            "state": "objected",
            "instruction": OBJECTED_INSTRUCTION,
            "objected_at": person.objected_at.isoformat(),
        }
    return {
        "state": "certified" if cert else "no_certificate",
        "last_certificate": None
        if cert is None
        else {
            "certified_at": cert.certified_at.isoformat(),
            "document_type": cert.document_type,
            "issuing_state": cert.issuing_state,
            "method": cert.method,
        },
        "outstanding_request": None
        if request is None
        else {
            "requested_at": request.created_at.isoformat(),
            "deadline": request.deadline.isoformat(),
            "reminders_sent": request.reminders_sent,
        },
    }


def relationship_json(rel: Relationship) -> dict[str, Any]:
    return {
        "agreement_reference": rel.agreement_reference,
        "latest_payment_period": rel.latest_payment_period,
        "valid_to": rel.valid_to.isoformat(),
    }
