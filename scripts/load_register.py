"""Load a register of N synthetic persons for benchmarks (bulk inserts, not the API).

Every person gets a valid *synthetic* Norwegian number (Skatteetaten's synthetic series,
month + 80, from ``make_norwegian_id``; never a real person's number), a made-up name and
birth date. Most have one or two certificates (each with its change event; the register
keeps the last), some an open yearly request; a demo company (``--client-id``) has a
current pension relationship with the first ``--related`` share of them and a fresh key
pair whose private half is written to ``--key-out``. PostgreSQL is loaded with ``COPY``
(psycopg), SQLite with ``executemany`` in large transactions. The schema is migrated
first; the tables must be empty (use a fresh database).

Usage::

    uv run python scripts/load_register.py --db postgresql+psycopg://postgres@127.0.0.1/x \\
        --persons 1000000 --key-out var/bench-company
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select, text  # noqa: E402

from leveattest.core.clock import SystemClock  # noqa: E402
from leveattest.mrz.national import make_norwegian_id  # noqa: E402
from register.companies import add_company_key, register_company  # noqa: E402
from register.company_client import generate_company_key, save_private_key  # noqa: E402
from register.db.engine import make_engine, make_session_factory  # noqa: E402
from register.db.migrate import upgrade  # noqa: E402
from register.db.models import Head, Person  # noqa: E402
from register.heads import CHANGE_EVENTS, DISCLOSURE_LOG, GENESIS_HASH  # noqa: E402

FIRST = ("Kari", "Ola", "Ingrid", "Per", "Astrid", "Knut", "Solveig", "Arne", "Liv", "Nils")
LAST = ("Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen", "Dahl")
FIRST_BIRTH, BIRTH_DAYS = date(1936, 1, 1), 7305  # 1936-1955: everyone is of pension age
CHUNK = 50_000

Row = tuple[Any, ...]


def synthetic_ids(count: int) -> Iterator[tuple[str, date]]:
    """``count`` distinct synthetic fødselsnummer with their birth dates (deterministic)."""
    made = 0
    for individual in range(500):  # 000-499: the 1900-1999 series
        for offset in range(BIRTH_DAYS):
            birth = FIRST_BIRTH + timedelta(days=offset)
            try:
                value = make_norwegian_id(birth, individual, kind="synthetic")
            except ValueError:
                continue  # control digit 10: unusable on that day
            yield value, birth
            made += 1
            if made == count:
                return
    raise ValueError("more persons than the synthetic number space configured here")


class Tables:
    """Rows for each table, produced in chunks so 1M persons never sit in memory at once."""

    def __init__(self, persons: int, related: int, company_id: int, now: datetime) -> None:
        self.persons, self.related, self.company_id, self.now = persons, related, company_id, now
        self.rng = random.Random(20261122)
        self.cert_id = self.event_id = self.request_id = self.rel_id = 0
        self.events: list[Row] = []

    def chunk(self, start: int, ids: Sequence[tuple[str, date]]) -> dict[str, list[Row]]:
        rng, now = self.rng, self.now
        out: dict[str, list[Row]] = {
            "persons": [],
            "certificates": [],
            "certificate_requests": [],
            "pension_relationships": [],
            "change_events": [],
        }
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
            for index, at in enumerate(certified):
                self.events.append((pid, "certificate", at))
                if index < len(certified) - 1:
                    continue  # the register keeps only the last certificate
                self.cert_id += 1
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
                out["pension_relationships"].append(
                    (
                        self.rel_id,
                        self.company_id,
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

    def change_events(self) -> Iterator[list[Row]]:
        """Change events in time order (ids follow commit order in a live register)."""
        self.events.sort(key=lambda event: event[2])
        for start in range(0, len(self.events), CHUNK):
            rows = []
            for offset, (pid, kind, at) in enumerate(self.events[start : start + CHUNK]):
                rows.append((start + offset + 1, pid, kind, at))
            yield rows
        self.event_id = len(self.events)


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


def _sqlite_value(value: Any) -> Any:
    # the storage format of SQLAlchemy's SQLite DateTime/Date (UTC stored naive)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class Writer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.raw = engine.raw_connection()
        self.dialect = engine.dialect.name
        self.rows = 0

    def write(self, table: str, rows: list[Row]) -> None:
        if not rows:
            return
        columns = COLUMNS[table]
        cursor = self.raw.cursor()
        if self.dialect == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns.split(","))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                [tuple(_sqlite_value(v) for v in row) for row in rows],
            )
        cursor.close()
        self.rows += len(rows)

    def begin(self) -> None:
        if self.dialect == "sqlite":
            self.raw.cursor().execute("BEGIN")

    def commit(self) -> None:
        self.raw.commit()


def _prepare(engine: Engine, client_id: str, key_out: Path) -> tuple[int, Path]:
    upgrade(engine)
    sessions = make_session_factory(engine)
    clock = SystemClock()
    with sessions() as session, session.begin():
        if session.scalar(select(func.count()).select_from(Person)):
            raise SystemExit("the register is not empty: load into a fresh database")
        for name in (CHANGE_EVENTS, DISCLOSURE_LOG):
            if session.get(Head, name) is None:
                last_hash = GENESIS_HASH if name == DISCLOSURE_LOG else None
                session.add(Head(name=name, last_id=0, last_hash=last_hash))
        company = register_company(session, clock, client_id=client_id, name="Bench Pensjon AS")
        key = generate_company_key(f"{client_id}-key")
        add_company_key(session, clock, company, key.as_dict(private=False))
        company_id = company.id
    path = key_out / f"{key.kid}.private.jwk.json"
    save_private_key(key, path)
    return company_id, path


def load(url: str, persons: int, related: int, client_id: str, key_out: Path) -> dict[str, Any]:
    engine = make_engine(url)
    started = time.perf_counter()
    company_id, key_path = _prepare(engine, client_id, key_out)
    tables = Tables(persons, related, company_id, datetime.now(UTC))
    writer = Writer(engine)
    try:
        if writer.dialect == "sqlite":
            writer.raw.cursor().execute(
                "PRAGMA foreign_keys=OFF"
            )  # ids are consistent by construction
        ids = synthetic_ids(persons)
        start = 0
        writer.begin()
        while start < persons:
            batch = [next(ids) for _ in range(min(CHUNK, persons - start))]
            for table, rows in tables.chunk(start, batch).items():
                writer.write(table, rows)
            start += len(batch)
            if start % 200_000 == 0 or start == persons:
                writer.commit()
                writer.begin()
                print(f"  {start:>9,} persons  {time.perf_counter() - started:6.1f} s", flush=True)
        for rows in tables.change_events():
            writer.write("change_events", rows)
        writer.commit()
    finally:
        writer.raw.close()
    _finish(engine, tables)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {
        "persons": persons,
        "related": related,
        "certificates": tables.cert_id,
        "requests": tables.request_id,
        "change_events": tables.event_id,
        "rows": writer.rows,
        "seconds": round(elapsed, 1),
        "key": str(key_path),
    }


def _finish(engine: Engine, tables: Tables) -> None:
    """Counters and sequences after explicit ids; fresh planner statistics."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE register_heads SET last_id = :n WHERE name = :name"),
            {"n": tables.event_id, "name": CHANGE_EVENTS},
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
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty register")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument(
        "--related", type=float, default=0.8, help="share of persons the company pays (0-1)"
    )
    parser.add_argument("--client-id", default="bench-pension")
    parser.add_argument("--key-out", type=Path, default=Path("var/bench-company"))
    args = parser.parse_args(argv)
    related = int(args.persons * args.related)
    summary = load(args.db, args.persons, related, args.client_id, args.key_out)
    rate = summary["rows"] / max(summary["seconds"], 0.001)
    print(
        f"loaded {summary['persons']:,} persons ({summary['related']:,} related, "
        f"{summary['certificates']:,} certificates, {summary['change_events']:,} change events, "
        f"{summary['rows']:,} rows) in {summary['seconds']} s ({rate:,.0f} rows/s) "
        f"into {args.db.split('://')[0]}; company key: {summary['key']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
