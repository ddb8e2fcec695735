"""The person's one certificate row (the register keeps only the last certificate) and the
receipt a write answers with."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from register.db.models import Certificate, Person


class CertificateReceipt(BaseModel):
    model_config = ConfigDict(frozen=True)

    certificate_id: int
    session_reference: str
    created: bool  # False when this session had already been recorded
    fulfilled_requests: int
    recorded_at: datetime


def receipt_of(cert: Certificate, created: bool, fulfilled: int) -> CertificateReceipt:
    return CertificateReceipt(
        certificate_id=cert.id,
        session_reference=cert.session_reference,
        created=created,
        fulfilled_requests=fulfilled,
        recorded_at=cert.recorded_at,
    )


def store_certificate(
    session: Session, person: Person, new: Certificate
) -> tuple[Certificate, bool] | None:
    """The person's one certificate row, replaced when ``new`` is not older; returns the
    row and whether it now holds ``new`` — None when the session reference is taken."""
    current = session.scalars(
        select(Certificate).where(Certificate.person_id == person.id).with_for_update()
    ).one_or_none()
    if current is None:
        new.person_id = person.id
        try:
            with session.begin_nested():
                session.add(new)
        except IntegrityError:
            return None
        return new, True
    if current.certified_at > new.certified_at:
        return current, False
    for column in (
        "certified_at",
        "document_type",
        "issuing_state",
        "method",
        "session_reference",
        "recorded_at",
        "paper_reference",
        "recorded_by",
    ):
        setattr(current, column, getattr(new, column))
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        return None
    return current, True
