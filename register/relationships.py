"""Proof of paying a pension: a payment statement (JWS) signed with the company's key.

Payload (JSON): ``iss`` (client_id), ``iat``, ``person`` (``{"national_id": ...}`` or
``{"foreign_id": ..., "issuing_state": ...}``), ``agreement_reference`` and
``latest_payment_period`` (YYYY-MM); optionally ``full_name`` and ``birth_date``
(YYYY-MM-DD) as the company knows the pensioner, which the register keeps when it holds
none (identity linking needs them, docs/identity.md). The relationship is current until
the last day of the month ``relationship_grace_months`` after that period, unless renewed by a newer
statement. The answer never reveals whether the person was already known.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from register.companies import active_company_key
from register.db.models import Company, Relationship
from register.errors import PaymentStatementError, PaymentStatementStaleError
from register.identity import PersonId, person_id_from_json
from register.keys import ACCEPTED_ALGS
from register.periods import add_months_to_period, parse_period, period_end
from register.persons import get_or_create_identity
from register.settings import RegisterSettings

STATEMENT_TYP = "payment-statement+jws"
MAX_STATEMENT_AGE_SECONDS = 90 * 24 * 3600
_AGREEMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,99}$")


@dataclass(frozen=True, slots=True)
class RelationshipReceipt:
    agreement_reference: str
    latest_payment_period: str
    valid_to: date
    new: bool = False  # a relationship the company had not registered before (not answered)

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement_reference": self.agreement_reference,
            "latest_payment_period": self.latest_payment_period,
            "valid_to": self.valid_to.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PaymentStatement:
    person: PersonId
    agreement_reference: str
    latest_payment_period: str
    valid_to: date
    evidence_sha256: str
    full_name: str | None = None
    birth_date: date | None = None


def verify_payment_statement(
    session: Session, clock: Clock, settings: RegisterSettings, company: Company, statement: str
) -> PaymentStatement:
    try:
        compact = jws.extract_compact(statement.encode("ascii"))
        header = dict(compact.headers())
    except (JoseError, ValueError, UnicodeError) as exc:
        raise PaymentStatementError(reason="malformed") from exc
    kid, alg = header.get("kid"), header.get("alg")
    key = active_company_key(session, company, kid) if isinstance(kid, str) else None
    if key is None or alg not in ACCEPTED_ALGS:
        raise PaymentStatementError(reason="unknown_key")
    try:
        payload = jws.deserialize_compact(statement, key, algorithms=[str(alg)]).payload
        claims = json.loads(payload)
    except (JoseError, ValueError) as exc:
        raise PaymentStatementError(reason="signature") from exc
    if not isinstance(claims, dict) or claims.get("iss") != company.client_id:
        raise PaymentStatementError(reason="issuer")
    iat, now = claims.get("iat"), clock.now()
    if not isinstance(iat, int | float) or iat > now.timestamp() + settings.clock_skew_seconds:
        raise PaymentStatementError(reason="iat")
    if iat < now.timestamp() - MAX_STATEMENT_AGE_SECONDS:
        raise PaymentStatementStaleError(reason="statement_too_old")
    person = person_id_from_json(
        claims.get("person"), accept_synthetic=settings.accept_synthetic_ids
    )
    agreement, period_text = claims.get("agreement_reference"), claims.get("latest_payment_period")
    if not isinstance(agreement, str) or not _AGREEMENT.match(agreement):
        raise PaymentStatementError(reason="agreement_reference")
    period = parse_period(period_text) if isinstance(period_text, str) else None
    if period is None:
        raise PaymentStatementError(reason="latest_payment_period")
    if period > (now.year, now.month):
        raise PaymentStatementStaleError(reason="period_in_future")
    valid_to = period_end(*add_months_to_period(*period, settings.relationship_grace_months))
    if valid_to < clock.today():
        raise PaymentStatementStaleError(reason="period_expired")
    digest = hashlib.sha256(statement.encode()).hexdigest()
    name, birth = _holder_claims(claims)
    return PaymentStatement(person, agreement, str(period_text), valid_to, digest, name, birth)


def _holder_claims(claims: dict[str, Any]) -> tuple[str | None, date | None]:
    name, birth = claims.get("full_name"), claims.get("birth_date")
    if name is not None and (not isinstance(name, str) or not 0 < len(name.strip()) <= 300):
        raise PaymentStatementError(reason="full_name")
    if birth is None:
        return (name.strip() if name else None), None
    try:
        born = date.fromisoformat(birth) if isinstance(birth, str) and len(birth) == 10 else None
    except ValueError:
        born = None
    if born is None:
        raise PaymentStatementError(reason="birth_date")
    return (name.strip() if name else None), born


def register_relationship(
    session: Session, clock: Clock, settings: RegisterSettings, company: Company, statement: str
) -> RelationshipReceipt:
    """Verify the statement and record or renew the relationship; the caller commits."""
    proof = verify_payment_statement(session, clock, settings, company, statement)
    person, alias = get_or_create_identity(session, clock, proof.person)
    if person.full_name is None and proof.full_name is not None:
        person.full_name = proof.full_name
    if person.birth_date is None and proof.birth_date is not None:
        person.birth_date = proof.birth_date
    rel = session.scalars(
        select(Relationship).where(
            Relationship.company_id == company.id,
            Relationship.person_id == person.id,
            Relationship.agreement_reference == proof.agreement_reference,
        )
    ).one_or_none()
    now = clock.now()
    new = rel is None
    if rel is None:
        rel = Relationship(
            company_id=company.id,
            person_id=person.id,
            agreement_reference=proof.agreement_reference,
            valid_from=now,
            created_at=now,
        )
        session.add(rel)
    elif rel.latest_payment_period > proof.latest_payment_period:
        return RelationshipReceipt(
            rel.agreement_reference, rel.latest_payment_period, rel.valid_to
        )  # an older statement never shortens a relationship
    rel.alias_id = alias.id if alias is not None else None  # the identifier the company uses
    rel.evidence_jws, rel.evidence_sha256 = statement, proof.evidence_sha256
    rel.latest_payment_period, rel.valid_to, rel.updated_at = (
        proof.latest_payment_period,
        proof.valid_to,
        now,
    )
    session.flush()
    return RelationshipReceipt(
        proof.agreement_reference, proof.latest_payment_period, proof.valid_to, new
    )
