"""Pension companies and their registered public keys (JWK by kid, active or retired).

Several keys may be active at once, which is how a company rotates: register the new
key, switch signing to it, retire the old one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.core.errors import InputError
from register.db.models import Company, CompanyKey
from register.settings import ALL_SCOPES, COMPANY_SCOPES

ACTIVE = "active"
RETIRED = "retired"


class CompanyKeyError(InputError):
    """The public key is not an acceptable JWK (public EC or RSA key with a kid)."""

    code = "register_company_key_invalid"


def register_company(
    session: Session,
    clock: Clock,
    *,
    client_id: str,
    name: str,
    scopes: Iterable[str] = COMPANY_SCOPES,
) -> Company:
    granted = sorted(set(scopes))
    if any(scope not in ALL_SCOPES for scope in granted):
        raise InputError("unknown scope")
    company = Company(
        client_id=client_id,
        name=name,
        scopes=" ".join(granted),
        active=True,
        created_at=clock.now(),
    )
    session.add(company)
    session.flush()
    return company


def add_company_key(
    session: Session, clock: Clock, company: Company, jwk: dict[str, Any]
) -> CompanyKey:
    try:
        key = JWKRegistry.import_key(jwk)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise CompanyKeyError from exc
    if key.is_private or key.key_type not in {"EC", "RSA"} or not key.kid:
        raise CompanyKeyError
    record = CompanyKey(
        company_id=company.id,
        kid=str(key.kid),
        jwk=json.dumps(key.as_dict(private=False), sort_keys=True),
        status=ACTIVE,
        created_at=clock.now(),
    )
    session.add(record)
    session.flush()
    return record


def retire_company_key(session: Session, clock: Clock, company: Company, kid: str) -> bool:
    record = session.scalars(
        select(CompanyKey).where(CompanyKey.company_id == company.id, CompanyKey.kid == kid)
    ).one_or_none()
    if record is None or record.status == RETIRED:
        return False
    record.status, record.retired_at = RETIRED, clock.now()
    return True


def company_by_client_id(session: Session, client_id: str) -> Company | None:
    return session.scalars(select(Company).where(Company.client_id == client_id)).one_or_none()


def active_company_key(session: Session, company: Company, kid: str) -> Any | None:
    """The active public key with ``kid`` as a joserfc key, or None."""
    record = session.scalars(
        select(CompanyKey).where(
            CompanyKey.company_id == company.id,
            CompanyKey.kid == kid,
            CompanyKey.status == ACTIVE,
        )
    ).one_or_none()
    return None if record is None else JWKRegistry.import_key(json.loads(record.jwk))


def active_key_set(session: Session, company: Company) -> KeySet:
    records = session.scalars(
        select(CompanyKey).where(CompanyKey.company_id == company.id, CompanyKey.status == ACTIVE)
    ).all()
    return KeySet([JWKRegistry.import_key(json.loads(r.jwk)) for r in records])
