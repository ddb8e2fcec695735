"""Status, batch status and the changes feed: disclosed only under a current relationship.

Every answer is signed by the register's key and every disclosure is appended to the
hash-chained log before the answer is returned. Reads run on a read-only connection
(``RegisterState.read``, no write lock); the disclosures go through the group commit
(``register.group_commit``), which appends the entries of concurrent requests in one
transaction. A person without a current relationship to the asking company is
answered exactly like an unknown person (no enumeration); the refusal is audited by the
API layer from the raised ``NotFoundError`` (single status) or here (batch, changes).
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, and_, bindparam, select

from register.audit import record_audit, subject_fingerprint
from register.auth import AccessContext
from register.db.models import Company, Person, PersonAlias
from register.disclosure import Disclosure
from register.errors import (
    InvalidTokenError,
    NationalIdInvalidError,
    NotFoundError,
)
from register.identity import IdScheme, PersonId, person_id_from_json
from register.keys import canonical_json
from register.settings import RegisterSettings
from register.state import RegisterState
from register.status_sql import disclosable_statuses, split_status, with_status
from register.statuses import (
    CurrentRelationship,
    Executor,
    relationship_json,
)

BATCH_PART = 20_000  # persons per read of a batch
BATCH_READERS = 2  # PostgreSQL reads of one batch at a time (each on its own connection)
STATUS_TYP = "status+jws"
BATCH_TYP = "batch-manifest+jws"


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    lines: list[bytes]  # NDJSON lines, the last one carries the signed manifest
    disclosed: int
    not_found: int
    invalid: int


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def envelope(settings: RegisterSettings, ctx: AccessContext, now: datetime) -> dict[str, Any]:
    return {
        "iss": settings.issuer,
        "aud": ctx.client_id,
        "iat": int(now.timestamp()),
        "as_of": now.isoformat(),
    }


@cache
def _status_query(*, lateral: bool, by_alias: bool = False) -> Select[*tuple[Any, ...]]:
    """Company, person and the person's status in one round trip (the single-status hot
    path; ``by_alias``: the person a document alias names). Built once: constructing
    this statement costs more than running it."""
    company_id: BindParameter[int] = bindparam("company_id")
    source: Any = PersonAlias if by_alias else Person
    match = and_(
        source.id_scheme == bindparam("scheme"),
        source.id_state == bindparam("state"),
        source.id_value == bindparam("value"),
    )
    person_match = (
        Person.id == select(PersonAlias.person_id).where(match).scalar_subquery()
        if by_alias
        else match
    )
    query = (
        select(Company.active, Person.id, Person.objected_at)
        .select_from(Company)
        .outerjoin(Person, person_match)
        .where(Company.id == company_id, Company.client_id == bindparam("client_id"))
    )
    return with_status(query, company_id, bindparam("today"), lateral=lateral)


def _status_row(
    connection: Connection, ctx: AccessContext, pid: PersonId, today: date
) -> tuple[Any, ...]:
    params = {
        "company_id": ctx.company_id,
        "client_id": ctx.client_id,
        "today": today,
        "scheme": pid.scheme.value,
        "state": pid.state,
        "value": pid.value,
    }
    lateral = connection.dialect.name == "postgresql"
    row = connection.execute(_status_query(lateral=lateral), params).first()
    if row is None or not row[0]:
        raise InvalidTokenError(reason="client_inactive")
    if row[1] is None and pid.scheme is IdScheme.FOREIGN:  # a document alias, perhaps
        row = connection.execute(_status_query(lateral=lateral, by_alias=True), params).first()
        if row is None or not row[0]:
            raise InvalidTokenError(reason="client_inactive")
    return tuple(row)


def status_statement(state: RegisterState, ctx: AccessContext, pid: PersonId) -> str:
    """A compact JWS with the person's status, or NotFoundError (unknown or not disclosable).

    Also refuses the token of a company that is no longer active (part of the one query,
    see ``register.routes``).
    """
    clock, settings, keys = state.clock, state.settings, state.keys
    today = clock.today()
    row = state.run_read(lambda connection: _status_row(connection, ctx, pid, today))
    rel, status = (None, None) if row[1] is None else split_status(row[1], row[2], row[3:])
    if rel is None:
        raise NotFoundError(
            subject_fp=subject_fingerprint(settings.secret.get_secret_value(), pid.ref)
        )
    now = clock.now()
    claims = {
        **envelope(settings, ctx, now),
        "person": pid.to_json(),
        "status": status,
        "relationship": relationship_json(rel),
    }
    payload = canonical_json(claims)
    signed = keys.sign(payload, typ=STATUS_TYP)
    state.disclosures.append(
        [Disclosure(ctx.client_id, "status", pid.ref, sha256_hex(payload), rel.id)]
    )
    return signed


def batch_statuses(state: RegisterState, ctx: AccessContext, items: list[Any]) -> BatchAnswer:
    """One NDJSON line per requested person (same order), then a signed manifest line."""
    clock, settings, keys = state.clock, state.settings, state.keys
    today = clock.today()
    state.run_read(lambda connection: require_active(connection, ctx))

    def read(part: list[PersonId]) -> dict[str, tuple[CurrentRelationship, dict[str, Any]]]:
        return state.run_read(
            lambda connection: disclosable_statuses(connection, ctx.company_id, part, today)
        )

    # parts are read on their own connections while the next part is parsed, so the
    # database works on one part while Python checks the identifiers of the next
    parsed: list[PersonId | str] = []
    threads = BATCH_READERS if state.reader.dialect.name == "postgresql" else 1
    with ThreadPoolExecutor(threads, thread_name_prefix="register-batch") as readers:
        reads = []
        for start in range(0, len(items), BATCH_PART):
            part: list[PersonId] = []
            for item in items[start : start + BATCH_PART]:
                try:
                    one = person_id_from_json(item, accept_synthetic=settings.accept_synthetic_ids)
                except NationalIdInvalidError as exc:
                    parsed.append(exc.code)
                    continue
                parsed.append(one)
                part.append(one)
            reads.append(readers.submit(read, part))
        found: dict[str, tuple[CurrentRelationship, dict[str, Any]]] = {}
        for done in reads:
            found.update(done.result())
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
        disclosable = found.get(pid.ref)
        if disclosable is None:
            lines.append(b'{"index":%d,"result":"not_found"}\n' % index)
            counts["not_found"] += 1
            continue
        rel, status = disclosable
        line = batch_line(index, dumps(pid.to_json()), dumps(status), dumps(relationship_json(rel)))
        lines.append(line)
        disclosures.append(Disclosure(ctx.client_id, "batch", pid.ref, sha256_hex(line), rel.id))
    digest = hashlib.sha256(b"".join(lines)).hexdigest()
    manifest = {
        **envelope(settings, ctx, clock.now()),
        "count": len(lines),
        "sha256": digest,
    }
    signed = keys.sign_json(manifest, typ=BATCH_TYP)
    lines.append(json.dumps({"manifest": signed}).encode() + b"\n")
    if counts["not_found"] or counts["invalid"]:
        with state.unit_of_work() as session:
            record_audit(
                session,
                clock,
                action="company:batch:refused",
                code=NotFoundError.code,
                client_id=ctx.client_id,
                detail={"requested": len(items), **counts},
            )
    state.disclosures.append(disclosures)
    return BatchAnswer(lines, len(disclosures), counts["not_found"], counts["invalid"])


def batch_line(index: int, person: str, status: str, relationship: str) -> bytes:
    """The NDJSON line of a found person, as ``json.dumps`` (compact, ``ensure_ascii=False``)
    writes ``{"index", "result": "found", "person", "status", "relationship"}``, from
    the parts already encoded."""
    return (
        f'{{"index":{int(index)},"result":"found","person":{person},'
        f'"status":{status},"relationship":{relationship}}}\n'
    ).encode()


def require_active(db: Executor, ctx: AccessContext) -> None:
    """A deactivated company is refused at once, although its token is still cached."""
    active = db.execute(
        select(Company.active).where(
            Company.id == ctx.company_id, Company.client_id == ctx.client_id
        )
    ).scalar()
    if not active:
        raise InvalidTokenError(reason="client_inactive")
