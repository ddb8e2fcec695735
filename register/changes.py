"""The changes feed: one signed page of events about persons the company currently pays.

One statement reads the page with each person's status (``register.status_sql``); each
item's canonical JSON is built once, hashed for its disclosure-log entry and spliced
into the signed page, so the page is never re-serialised as a whole.
"""

from __future__ import annotations

from functools import cache
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, select
from sqlalchemy.orm import aliased

from register.auth import AccessContext
from register.cursor import decode_cursor, encode_cursor
from register.db.models import ChangeEvent, Head, Person, PersonAlias, Relationship
from register.disclosure import Disclosure
from register.errors import RegisterInputError
from register.heads import CHANGE_EVENTS
from register.identity import IdScheme
from register.keys import canonical_json
from register.queries import envelope, require_active, sha256_hex
from register.settings import register_keyring
from register.state import RegisterState
from register.status_sql import split_status, with_status
from register.statuses import is_postgres

CHANGES_TYP = "changes+jws"
_ALIAS = 4  # the relationship's alias_id among the status columns (register.status_sql)


def _aliases(connection: Connection, rows: Any) -> dict[int, tuple[str, str, str]]:
    """The document aliases the page's relationships name persons by (usually none)."""
    ids = sorted({row[8 + _ALIAS] for row in rows if row[8 + _ALIAS] is not None})
    if not ids:
        return {}
    found = connection.execute(
        select(
            PersonAlias.id, PersonAlias.id_scheme, PersonAlias.id_state, PersonAlias.id_value
        ).where(PersonAlias.id.in_(ids))
    )
    return {row[0]: (row[1], row[2], row[3]) for row in found}


def changes_statement(
    state: RegisterState, ctx: AccessContext, since: str | None, limit: int | None
) -> str:
    """One signed page of the changes feed, for persons under a current relationship."""
    clock, settings, keys = state.clock, state.settings, state.keys
    secret = register_keyring(settings)
    after = decode_cursor(secret, ctx.company_id, since) if since else 0
    size = settings.changes_page_default if limit is None else limit
    if not 1 <= size <= settings.changes_page_max:
        raise RegisterInputError(reason="limit")
    today = clock.today()

    def read(connection: Connection) -> tuple[list[Any], int, dict[int, tuple[str, str, str]]]:
        require_active(connection, ctx)
        # the counter first: every event up to it is committed (ids follow commit order)
        head_id = connection.execute(
            select(Head.last_id).where(Head.name == CHANGE_EVENTS)
        ).scalar_one()
        rows = connection.execute(
            _page_query(lateral=is_postgres(connection)),
            {
                "company_id": ctx.company_id,
                "today": today,
                "after": after,
                "head": head_id,
                "limit": size + 1,
            },
        ).all()
        return list(rows), head_id, _aliases(connection, rows)

    rows, head_id, aliases = state.run_read(read)
    has_more = len(rows) > size
    page = rows[:size]
    items: list[bytes] = []
    disclosures: list[Disclosure] = []
    for event_id, kind, at, person_id, own_scheme, own_state, own_value, objected_at, *tail in page:
        # the identifier the company knows the person by: their own, or a document alias
        scheme, id_state, id_value = (
            (own_scheme, own_state, own_value) if tail[_ALIAS] is None else aliases[tail[_ALIAS]]
        )
        if scheme == IdScheme.NORWEGIAN.value:
            ref, person = f"no:{id_value}", {"national_id": id_value}
        else:
            ref = f"foreign:{id_state}:{id_value}"
            person = {"foreign_id": id_value, "issuing_state": id_state}
        rel, status = split_status(person_id, objected_at, tuple(tail))
        item = item_json(event_id, kind, at.isoformat(), person, status)
        items.append(item)
        rel_id = rel.id if rel is not None else None
        disclosures.append(Disclosure(ctx.client_id, "changes", ref, sha256_hex(item), rel_id))
    last = page[-1][0] if page else after
    next_after = last if has_more else max(last, head_id)
    head = {
        **envelope(settings, ctx, clock.now()),
        "has_more": has_more,
        "next_cursor": encode_cursor(secret, ctx.company_id, next_after),
    }
    signed = keys.sign(page_payload(head, items), typ=CHANGES_TYP)
    state.disclosures.append(disclosures)
    return signed


@cache
def _page_query(*, lateral: bool) -> Any:
    """The page's statement, built once per dialect (every value is a bound parameter:
    py-spy showed building it per request at ~5 % of a page's time)."""
    events_of = aliased(Relationship)
    visible = exists().where(
        and_(
            events_of.person_id == ChangeEvent.person_id,
            events_of.company_id == bindparam("company_id"),
            events_of.valid_to >= bindparam("today"),
            events_of.valid_from <= ChangeEvent.created_at,
        )
    )
    query = (
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
        .select_from(ChangeEvent)
        .join(Person, Person.id == ChangeEvent.person_id)
        .where(ChangeEvent.id > bindparam("after"), ChangeEvent.id <= bindparam("head"), visible)
        .order_by(ChangeEvent.id)
        .limit(bindparam("limit"))
    )
    return with_status(query, bindparam("company_id"), bindparam("today"), lateral=lateral)


def item_json(
    event_id: int, kind: str, at: str, person: dict[str, str], status: dict[str, Any]
) -> bytes:
    """``canonical_json`` of a changes item, written directly (keys in sorted order)."""
    return b'{"at":%s,"event_id":%d,"kind":%s,"person":%s,"status":%s}' % (
        encode_basestring(at).encode(),
        int(event_id),
        encode_basestring(kind).encode(),
        canonical_json(person),
        canonical_json(status),
    )


def page_payload(head: dict[str, Any], items: list[bytes]) -> bytes:
    """``canonical_json({**head, "items": [...]})`` from the items' canonical bytes.

    ``"items":[]`` occurs once in the skeleton: inside a JSON string every quote is
    escaped, so no value can contain it.
    """
    skeleton = canonical_json({**head, "items": []})
    before, marker, rest = skeleton.partition(b'"items":[]')
    if not marker:
        raise ValueError("page skeleton without items")
    return before + b'"items":[' + b",".join(items) + b"]" + rest
