"""What the pensioner's invitation page may show from the register: the names of the
pension companies whose outstanding requests the invitation (the letter) answers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from register.db.models import CertificateRequest, Company, Invitation


def requesting_companies(session: Session, reference: str) -> list[str]:
    """Names of the companies with an open request on the invitation ``reference``,
    sorted, each once (a request the register made itself has no company)."""
    names = session.scalars(
        select(Company.name)
        .join(CertificateRequest, CertificateRequest.company_id == Company.id)
        .join(Invitation, Invitation.id == CertificateRequest.invitation_id)
        .where(
            Invitation.reference == reference,
            CertificateRequest.fulfilled_at.is_(None),
        )
    ).all()
    return sorted(set(names))


class RegisterRequesters:
    """``requesters(reference)`` over the register's database, one transaction a call."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __call__(self, reference: str) -> list[str]:
        with self._sessions() as session:
            return requesting_companies(session, reference)
