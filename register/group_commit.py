"""Group commit for the disclosure log: the entries of many requests in one transaction.

The log must be complete: a request's disclosures are durable before its answer leaves.
Appending them request by request makes every request queue for the chain head (row
lock, insert, update, commit with its WAL flush). Instead a request hands its entries
to ``DisclosureWriter.append`` and waits. The first waiting thread to get the writer
lock is the *leader*: it takes everything queued, appends it under one head lock in one
transaction, commits, and then releases every ticket in the group with its sequence
numbers — or with the failure, so no answer whose disclosure is not durable is sent.
Threads that queued meanwhile form the next group (leader/follower; no background
thread, nothing to start or stop).

Never call ``append`` inside an open unit of work: the leader needs a transaction of its
own (on SQLite the process runs one at a time).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from register.disclosure import Disclosure, append_disclosures
from register.disclosure_pg import pipelined_appender
from register.errors import DisclosureLogUnavailableError

UnitOfWork = Callable[[], AbstractContextManager[Session]]


class _Ticket:
    __slots__ = ("done", "failed", "items", "seqs")

    def __init__(self, items: Sequence[Disclosure]) -> None:
        self.items = items
        self.seqs: list[int] = []
        self.done = False
        self.failed: BaseException | None = None


class DisclosureWriter:
    """Appends disclosures of concurrent requests in shared transactions."""

    def __init__(self, unit_of_work: UnitOfWork, clock: Clock, engine: Engine, secret: str) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._secret = secret  # keys each entry's subject lookup (register.disclosure)
        # PostgreSQL: a kept connection, two round trips per group (register.disclosure_pg)
        postgres = engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        self._pipelined = pipelined_appender(engine) if postgres else None
        self._queue: list[_Ticket] = []
        self._queue_lock = threading.Lock()
        self._writer = threading.Lock()
        self.groups = 0  # transactions written (for tests and benchmarks)

    def append(self, items: Sequence[Disclosure]) -> list[int]:
        """Block until ``items`` are committed to the log; return their seqs in order.

        Raises ``DisclosureLogUnavailableError`` when the group's transaction failed.
        """
        if not items:
            return []
        ticket = _Ticket(items)
        with self._queue_lock:
            self._queue.append(ticket)
        with self._writer:
            if not ticket.done:  # nobody took it: lead a group
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._write(group)
        if ticket.failed is not None:
            raise DisclosureLogUnavailableError from ticket.failed
        return ticket.seqs

    def _write(self, group: list[_Ticket]) -> None:
        entries = [item for ticket in group for item in ticket.items]
        try:
            seqs = self._append(entries)
        except Exception as exc:  # noqa: BLE001 (every waiter learns it, the leader too)
            for ticket in group:
                ticket.failed, ticket.done = exc, True
            return
        self.groups += 1
        start = 0
        for ticket in group:
            ticket.seqs = seqs[start : start + len(ticket.items)]
            start += len(ticket.items)
            ticket.done = True

    def _append(self, entries: list[Disclosure]) -> list[int]:
        if self._pipelined is not None:
            return self._pipelined.append(self._clock, entries, self._secret)
        with self._unit_of_work() as session:
            return append_disclosures(session, self._clock, entries, self._secret)
