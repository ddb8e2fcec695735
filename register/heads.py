"""Locked counters: change-event ids and the disclosure chain head.

``SELECT ... FOR UPDATE`` on PostgreSQL (SQLite serialises with BEGIN IMMEDIATE), held
until the caller commits, so ids are allocated in commit order.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from register.db.models import Head

CHANGE_EVENTS = "change_events"
DISCLOSURE_LOG = "disclosure_log"
GENESIS_HASH = "0" * 64
HEAD_ROWS: tuple[tuple[str, int, str | None], ...] = (
    (CHANGE_EVENTS, 0, None),
    (DISCLOSURE_LOG, 0, GENESIS_HASH),
)


def lock_head(session: Session, name: str) -> Head:
    return session.scalars(select(Head).where(Head.name == name).with_for_update()).one()


def lock_head_values(connection: Connection, name: str) -> tuple[int, str | None]:
    """``lock_head`` without an ORM object: the locked ``(last_id, last_hash)``."""
    row = connection.execute(
        select(Head.last_id, Head.last_hash).where(Head.name == name).with_for_update()
    ).one()
    return int(row[0]), row[1]


def set_head_values(connection: Connection, name: str, last_id: int, last_hash: str) -> None:
    connection.execute(
        update(Head).where(Head.name == name).values(last_id=last_id, last_hash=last_hash)
    )
