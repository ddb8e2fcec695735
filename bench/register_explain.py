"""``EXPLAIN (ANALYZE, BUFFERS)`` of the register's status, batch and changes queries.

Runs the real register in-process (``create_register_app`` over httpx's ASGI transport)
against a loaded PostgreSQL register (``leveattest register load-synthetic``), records
every SELECT it sends while answering one status, one batch of ``--batch`` persons and
two pages of the changes feed, then explains each distinct statement with the same
parameters. Writes the plans' summaries (statement head, plan, buffers, time) as
markdown. Usage::

    uv run python bench/register_explain.py --db postgresql+psycopg://postgres@127.0.0.1/x \\
        --key var/bench/key/bench-pension-key.private.jwk.json --out bench/results/x.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, make_url, text  # noqa: E402

from leveattest.core.clock import SystemClock  # noqa: E402
from register.api import create_register_app  # noqa: E402
from register.company_client import CompanyClient, load_private_key  # noqa: E402
from register.db.engine import make_engine, make_read_engine  # noqa: E402
from register.keys import RegisterKeys  # noqa: E402
from register.settings import RegisterSettings  # noqa: E402

BASE = "http://register.test/register/v1"
Captured = list[tuple[str, str, Any]]


def _capture(phase: list[str], out: Captured) -> None:
    def before(_conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            out.append((phase[0], statement, params))

    event.listen(Engine, "before_cursor_execute", before)


def _ids(db: Engine, count: int) -> list[str]:
    with db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.id_value FROM persons p JOIN pension_relationships r "
                "ON r.person_id = p.id ORDER BY r.id LIMIT :n"
            ),
            {"n": count},
        )
        return [row[0] for row in rows]


async def _drive(url: str, key: Path, ids: list[str], phase: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = RegisterSettings(
            database_url=url,
            base_url=BASE,
            signing_keys_path=Path(tmp) / "keys.json",
            accept_synthetic_ids=True,
            changes_page_max=10_000,
        )
        app = create_register_app(settings, SystemClock(), keys=RegisterKeys.generate())
        transport = httpx.ASGITransport(app=app)
        company = CompanyClient(
            BASE, "bench-pension", load_private_key(key), transport=transport, timeout=300.0
        )
        async with company:
            await company.token("register.read")
            phase[0] = "status"
            await company.status({"national_id": ids[len(ids) // 2]})
            phase[0] = "batch"
            await company.batch([{"national_id": value} for value in ids])
            phase[0] = "changes"
            page = await company.changes(limit=10_000)
            await company.changes(since=page["next_cursor"], limit=10_000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if make_url(args.db).host not in {"127.0.0.1", "localhost"}:
        raise SystemExit("local PostgreSQL only")
    # the register's read engine: its session settings (JIT off) are the ones explained
    db = make_read_engine(make_engine(args.db))
    ids = _ids(db, args.batch)
    phase, captured = ["token"], []
    _capture(phase, captured)
    asyncio.run(_drive(args.db, args.key, ids, phase))
    phase[0] = "done"  # what this script reads itself is not explained
    return _explain(db, captured, args)


def _explain(db: Engine, captured: Captured, args: argparse.Namespace) -> int:
    with db.connect() as conn:
        persons = conn.scalar(text("SELECT count(*) FROM persons"))
        size = conn.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    lines = [
        f"# EXPLAIN (ANALYZE, BUFFERS): register at {persons:,} persons ({size})",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `bench/register_explain.py`, load average "
        f"{' / '.join(f'{v:.1f}' for v in os.getloadavg())} (a shared, busy 2-core machine: "
        "times are from a loaded box; the plans and buffer counts are what to read). Every "
        "SELECT the real register sent for one status, one batch of "
        f"{args.batch:,} persons and two pages of 10,000 changes, each explained once with "
        "its own parameters.",
        "",
    ]
    seen: set[tuple[str, str]] = set()
    for phase, statement, params in captured:
        if phase in {"token", "done"} or (phase, statement) in seen:
            continue
        seen.add((phase, statement))
        with db.connect() as conn:
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
            conn.rollback()
        head = " ".join(statement.split())
        head = head if len(head) <= 400 else head[:400] + " …"
        lines += [f"## {phase}", "", "```sql", head, "```", "", "```"]
        lines += [row[0] for row in plan]
        lines += ["```", ""]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
