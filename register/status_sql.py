"""A person's disclosable status in SQL: the asking company's current relationship, the
latest certificate and the earliest open request, joined to a person row, so one
statement answers for one person (single status), for a chunk of a batch or for every
person of a changes page.

Each part is a ``LIMIT 1`` index lookup per person: a ``LATERAL`` subquery on
PostgreSQL (one index scan, no second lookup by primary key), a correlated subquery
picking the row's id on SQLite (which has no ``LATERAL``). A chunk of a batch finds its
persons the same way on PostgreSQL, one identity-index lookup per identifier (see
``_identity_query``), so its cost follows the chunk, not the register.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import ARRAY, BindParameter, Select, Text, bindparam, cast, func, select, true
from sqlalchemy.orm import aliased

from register.db.models import Certificate, CertificateRequest, Person, PersonAlias, Relationship
from register.identity import IdScheme, PersonId
from register.statuses import (
    CurrentRelationship,
    Executor,
    chunked,
    is_postgres,
    members_clause,
    status_fields,
)

_REL = ("id", "agreement_reference", "latest_payment_period", "valid_to", "alias_id")
_CERT = ("certified_at", "document_type", "issuing_state", "method")
_REQUEST = ("created_at", "deadline", "reminders_sent", "deadline_passed_at")


def with_status(
    query: Select[*tuple[Any, ...]],
    company_id: BindParameter[int],
    today: BindParameter[date],
    *,
    lateral: bool,
    person_id: Any = Person.id,
) -> Select[*tuple[Any, ...]]:
    """``query`` (with ``person_id``'s table, ``Person`` unless told, among its FROMs)
    with the status columns added, in the order ``split_status`` reads them."""
    r, c, q = aliased(Relationship), aliased(Certificate), aliased(CertificateRequest)
    rel = (
        select(r)
        .where(r.person_id == person_id, r.company_id == company_id, r.valid_to >= today)
        .order_by(r.valid_to.desc())  # index order: no sort per person
        .limit(1)
    )
    cert = select(c).where(c.person_id == person_id).order_by(c.certified_at.desc()).limit(1)
    request = (
        select(q)
        .where(q.person_id == person_id, q.fulfilled_at.is_(None))
        # a request still running before one whose deadline passed (the scheduled job)
        .order_by(q.deadline_passed_at.is_not(None), q.deadline, q.id)
        .limit(1)
    )
    parts: tuple[tuple[Select[*tuple[Any, ...]], tuple[str, ...], type[Any]], ...] = (
        (rel, _REL, Relationship),
        (cert, _CERT, Certificate),
        (request, _REQUEST, CertificateRequest),
    )
    for sub, names, entity in parts:
        if lateral:
            joined = sub.lateral()
            query = query.outerjoin(joined, true()).add_columns(*(joined.c[n] for n in names))
        else:
            target: Any = aliased(entity)
            row_id = sub.with_only_columns(sub.selected_columns.id).scalar_subquery()
            query = query.outerjoin(target, target.id == row_id).add_columns(
                *(getattr(target, n) for n in names)
            )
    return query


def split_status(
    person_id: int, objected_at: Any, tail: tuple[Any, ...]
) -> tuple[CurrentRelationship | None, dict[str, Any]]:
    """The relationship (None: no current one) and the status fields from the columns
    ``with_status`` added."""
    rel = None if tail[0] is None else CurrentRelationship(tail[0], person_id, *tail[1:5])
    cert = None if tail[5] is None else (person_id, *tail[5:9])
    request = None if tail[9] is None else (person_id, *tail[9:13])
    return rel, status_fields(objected_at, cert, request)


def disclosable_statuses(
    db: Executor, company_id: int, pids: Iterable[PersonId], today: date
) -> dict[str, tuple[CurrentRelationship, dict[str, Any]]]:
    """Relationship and status by ``PersonId.ref`` for the persons the company currently
    pays (everyone else is left out): one statement per chunk of identifiers, by the
    persons' own identifiers; foreign ids not found so go once more through the document
    aliases (Norwegian numbers are never aliases)."""
    pids = list(pids)
    found = _statuses(db, company_id, pids, today, by_alias=False)
    missed = [p for p in pids if p.scheme is IdScheme.FOREIGN and p.ref not in found]
    if missed:
        found.update(_statuses(db, company_id, missed, today, by_alias=True))
    return found


@cache
def _identity_query(*, lateral: bool, by_alias: bool) -> Select[*tuple[Any, ...]]:
    """The persons a chunk of identifiers (``:members``) names, with their status."""
    source: Any = PersonAlias if by_alias else Person
    query = select(source.id_value, Person.id, Person.objected_at).select_from(source)
    if by_alias:
        query = query.join(Person, Person.id == PersonAlias.person_id)
    company_id: BindParameter[int] = bindparam("company_id")
    today: BindParameter[date] = bindparam("today")
    query = query.where(source.id_scheme == bindparam("scheme"))
    query = query.where(source.id_state == bindparam("state"))
    if not lateral:  # SQLite: an expanding IN
        query = query.where(members_clause(source.id_value, postgres=False))
        return with_status(query, company_id, today, lateral=False)
    # PostgreSQL: the identifiers drive the query. Each is looked up by the unique identity
    # index in a LATERAL subquery whose LIMIT keeps the planner from flattening it into a
    # join, so a chunk is a nested loop of index lookups however large the register is
    # (``= ANY(:members)`` on persons got a parallel sequential scan of every person for a
    # chunk of 20,000: 744 ms at 2 M persons, bench/results/register_explain_2m.md). The
    # persons found are sorted by id before their status is looked up, so those lookups
    # walk the person_id indexes in order rather than at random.
    members = (
        func.unnest(cast(bindparam("members"), ARRAY(Text)))
        .table_valued("value")
        .render_derived(name="members")
    )
    one = query.where(source.id_value == members.c.value).limit(1).lateral("person")
    found = (
        select(*one.c).select_from(members).join(one, true()).order_by(one.c.id).subquery("found")
    )
    query = select(*found.c).select_from(found)
    return with_status(query, company_id, today, lateral=True, person_id=found.c.id)


def _statuses(
    db: Executor, company_id: int, pids: Iterable[PersonId], today: date, *, by_alias: bool
) -> dict[str, tuple[CurrentRelationship, dict[str, Any]]]:
    groups: dict[tuple[str, str], list[str]] = {}
    for pid in pids:
        groups.setdefault((pid.scheme.value, pid.state), []).append(pid.value)
    found: dict[str, tuple[CurrentRelationship, dict[str, Any]]] = {}
    query = _identity_query(lateral=is_postgres(db), by_alias=by_alias)
    for (scheme, state), values in groups.items():
        prefix = "no:" if scheme == IdScheme.NORWEGIAN.value else f"foreign:{state}:"
        # each identifier once, in index order: the lookups walk the identity index
        for members in chunked(db, sorted(set(values))):
            params = {
                "company_id": company_id,
                "today": today,
                "scheme": scheme,
                "state": state,
                "members": members,
            }
            for row in db.execute(query, params):
                rel, status = split_status(row[1], row[2], tuple(row[3:]))
                if rel is not None:
                    found[prefix + row[0]] = (rel, status)
    return found
