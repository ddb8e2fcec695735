"""Benchmark: the disclosure log's Merkle tree for one access report (issue 15). Not a test.

A register whose disclosure log holds ``--entries`` entries (SQLite in a temporary folder,
or ``--postgres URL`` for an empty database you give it), appended as the register appends
them (``register.disclosure.append_disclosures``). For a person with ``--paths``
disclosures spread over the log, measures (CPU and wall, median of ``--repeat``):

* **whole**: every entry's hash read and one tree built over them (what a report did until
  2026-12-02, minus its per-path rebuild);
* **tiles, cold**: ``register.log_tree.LogTree`` on a log with no tiles yet (it makes and
  stores every complete tile: the first report after a load);
* **tiles, warm**: the same once the tiles are stored (every later report; a log that grew
  since makes only the new tiles).

Usage::

    uv run --frozen python bench/access_report_tree.py [--entries 1000000] [--paths 12]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from leveattest.core.clock import FixedClock
from leveattest.persistence import make_engine
from register.db.migrate import upgrade
from register.db.models import DisclosureEntry, DisclosureTreeTile, Head
from register.disclosure import Disclosure, append_disclosures
from register.heads import DISCLOSURE_LOG
from register.log_tree import LogTree
from register.merkle import MerkleTree, leaf_hash


def _fill(engine: Engine, entries: int) -> str:
    """``entries`` real entries, appended as the register appends them (hash chain, head
    row, keyed subjects); returns the chain head's hash."""
    clock = FixedClock(datetime(2026, 12, 2, tzinfo=UTC))
    for start in range(0, entries, 50_000):
        items = [
            Disclosure("bench-pension", "status", f"no:NOR:{i:011d}", "0" * 64)
            for i in range(start, min(start + 50_000, entries))
        ]
        with Session(engine) as session, session.begin():
            append_disclosures(session, clock, items, "bench-secret")
    with engine.connect() as conn:
        head = conn.execute(select(Head.last_hash).where(Head.name == DISCLOSURE_LOG))
        return str(head.scalar_one())


def _whole(engine: Engine, size: int, indices: list[int]) -> bytes:
    with Session(engine) as session:
        hashes = session.scalars(
            select(DisclosureEntry.entry_hash)
            .where(DisclosureEntry.seq <= size)
            .order_by(DisclosureEntry.seq)
        ).all()
        tree = MerkleTree([leaf_hash(h) for h in hashes])
        for index in indices:
            tree.path(index)
        return tree.root


def _tiled(engine: Engine, size: int, head: str, indices: list[int]) -> bytes:
    with Session(engine) as session, session.begin():
        tree = LogTree(session, size, head)
        root = tree.root()
        for index in indices:
            tree.path(index)
        tree.save()
        return root


def _timed(work: Callable[[], bytes]) -> tuple[float, float, bytes]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--paths", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="", help="URL of an empty database to use")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-access-tree-"))
    url = args.postgres or f"sqlite:///{folder / 'register.db'}"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    head = _fill(engine, args.entries)
    took = time.perf_counter() - started
    print(f"{args.entries:,} entries inserted in {took:.1f} s ({url.split(':')[0]})")
    size = args.entries
    step = max(1, size // args.paths)
    indices = [min(size - 1, i * step + 7) for i in range(args.paths)]
    rows: list[tuple[str, list[tuple[float, float]]]] = []
    whole = [_timed(lambda: _whole(engine, size, indices)) for _ in range(args.repeat)]
    cold: list[tuple[float, float, bytes]] = []
    for _ in range(args.repeat):
        with engine.begin() as conn:
            conn.execute(delete(DisclosureTreeTile))
        cold.append(_timed(lambda: _tiled(engine, size, head, indices)))
    warm = [_timed(lambda: _tiled(engine, size, head, indices)) for _ in range(args.repeat)]
    roots = {out for _, _, out in whole + cold + warm}
    assert len(roots) == 1, "the tiled tree's root differs from the whole tree's"
    with engine.connect() as conn:
        tiles = conn.execute(select(func.count()).select_from(DisclosureTreeTile)).scalar_one()
    for label, runs in (
        ("whole log read", whole),
        ("tiles, cold (making them)", cold),
        ("tiles, warm", warm),
    ):
        rows.append((label, [(w, c) for w, c, _ in runs]))
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cpu_name = platform.processor() or platform.machine()
    print(
        f"\n{when}; {cpu_name}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"{size:,} entries, {args.paths} audit paths + the chain head's; {tiles:,} tiles "
        f"stored; median of {args.repeat}\n"
    )
    print("| tree for one report | wall s | CPU s |")
    print("|---|---:|---:|")
    for label, runs in rows:
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"| {label} | {wall:.3f} | {cpu:.3f} |")
    engine.dispose()


if __name__ == "__main__":
    main()
