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
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from register.audit import record_audit, subject_fingerprint
from register.auth import AccessContext
from register.cursor import decode_cursor, encode_cursor
from register.db.models import ChangeEvent, Head, Person, Relationship
from register.disclosure import Disclosure, append_disclosures
from register.errors import NationalIdInvalidError, NotFoundError, RegisterInputError
from register.heads import CHANGE_EVENTS
from register.identity import PersonId, person_id_from_json
from register.keys import canonical_json
from register.persons import find_person, find_persons, person_json, person_ref
from register.settings import RegisterSettings
from register.state import RegisterState
from register.statuses import current_relationships, relationship_json, statuses

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


def status_statement(
    session: Session,
    state: RegisterState,
    ctx: AccessContext,
    pid: PersonId,
) -> str:
    """A compact JWS with the person's status, or NotFoundError (unknown or not disclosable)."""
    clock, settings, keys = state.clock, state.settings, state.keys
    person = find_person(session, pid)
    rel = (
        current_relationships(session, ctx.company_id, [person.id], clock.today()).get(person.id)
        if person is not None
        else None
    )
    if person is None or rel is None:
        raise NotFoundError(
            subject_fp=subject_fingerprint(settings.secret.get_secret_value(), pid.ref)
        )
    now = clock.now()
    claims = {
        **_envelope(settings, ctx, now),
        "person": pid.to_json(),
        "status": statuses(session, [person])[person.id],
        "relationship": relationship_json(rel),
    }
    payload = canonical_json(claims)
    append_disclosures(
        session, clock, [Disclosure(ctx.client_id, "status", pid.ref, _sha256(payload), rel.id)]
    )
    return keys.sign(payload, typ=STATUS_TYP)


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
    persons = find_persons(session, valid)
    rels = current_relationships(
        session, ctx.company_id, [p.id for p in persons.values()], clock.today()
    )
    disclosed = [p for p in persons.values() if p.id in rels]
    status_by_id = statuses(session, disclosed)
    lines: list[bytes] = []
    disclosures: list[Disclosure] = []
    counts = {"not_found": 0, "invalid": 0}
    for index, pid in enumerate(parsed):
        person = persons.get(pid.ref) if isinstance(pid, PersonId) else None
        if isinstance(pid, str):
            record: dict[str, Any] = {"index": index, "result": "invalid", "code": pid}
            counts["invalid"] += 1
        elif person is None or person.id not in rels:
            record = {"index": index, "result": "not_found"}
            counts["not_found"] += 1
        else:
            rel = rels[person.id]
            record = {
                "index": index,
                "result": "found",
                "person": pid.to_json(),
                "status": status_by_id[person.id],
                "relationship": relationship_json(rel),
            }
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        lines.append(line)
        if record["result"] == "found" and isinstance(pid, PersonId) and person is not None:
            disclosures.append(
                Disclosure(ctx.client_id, "batch", pid.ref, _sha256(line), rels[person.id].id)
            )
    append_disclosures(session, clock, disclosures)
    if counts["not_found"] or counts["invalid"]:
        record_audit(
            session,
            clock,
            action="company:batch:refused",
            code=NotFoundError.code,
            client_id=ctx.client_id,
            detail={"requested": len(items), **counts},
        )
    digest = hashlib.sha256(b"".join(lines)).hexdigest()
    manifest = {
        **_envelope(settings, ctx, clock.now()),
        "count": len(lines),
        "sha256": digest,
    }
    signed = keys.sign_json(manifest, typ=BATCH_TYP)
    lines.append(json.dumps({"manifest": signed}).encode() + b"\n")
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
        select(ChangeEvent, Person)
        .join(Person, Person.id == ChangeEvent.person_id)
        .where(ChangeEvent.id > after, ChangeEvent.id <= head_id, visible)
        .order_by(ChangeEvent.id)
        .limit(size + 1)
    ).all()
    has_more = len(rows) > size
    page = rows[:size]
    people = list({person.id: person for _, person in page}.values())
    status_by_id = statuses(session, people)
    rels = current_relationships(session, ctx.company_id, [p.id for p in people], today)
    items: list[dict[str, Any]] = []
    disclosures: list[Disclosure] = []
    for event, person in page:
        item = {
            "event_id": event.id,
            "kind": event.kind,
            "at": event.created_at.isoformat(),
            "person": person_json(person),
            "status": status_by_id[person.id],
        }
        items.append(item)
        disclosures.append(
            Disclosure(
                ctx.client_id,
                "changes",
                person_ref(person),
                _sha256(canonical_json(item)),
                rels[person.id].id if person.id in rels else None,
            )
        )
    last = page[-1][0].id if page else after
    next_after = last if has_more else max(last, head_id)
    append_disclosures(session, clock, disclosures)
    claims = {
        **_envelope(settings, ctx, clock.now()),
        "items": items,
        "has_more": has_more,
        "next_cursor": encode_cursor(secret, ctx.company_id, next_after),
    }
    return keys.sign_json(claims, typ=CHANGES_TYP)
