"""Status, batch status and the changes feed: disclosed only under a current relationship.

Every answer is signed by the register's key and every disclosure is appended to the
hash-chained log. A person without a current relationship to the asking company is
answered exactly like an unknown person (no enumeration); the refusal is audited by the
API layer from the raised ``NotFoundError`` (single status) or here (batch, changes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from register.audit import record_audit, subject_fingerprint
from register.auth import AccessContext
from register.cursor import decode_cursor, encode_cursor
from register.db.models import (
    Certificate,
    CertificateRequest,
    ChangeEvent,
    Company,
    Head,
    Person,
    Relationship,
)
from register.disclosure import Disclosure, append_disclosures
from register.errors import (
    InvalidTokenError,
    NationalIdInvalidError,
    NotFoundError,
    RegisterInputError,
)
from register.heads import CHANGE_EVENTS
from register.identity import IdScheme, PersonId, person_id_from_json
from register.keys import canonical_json
from register.persons import find_person_keys
from register.settings import RegisterSettings
from register.state import RegisterState
from register.statuses import (
    CurrentRelationship,
    current_relationships,
    relationship_json,
    status_fields,
    statuses,
)

STATUS_TYP = "status+jws"
BATCH_TYP = "batch-manifest+jws"
CHANGES_TYP = "changes+jws"


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    lines: list[bytes]  # NDJSON lines, the last one carries the signed manifest
    disclosed: int
    not_found: int
    invalid: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _envelope(settings: RegisterSettings, ctx: AccessContext, now: datetime) -> dict[str, Any]:
    return {
        "iss": settings.issuer,
        "aud": ctx.client_id,
        "iat": int(now.timestamp()),
        "as_of": now.isoformat(),
    }


@cache
def _status_query() -> Select[*tuple[Any, ...]]:
    """Company, person, current relationship, latest certificate and earliest open request
    in one round trip (the single-status hot path; every part is an index lookup). Built
    once: constructing this statement costs more than running it."""
    r, c, q = Relationship, Certificate, CertificateRequest
    r2, c2, q2 = aliased(r), aliased(c), aliased(q)  # the subqueries' own FROMs
    company_id: BindParameter[int] = bindparam("company_id")
    today: BindParameter[date] = bindparam("today")
    rel_id = (
        select(r2.id)
        .where(r2.person_id == Person.id, r2.company_id == company_id, r2.valid_to >= today)
        .order_by(r2.valid_to.desc(), r2.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    cert_id = (
        select(c2.id)
        .where(c2.person_id == Person.id)
        .order_by(c2.certified_at.desc(), c2.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    request_id = (
        select(q2.id)
        .where(q2.person_id == Person.id, q2.fulfilled_at.is_(None))
        .order_by(q2.deadline, q2.id)
        .limit(1)
        .scalar_subquery()
    )
    person_match = and_(
        Person.id_scheme == bindparam("scheme"),
        Person.id_state == bindparam("state"),
        Person.id_value == bindparam("value"),
    )
    return (
        select(
            Company.active,
            Person.id,
            Person.objected_at,
            r.id,
            r.agreement_reference,
            r.latest_payment_period,
            r.valid_to,
            c.certified_at,
            c.document_type,
            c.issuing_state,
            c.method,
            q.created_at,
            q.deadline,
            q.reminders_sent,
        )
        .select_from(Company)
        .outerjoin(Person, person_match)
        .outerjoin(r, r.id == rel_id)
        .outerjoin(c, c.id == cert_id)
        .outerjoin(q, q.id == request_id)
        .where(Company.id == company_id, Company.client_id == bindparam("client_id"))
    )


def _status_row(
    session: Session, ctx: AccessContext, pid: PersonId, today: date
) -> tuple[Any, ...]:
    row = session.execute(
        _status_query(),
        {
            "company_id": ctx.company_id,
            "client_id": ctx.client_id,
            "today": today,
            "scheme": pid.scheme.value,
            "state": pid.state,
            "value": pid.value,
        },
    ).first()
    if row is None or not row[0]:
        raise InvalidTokenError(reason="client_inactive")
    return tuple(row)


def status_statement(
    session: Session,
    state: RegisterState,
    ctx: AccessContext,
    pid: PersonId,
) -> str:
    """A compact JWS with the person's status, or NotFoundError (unknown or not disclosable).

    Also refuses the token of a company that is no longer active (checked in this
    transaction, see ``register.routes``).
    """
    clock, settings, keys = state.clock, state.settings, state.keys
    row = _status_row(session, ctx, pid, clock.today())
    if row[1] is None or row[3] is None:
        raise NotFoundError(
            subject_fp=subject_fingerprint(settings.secret.get_secret_value(), pid.ref)
        )
    rel = CurrentRelationship(row[3], row[1], row[4], row[5], row[6])
    cert = None if row[7] is None else (row[1], *row[7:11])
    request = None if row[11] is None else (row[1], *row[11:14])
    now = clock.now()
    claims = {
        **_envelope(settings, ctx, now),
        "person": pid.to_json(),
        "status": status_fields(row[2], cert, request),
        "relationship": relationship_json(rel),
    }
    payload = canonical_json(claims)
    signed = keys.sign(payload, typ=STATUS_TYP)  # before the chain head is locked
    append_disclosures(
        session, clock, [Disclosure(ctx.client_id, "status", pid.ref, _sha256(payload), rel.id)]
    )
    return signed


def batch_statuses(
    session: Session,
    state: RegisterState,
    ctx: AccessContext,
    items: list[Any],
) -> BatchAnswer:
    """One NDJSON line per requested person (same order), then a signed manifest line."""
    clock, settings, keys = state.clock, state.settings, state.keys
    parsed: list[PersonId | str] = []
    for item in items:
        try:
            parsed.append(person_id_from_json(item, accept_synthetic=settings.accept_synthetic_ids))
        except NationalIdInvalidError as exc:
            parsed.append(exc.code)
    valid = [p for p in parsed if isinstance(p, PersonId)]
    persons = find_person_keys(session, valid)
    rels = current_relationships(
        session, ctx.company_id, [p.id for p in persons.values()], clock.today()
    )
    status_by_id = statuses(
        session, {p.id: p.objected_at for p in persons.values() if p.id in rels}
    )
    rel_json = {person_id: relationship_json(rel) for person_id, rel in rels.items()}
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    lines: list[bytes] = []
    disclosures: list[Disclosure] = []
    counts = {"not_found": 0, "invalid": 0}
    for index, pid in enumerate(parsed):
        if isinstance(pid, str):
            record: dict[str, Any] = {"index": index, "result": "invalid", "code": pid}
            counts["invalid"] += 1
            lines.append(dumps(record).encode() + b"\n")
            continue
        person = persons.get(pid.ref)
        if person is None or person.id not in rels:
            lines.append(b'{"index":%d,"result":"not_found"}\n' % index)
            counts["not_found"] += 1
            continue
        record = {
            "index": index,
            "result": "found",
            "person": pid.to_json(),
            "status": status_by_id[person.id],
            "relationship": rel_json[person.id],
        }
        line = dumps(record).encode() + b"\n"
        lines.append(line)
        disclosures.append(
            Disclosure(ctx.client_id, "batch", pid.ref, _sha256(line), rels[person.id].id)
        )
    digest = hashlib.sha256(b"".join(lines)).hexdigest()
    manifest = {
        **_envelope(settings, ctx, clock.now()),
        "count": len(lines),
        "sha256": digest,
    }
    signed = keys.sign_json(manifest, typ=BATCH_TYP)
    lines.append(json.dumps({"manifest": signed}).encode() + b"\n")
    if counts["not_found"] or counts["invalid"]:
        record_audit(
            session,
            clock,
            action="company:batch:refused",
            code=NotFoundError.code,
            client_id=ctx.client_id,
            detail={"requested": len(items), **counts},
        )
    append_disclosures(session, clock, disclosures)  # last: holds the chain head until commit
    return BatchAnswer(lines, len(disclosures), counts["not_found"], counts["invalid"])


def changes_statement(
    session: Session,
    state: RegisterState,
    ctx: AccessContext,
    since: str | None,
    limit: int | None,
) -> str:
    """One signed page of the changes feed, for persons under a current relationship."""
    clock, settings, keys = state.clock, state.settings, state.keys
    secret = settings.secret.get_secret_value()
    after = decode_cursor(secret, ctx.company_id, since) if since else 0
    size = settings.changes_page_default if limit is None else limit
    if not 1 <= size <= settings.changes_page_max:
        raise RegisterInputError(reason="limit")
    # read the counter first: every event up to it is committed (ids follow commit order)
    head_id = session.scalars(select(Head.last_id).where(Head.name == CHANGE_EVENTS)).one()
    today = clock.today()
    visible = exists().where(
        and_(
            Relationship.person_id == ChangeEvent.person_id,
            Relationship.company_id == ctx.company_id,
            Relationship.valid_to >= today,
            Relationship.valid_from <= ChangeEvent.created_at,
        )
    )
    rows = session.execute(
        select(
            ChangeEvent.id,
            ChangeEvent.kind,
            ChangeEvent.created_at,
            Person.id,
            Person.id_scheme,
            Person.id_state,
            Person.id_value,
            Person.objected_at,
        )
        .join(Person, Person.id == ChangeEvent.person_id)
        .where(ChangeEvent.id > after, ChangeEvent.id <= head_id, visible)
        .order_by(ChangeEvent.id)
        .limit(size + 1)
    ).all()
    has_more = len(rows) > size
    page = rows[:size]
    objected = {row[3]: row[7] for row in page}
    status_by_id = statuses(session, objected)
    rels = current_relationships(session, ctx.company_id, list(objected), today)
    status_json = {pid: canonical_json(value).decode() for pid, value in status_by_id.items()}
    items: list[dict[str, Any]] = []
    disclosures: list[Disclosure] = []
    for event_id, kind, at, person_id, scheme, id_state, id_value, _ in page:
        if scheme == IdScheme.NORWEGIAN.value:
            ref, person = f"no:{id_value}", {"national_id": id_value}
        else:
            ref = f"foreign:{id_state}:{id_value}"
            person = {"foreign_id": id_value, "issuing_state": id_state}
        item = {
            "event_id": event_id,
            "kind": kind,
            "at": at.isoformat(),
            "person": person,
            "status": status_by_id[person_id],
        }
        items.append(item)
        rel = rels.get(person_id)
        disclosures.append(
            Disclosure(
                ctx.client_id,
                "changes",
                ref,
                _sha256(_item_json(item, status_json[person_id])),
                rel.id if rel is not None else None,
            )
        )
    last = page[-1][0] if page else after
    next_after = last if has_more else max(last, head_id)
    claims = {
        **_envelope(settings, ctx, clock.now()),
        "items": items,
        "has_more": has_more,
        "next_cursor": encode_cursor(secret, ctx.company_id, next_after),
    }
    signed = keys.sign_json(claims, typ=CHANGES_TYP)
    append_disclosures(session, clock, disclosures)  # last: holds the chain head until commit
    return signed


def _item_json(item: dict[str, Any], status_json: str) -> bytes:
    """``canonical_json(item)`` for a changes item, reusing the person's status JSON."""
    at = json.dumps(item["at"], ensure_ascii=False)
    kind = json.dumps(item["kind"], ensure_ascii=False)
    person = canonical_json(item["person"]).decode()
    return (
        f'{{"at":{at},"event_id":{int(item["event_id"])},"kind":{kind},'
        f'"person":{person},"status":{status_json}}}'
    ).encode()
