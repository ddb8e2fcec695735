"""Load a register of N synthetic persons for benchmarks (bulk inserts, not the API).

``leveattest register load-synthetic`` runs it. Every person gets a valid *synthetic*
Norwegian number (Skatteetaten's synthetic series, month + 80, from ``make_norwegian_id``;
never a real person's number — the register only accepts them with
``accept_synthetic_ids``), a made-up name and birth date. Most have one or two
certificates (each with its change event; the register keeps the last), some an open
yearly request. ``companies`` pension companies (the first is ``client_id``, the others
``client_id-2`` ...) each get a fresh key pair, whose private half is written to
``key_out``; the first ``related`` persons have a current pension relationship, dealt out
round-robin over the companies. The disclosure log is empty (its head at the genesis
hash), as in a register nobody has asked yet.

PostgreSQL is loaded with ``COPY`` (psycopg), SQLite with ``executemany``, one
transaction per batch of persons. The schema is migrated first; a register that already
has persons or companies is refused (``register_not_empty``): load into a fresh database.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from leveattest.core.clock import SystemClock
from leveattest.mrz.national import make_norwegian_id
from register.companies import add_company_key, register_company
from register.company_client import generate_company_key, save_private_key
from register.db.engine import make_session_factory
from register.db.migrate import upgrade
from register.db.models import Company, Head, Person
from register.errors import RegisterError
from register.heads import CHANGE_EVENTS, DISCLOSURE_LOG, GENESIS_HASH

FIRST = ("Kari", "Ola", "Ingrid", "Per", "Astrid", "Knut", "Solveig", "Arne", "Liv", "Nils")
LAST = ("Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen", "Dahl")
DEFAULT_BATCH = 50_000
# (first birth date, last birth date, individual numbers): walked in this order, so the
# first ~3 M persons are born 1936-1955 (all of pension age); larger registers use the
# other series the classic rules allow (900-999 from 1940, 000-499 back to 1900, 500-749
# for 1854-1899) — about 12 M numbers in all
SERIES: tuple[tuple[date, date, range], ...] = (
    (date(1936, 1, 1), date(1955, 12, 31), range(0, 500)),
    (date(1940, 1, 1), date(1955, 12, 31), range(900, 1000)),
    (date(1900, 1, 1), date(1935, 12, 31), range(0, 500)),
    (date(1854, 1, 1), date(1899, 12, 31), range(500, 750)),
)

Row = tuple[Any, ...]
Progress = Callable[[int, int, float], None]


class RegisterNotEmptyError(RegisterError):
    """The register already holds persons or companies: load into a fresh database."""

    code = "register_not_empty"
    http_status = 409


class SyntheticIdsRefusedError(RegisterError):
    """This register does not accept synthetic identity numbers (accept_synthetic_ids is off)."""

    code = "register_synthetic_ids_refused"
    http_status = 409


class SyntheticSpaceExhaustedError(RegisterError):
    """More persons than there are synthetic numbers in the series used here."""

    code = "register_synthetic_space_exhausted"
    http_status = 422


def synthetic_ids(count: int) -> Iterator[tuple[str, date]]:
    """``count`` distinct synthetic fødselsnummer with their birth dates (deterministic)."""
    made = 0
    if count <= 0:
        return
    for first, last, individuals in SERIES:
        days = (last - first).days + 1
        for individual in individuals:
            for offset in range(days):
                birth = first + timedelta(days=offset)
                try:
                    value = make_norwegian_id(birth, individual, kind="synthetic")
                except ValueError:
                    continue  # control digit 10: unusable on that day
                yield value, birth
                made += 1
                if made == count:
                    return
    raise SyntheticSpaceExhaustedError(persons=count, available=made)


COLUMNS = {
    "persons": (
        "id, id_scheme, id_state, id_value, id_kind, full_name, birth_date, created_at, "
        "updated_at, objected_at"
    ),
    "certificates": (
        "id, person_id, certified_at, document_type, issuing_state, method, session_reference, "
        "recorded_at"
    ),
    "certificate_requests": (
        "id, person_id, company_id, schedule, created_at, deadline, reminders_sent"
    ),
    "pension_relationships": (
        "id, company_id, person_id, agreement_reference, evidence_sha256, "
        "latest_payment_period, valid_from, valid_to, created_at, updated_at"
    ),
    "change_events": "id, person_id, kind, created_at",
}


class Tables:
    """Rows for each table, produced a batch at a time (10 M persons never sit in memory)."""

    def __init__(self, related: int, company_ids: Sequence[int], now: datetime) -> None:
        self.related, self.company_ids, self.now = related, tuple(company_ids), now
        self.rng = random.Random(20261122)  # noqa: S311 (made-up data, reproducible)
        self.cert_id = self.request_id = self.rel_id = 0
        # (person, kind, time) of every change event; written last, in time order
        self.events: list[tuple[int, str, datetime]] = []

    def chunk(self, start: int, ids: Sequence[tuple[str, date]]) -> dict[str, list[Row]]:
        rng, now = self.rng, self.now
        out: dict[str, list[Row]] = {table: [] for table in COLUMNS if table != "change_events"}
        valid_from = now - timedelta(days=730)
        valid_to = (now + timedelta(days=120)).date()
        for offset, (value, birth) in enumerate(ids):
            pid = start + offset + 1
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            created = now - timedelta(days=600, seconds=pid)
            out["persons"].append(
                (pid, "no", "NOR", value, "synthetic", name, birth, created, created, None)
            )
            draw = rng.random()
            certified = []
            if draw < 0.9:
                certified.append(now - timedelta(days=rng.randrange(1, 365)))
                if draw < 0.45:
                    certified.insert(0, certified[0] - timedelta(days=365))
            for at in certified:
                self.events.append((pid, "certificate", at))
            if certified:  # the register keeps only the last certificate
                self.cert_id += 1
                at = certified[-1]
                out["certificates"].append(
                    (
                        self.cert_id,
                        pid,
                        at,
                        "P",
                        "NOR",
                        "chip_face_liveness",
                        f"bench-session-{self.cert_id}",
                        at,
                    )
                )
            if draw > 0.95:
                self.request_id += 1
                asked = now - timedelta(days=rng.randrange(1, 50))
                out["certificate_requests"].append(
                    (self.request_id, pid, None, "yearly", asked, (asked + timedelta(60)).date(), 0)
                )
                self.events.append((pid, "request", asked))
            if pid <= self.related:
                self.rel_id += 1
                evidence = hashlib.sha256(f"bench-statement-{pid}".encode()).hexdigest()
                company = self.company_ids[(pid - 1) % len(self.company_ids)]
                out["pension_relationships"].append(
                    (
                        self.rel_id,
                        company,
                        pid,
                        f"AGR-{pid}",
                        evidence,
                        f"{now.year:04d}-{now.month:02d}",
                        valid_from,
                        valid_to,
                        valid_from,
                        valid_from,
                    )
                )
        return out

    def change_events(self, batch: int) -> Iterator[list[Row]]:
        """Change events in time order (ids follow commit order in a live register)."""
        self.events.sort(key=lambda event: event[2])
        for start in range(0, len(self.events), batch):
            yield [
                (start + offset + 1, pid, kind, at)
                for offset, (pid, kind, at) in enumerate(self.events[start : start + batch])
            ]


def _sqlite_value(value: Any) -> Any:
    # the storage format of SQLAlchemy's SQLite DateTime/Date (UTC stored naive)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Writer:
    """Bulk rows over one raw DBAPI connection: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.raw = engine.raw_connection()
        self.dialect = engine.dialect.name
        self.rows = 0
        if self.dialect == "sqlite":
            cursor = self.raw.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")  # ids are consistent by construction
            cursor.close()

    def write(self, table: str, rows: list[Row]) -> None:
        if not rows:
            return
        columns = COLUMNS[table]
        cursor = self.raw.cursor()
        try:
            if self.dialect == "postgresql":
                statement = f"COPY {table} ({columns}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns.split(","))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 (our names)
                    [tuple(_sqlite_value(v) for v in row) for row in rows],
                )
        finally:
            cursor.close()
        self.rows += len(rows)

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        self.raw.close()


@dataclass(frozen=True, slots=True)
class LoadSummary:
    persons: int
    related: int
    companies: int
    certificates: int
    requests: int
    change_events: int
    rows: int
    seconds: float
    key_files: tuple[Path, ...]


def _prepare(
    engine: Engine, client_id: str, companies: int, key_out: Path
) -> tuple[list[int], list[Path]]:
    """Migrate, refuse a non-empty register, seed the heads and the companies with keys."""
    upgrade(engine)
    clock = SystemClock()
    ids: list[int] = []
    keys = []
    with make_session_factory(engine)() as session, session.begin():
        has_persons = session.scalar(select(func.count()).select_from(Person))
        has_companies = session.scalar(select(func.count()).select_from(Company))
        if has_persons or has_companies:
            raise RegisterNotEmptyError(persons=has_persons or 0, companies=has_companies or 0)
        for name in (CHANGE_EVENTS, DISCLOSURE_LOG):
            if session.get(Head, name) is None:
                last_hash = GENESIS_HASH if name == DISCLOSURE_LOG else None
                session.add(Head(name=name, last_id=0, last_hash=last_hash))
        for index in range(companies):
            cid = client_id if index == 0 else f"{client_id}-{index + 1}"
            company = register_company(
                session, clock, client_id=cid, name=f"Bench Pensjon {index + 1} AS"
            )
            key = generate_company_key(f"{cid}-key")
            add_company_key(session, clock, company, key.as_dict(private=False))
            session.flush()
            ids.append(company.id)
            keys.append(key)
    paths = []
    for key in keys:
        path = key_out / f"{key.kid}.private.jwk.json"
        save_private_key(key, path)
        paths.append(path)
    return ids, paths


def load_synthetic(
    engine: Engine,
    *,
    persons: int,
    related: int,
    companies: int = 1,
    client_id: str = "bench-pension",
    key_out: Path = Path("var/bench-company"),
    batch: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> LoadSummary:
    """Load ``persons`` synthetic persons into the empty register behind ``engine``.

    ``progress(done, total, seconds)`` is called after each committed batch of persons.
    """
    if persons < 1 or companies < 1 or batch < 1 or not 0 <= related <= persons:
        raise ValueError("persons, companies and batch must be positive; 0 <= related <= persons")
    started = time.perf_counter()
    company_ids, key_paths = _prepare(engine, client_id, companies, key_out)
    tables = Tables(related, company_ids, datetime.now(UTC))
    writer = _Writer(engine)
    try:
        ids = synthetic_ids(persons)
        done = 0
        while done < persons:
            chunk = [next(ids) for _ in range(min(batch, persons - done))]
            for table, rows in tables.chunk(done, chunk).items():
                writer.write(table, rows)
            writer.commit()
            done += len(chunk)
            if progress is not None:
                progress(done, persons, time.perf_counter() - started)
        for rows in tables.change_events(batch):
            writer.write("change_events", rows)
            writer.commit()
    finally:
        writer.close()
    _finish(engine, len(tables.events))
    return LoadSummary(
        persons=persons,
        related=related,
        companies=companies,
        certificates=tables.cert_id,
        requests=tables.request_id,
        change_events=len(tables.events),
        rows=writer.rows,
        seconds=round(time.perf_counter() - started, 1),
        key_files=tuple(key_paths),
    )


def _finish(engine: Engine, events: int) -> None:
    """Counters and sequences after explicit ids; fresh planner statistics."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE register_heads SET last_id = :n WHERE name = :name"),
            {"n": events, "name": CHANGE_EVENTS},
        )
        if engine.dialect.name == "postgresql":
            for table in (
                "persons",
                "certificates",
                "certificate_requests",
                "pension_relationships",
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
