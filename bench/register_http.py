"""Benchmark: the register API over HTTP (issue 6, performance). Not a timed test.

For each database (SQLite and/or PostgreSQL) it

1. loads a register with ``leveattest register load-synthetic`` (skipped with ``--reuse`` when the
   data from an earlier run is there);
2. starts the real server — uvicorn on 127.0.0.1 and a free port, with one worker
   process and then with each ``--workers`` count (``register.api:
   create_register_app_from_environment``, settings from the environment);
3. runs ``bench/register_loadgen.py`` in a separate process: single status lookups at
   ``--rate`` for ``--duration`` seconds (token fetched once, validated per request);
4. asks for the status of 100,000 persons in one batch request;
5. pages through the changes feed (``limit=10000``) until 1,000,000 events are read
   (4 and 5 with the first worker count only: one client's requests are sequential);
6. on PostgreSQL, in the same run: a bare baseline (``bench/bare_register.py``: the lookup
   only, no token, signature or disclosure entry) served with the same uvicorn settings
   and driven by the same load generator, before each of our servers (``--max-rate R``
   also drives both at a saturating rate for their throughput); and the batch's rows and
   the feed's events read by plain SQL. Ours is reported as a ratio of each.

Prints a markdown table and writes it to ``bench/results/register_http.md``. Load only ever
goes to 127.0.0.1. Usage::

    uv run python bench/register_http.py --sqlite --postgres [--persons 1000000] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.util
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from sqlalchemy import make_url, select, text  # noqa: E402

from bench.flame import Recorder, summarize  # noqa: E402
from register.api import create_register_app_from_environment  # noqa: E402
from register.company_client import CompanyClient, load_private_key, verify_batch  # noqa: E402
from register.db.engine import make_engine  # noqa: E402
from register.db.models import Person, Relationship  # noqa: E402
from register.keys import RegisterKeys  # noqa: E402

CLIENT_ID = "bench-pension"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/leveattest_register_bench"
RESULTS = ROOT / "bench" / "results" / "register_http.md"
BATCH_SIZE = 100_000
CHANGES_EVENTS = 1_000_000
CHANGES_PAGE = 10_000
WORKER_HEALTHCHECK_SECONDS = 60  # as `leveattest serve`: uvicorn's 5 s killed slow starters
CHANGES_MAX_SECONDS = 60.0  # paging stops here even if fewer events were read


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the server process ---------------------------------------------------------------


def serve(db: str, port: int, keys: Path, workers: int) -> None:
    env = {
        "LEVEATTEST_REGISTER__DATABASE_URL": db,
        "LEVEATTEST_REGISTER__BASE_URL": f"http://127.0.0.1:{port}/register/v1",
        "LEVEATTEST_REGISTER__SIGNING_KEYS_PATH": str(keys),
        "LEVEATTEST_REGISTER__ACCEPT_SYNTHETIC_IDS": "true",
        "LEVEATTEST_REGISTER__CHANGES_PAGE_MAX": str(CHANGES_PAGE),
    }
    os.environ.update(env)
    RegisterKeys.load_or_create(keys)  # once, before the workers start
    # access log off (log level warning): the register logs refusals itself
    if workers == 1:
        app = create_register_app_from_environment()
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
        return
    _run_workers("register.api:create_register_app_from_environment", port, workers)


def serve_bare(db: str, port: int, workers: int) -> None:
    """The bare baseline (``bench/bare_register.py``) with the same uvicorn settings."""
    os.environ["BARE_REGISTER_DATABASE_URL"] = db
    # as many connections as the register runs transactions at once (its default: 4)
    pool = os.environ.get("LEVEATTEST_REGISTER__MAX_CONCURRENT_TRANSACTIONS", "4")
    os.environ["BARE_REGISTER_POOL"] = pool
    _run_workers("bench.bare_register:create_bare_app_from_environment", port, workers)


def _run_workers(factory: str, port: int, workers: int) -> None:
    """uvicorn with the settings both apps share (the comparison depends on it)."""
    uvicorn.run(
        factory,
        factory=True,
        workers=workers,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


class Server:
    def __init__(
        self, db: str, workdir: Path, profile: Path | None, workers: int, bare: bool = False
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/register/v1"
        command = [sys.executable]
        if profile is not None:
            command += ["-m", "cProfile", "-o", str(profile)]
        keys = str(workdir / "register-keys.json")
        if bare:
            command += [__file__, "serve-bare", db, str(self.port), str(workers)]
        else:
            command += [__file__, "serve", db, str(self.port), keys, str(workers)]
        self.process = subprocess.Popen(command, cwd=ROOT)
        deadline = time.monotonic() + 120  # a busy shared machine starts slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz").status_code == 204:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the register server did not start")

    def stop(self) -> None:
        self.process.send_signal(2)  # SIGINT: uvicorn shuts down cleanly (cProfile writes)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- data -----------------------------------------------------------------------------


def _prepare_db(kind: str, url: str, workdir: Path, persons: int, reuse: bool) -> Path:
    key_dir = workdir / "key"
    keys = sorted(key_dir.glob("*.private.jwk.json")) if key_dir.exists() else []
    if reuse and keys:
        return keys[0]
    if kind == "postgresql":
        parsed = make_url(url)
        admin = make_engine(parsed.set(database="postgres").render_as_string(False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    else:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    for old in keys:
        old.unlink()
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from leveattest.cli import main; main()",
            "register",
            "load-synthetic",
            "--persons",
            str(persons),
            "--client-id",
            CLIENT_ID,
            "--key-out",
            str(key_dir),
        ],
        check=True,
        cwd=ROOT,
        env={**os.environ, "LEVEATTEST_REGISTER__DATABASE_URL": url},
    )
    print(f"[{kind}] loaded in {time.perf_counter() - started:.1f} s", flush=True)
    return sorted(key_dir.glob("*.private.jwk.json"))[0]


def _related_ids(url: str, count: int) -> list[str]:
    """National ids of persons the bench company pays (spread over the whole table)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            total = conn.scalar(text("SELECT count(*) FROM pension_relationships")) or 0
            step = max(1, total // count)
            rows = conn.execute(
                select(Person.id_value)
                .join(Relationship, Relationship.person_id == Person.id)
                .where(Relationship.id % step == 0)
                .limit(count)
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


# --- measurements ---------------------------------------------------------------------


@contextlib.contextmanager
def _flame(server: Server, args: argparse.Namespace, phase: str) -> Iterator[None]:
    """py-spy on the server processes during ``phase`` (``--flame LABEL``): the raw stacks
    in the work folder, their summary in ``bench/results/flame_register_<phase>_<LABEL>.md``."""
    if not args.flame:
        yield
        return
    raw = args.workdir / f"flame_{phase}_{args.flame}.txt"
    with Recorder(server.process.pid, raw):
        yield
    out = RESULTS.parent / f"flame_register_{phase}_{args.flame}.md"
    title = f"register {phase} ({args.flame}, {args.persons:,} persons, py-spy on the server)"
    out.write_text(summarize(raw, title), encoding="utf-8")
    print(f"[flame] {out.relative_to(ROOT)}", flush=True)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the server process and its worker processes (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # a process that ended meanwhile
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # itself or a child
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _single(
    server: Server,
    key: Path,
    ids_file: Path,
    args: argparse.Namespace,
    *,
    bare: bool = False,
    rate: float | None = None,
) -> dict[str, Any]:
    cpu_before = _cpu_seconds(server.process.pid)
    who = ["--bare"] if bare else ["--client-id", CLIENT_ID, "--key", str(key)]
    output = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "register_loadgen.py"),
            "--url",
            server.url,
            *who,
            "--ids",
            str(ids_file),
            "--rate",
            str(rate or args.rate),
            "--duration",
            str(args.duration),
            "--connections",
            str(args.connections),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=args.duration + 40,
    )
    result: dict[str, Any] = json.loads(output.stdout)
    answered = result["requests"] + result.get("warmup_requests", 0)
    cpu = _cpu_seconds(server.process.pid) - cpu_before
    result["server_cpu_ms"] = round(cpu * 1000 / answered, 3) if answered else None
    result["loadavg"] = _loadavg()
    return result


def _claims(statement: str) -> dict[str, Any]:
    """The payload of a compact JWS without verifying it (verification is done separately)."""
    payload = statement.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return data


async def _batch_and_changes(
    server: Server, key: Path, ids: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with CompanyClient(server.url, CLIENT_ID, key, timeout=120.0) as company:
        token = await company.token("register.read")
        headers = {"Authorization": f"Bearer {token}"}
        jwks = await company.jwks()
        async with httpx.AsyncClient(base_url=server.url, timeout=120.0, headers=headers) as http:
            body = {"persons": [{"national_id": value} for value in ids[:BATCH_SIZE]]}
            with _flame(server, args, "batch"):
                started = time.perf_counter()
                response = await http.post("/status/batch", json=body)
                content = response.content
                seconds = time.perf_counter() - started
            lines = [line + b"\n" for line in content.split(b"\n") if line]
            records, _ = verify_batch(lines, jwks)
            found = sum(1 for r in records if r.get("result") == "found")
            out["batch"] = {
                "persons": len(body["persons"]),
                "found": found,
                "seconds": round(seconds, 2),
                "status": response.status_code,
                "bytes": len(content),
                "loadavg": _loadavg(),
            }
            events, pages, cursor, worst = 0, 0, None, 0.0
            flame = _flame(server, args, "changes")
            flame.__enter__()
            started = time.perf_counter()
            while events < CHANGES_EVENTS and time.perf_counter() - started < CHANGES_MAX_SECONDS:
                params: dict[str, Any] = {"limit": CHANGES_PAGE}
                if cursor:
                    params["since"] = cursor
                page_started = time.perf_counter()
                response = await http.get("/changes", params=params)
                worst = max(worst, time.perf_counter() - page_started)
                response.raise_for_status()
                statement = response.json()["statement"]
                if pages == 0:
                    await company.verify(statement)
                claims = _claims(statement)
                events += len(claims["items"])
                pages += 1
                cursor = claims["next_cursor"]
                if not claims["has_more"]:
                    break
            seconds = time.perf_counter() - started
            flame.__exit__(None, None, None)
            out["changes"] = {
                "events": events,
                "pages": pages,
                "seconds": round(seconds, 2),
                "events_per_s": round(events / seconds),
                "slowest_page_s": round(worst, 2),
                "loadavg": _loadavg(),
            }
    return out


def _plain_sql(url: str, ids: list[str]) -> dict[str, Any]:
    """The floor for batch and changes: the same rows read by plain SQL (psycopg, no HTTP).

    Batch: each person's row and last certificate for the same 100,000 numbers in one
    query; changes: the same events, keyset-paged by id in pages of the feed's size.
    """
    import psycopg  # noqa: PLC0415 (PostgreSQL only)

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    out: dict[str, Any] = {}
    with psycopg.connect(conninfo) as conn:
        started = time.perf_counter()
        rows = conn.execute(
            "SELECT p.id, p.id_value, p.objected_at, c.certified_at FROM persons p "
            "LEFT JOIN certificates c ON c.person_id = p.id "
            "WHERE p.id_scheme = 'no' AND p.id_state = 'NOR' AND p.id_value = ANY(%s)",
            (ids,),
        ).fetchall()
        out["batch_seconds"] = round(time.perf_counter() - started, 3)
        out["batch_rows"] = len(rows)
        events, last, started = 0, 0, time.perf_counter()
        while events < CHANGES_EVENTS:
            page = conn.execute(
                "SELECT id, person_id, kind, created_at FROM change_events "
                "WHERE id > %s ORDER BY id LIMIT %s",
                (last, CHANGES_PAGE),
            ).fetchall()
            if not page:
                break
            events += len(page)
            last = page[-1][0]
        seconds = time.perf_counter() - started
        out["changes_events"] = events
        out["changes_seconds"] = round(seconds, 3)
        out["changes_events_per_s"] = round(events / seconds)
    out["loadavg"] = _loadavg()
    return out


def bench_backend(kind: str, url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    workdir = args.workdir / kind
    workdir.mkdir(parents=True, exist_ok=True)
    key_path = _prepare_db(kind, url, workdir, args.persons, args.reuse)
    key = load_private_key(key_path)
    ids = _related_ids(url, BATCH_SIZE)
    ids_file = workdir / "ids.txt"
    ids_file.write_text("\n".join(ids[:20_000]) + "\n")
    results = []
    for workers in args.workers:
        profile = workdir / "server.prof" if args.profile else None
        result: dict[str, Any] = {"db": kind, "workers": workers}
        if "single" in args.only and kind == "postgresql" and not args.no_bare:
            # the bare baseline first, on the same database, uvicorn settings and load
            bare = Server(url, workdir, None, workers, bare=True)
            try:
                result["bare"] = _single(bare, key_path, ids_file, args, bare=True)
                print(f"[{kind} x{workers}] bare: {json.dumps(result['bare'])}", flush=True)
                if args.max_rate:
                    result["bare_max"] = _single(
                        bare, key_path, ids_file, args, bare=True, rate=args.max_rate
                    )
                    print(f"[bare max] {json.dumps(result['bare_max'])}", flush=True)
            finally:
                bare.stop()
        server = Server(url, workdir, profile, workers)
        try:
            if "single" in args.only:
                with _flame(server, args, "single"):
                    result["single"] = _single(server, key_path, ids_file, args)
                print(f"[{kind} x{workers}] single: {json.dumps(result['single'])}", flush=True)
                if args.max_rate:
                    result["single_max"] = _single(
                        server, key_path, ids_file, args, rate=args.max_rate
                    )
                    print(f"[ours max] {json.dumps(result['single_max'])}", flush=True)
            if "bulk" in args.only and workers == args.workers[0]:  # one client: sequential
                if kind == "postgresql":
                    # the floor once before ours, so both read the same rows from a warm
                    # cache (at 10 M persons a cold batch spent most of its time on disk)
                    result["plain_first"] = _plain_sql(url, ids[:BATCH_SIZE])
                    print(f"[{kind}] plain SQL first: {json.dumps(result['plain_first'])}")
                result.update(asyncio.run(_batch_and_changes(server, key, ids, args)))
                if kind == "postgresql":
                    result["plain"] = _plain_sql(url, ids[:BATCH_SIZE])
                    print(f"[{kind}] plain SQL: {json.dumps(result['plain'])}", flush=True)
                print(f"[{kind} x{workers}] batch: {json.dumps(result['batch'])}", flush=True)
                print(f"[{kind} x{workers}] changes: {json.dumps(result['changes'])}", flush=True)
        finally:
            server.stop()
        results.append(result)
    return results


def _ok(value: bool) -> str:
    return "yes" if value else "**no**"


def _server_stack() -> str:
    """What uvicorn's "auto" picks: httptools and uvloop when installed."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio loop"
    return f"{http}, {loop}"


def table(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "# Register API benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_cpu_model()} ({os.cpu_count()} cores, "
        "shared with other engineers' test runs), Python "
        f"{platform.python_version()}; server: uvicorn ({_server_stack()}), worker processes as "
        "named per row, access log off; "
        f"load generator: a separate process ({args.connections} keep-alive HTTP/1.1 "
        "connections on asyncio streams, open loop, latency counted from when each request "
        "was due, first answer's signature verified). Batch and changes: one client, "
        "httpx, the first worker count only (a client's requests are sequential). "
        f"Register of {args.persons:,} synthetic persons (`leveattest register load-synthetic`). "
        "Load average is 1 / 5 / 15 min, read right after each measurement.",
        "",
        "| DB | measurement | result | target | met | load avg |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        db = f"{r['db']}, {r['workers']} worker{'s' if r['workers'] > 1 else ''}"
        if "single" in r:
            s = r["single"]
            met = s["achieved_rps"] >= 500 and s["p99_ms"] <= 20 and s["errors"] == 0
            lines.append(
                f"| {db} | single status, {s['seconds']:.0f} s at {s['target_rps']:.0f} req/s "
                f"target | {s['achieved_rps']} req/s, p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, "
                f"p99 {s['p99_ms']} ms, max {s['max_ms']} ms, {s['errors']} errors "
                f"({s['requests']:,} requests), server CPU {s.get('server_cpu_ms')} ms "
                f"per request | ≥ 500 req/s, p99 ≤ 20 ms | {_ok(met)} "
                f"| {s['loadavg']} |"
            )
        if "bare" in r:
            lines += _bare_rows(db, r)
        if "batch" in r:
            b = r["batch"]
            lines.append(
                f"| {db} | batch status, {b['persons']:,} persons in one request "
                f"| {b['seconds']} s ({b['found']:,} found, {b['bytes'] / 1e6:.1f} MB) "
                f"| ≤ 5 s | {_ok(b['seconds'] <= 5)} | {b['loadavg']} |"
            )
        if "changes" in r:
            c = r["changes"]
            lines.append(
                f"| {db} | changes feed, {c['events']:,} events in {c['pages']} pages "
                f"of {CHANGES_PAGE:,} | {c['events_per_s']:,} events/s ({c['seconds']} s, "
                f"slowest page {c['slowest_page_s']} s) | ≥ 50,000 events/s "
                f"| {_ok(c['events_per_s'] >= 50_000)} | {c['loadavg']} |"
            )
        if "plain" in r and "batch" in r and "changes" in r:
            b, c = r["batch"], r["changes"]
            # the faster of the two floors (before and after ours): the stricter ratio
            p = dict(r["plain"])
            first = r.get("plain_first")
            if first:
                p["batch_seconds"] = min(p["batch_seconds"], first["batch_seconds"])
                p["changes_events_per_s"] = max(
                    p["changes_events_per_s"], first["changes_events_per_s"]
                )
            batch_ratio = b["seconds"] / max(p["batch_seconds"], 1e-6)
            feed_ratio = p["changes_events_per_s"] / max(c["events_per_s"], 1)
            lines.append(
                f"| {db} | batch ÷ plain SQL read of the same rows (psycopg, one query, "
                f"{p['batch_rows']:,} rows) | {b['seconds']} s ÷ {p['batch_seconds']} s "
                f"= **{batch_ratio:.1f}×** | ≤ 3× | {_ok(batch_ratio <= 3)} | {p['loadavg']} |"
            )
            lines.append(
                f"| {db} | changes ÷ plain keyset-paged SQL ({p['changes_events']:,} events, "
                f"pages of {CHANGES_PAGE:,}) | {c['events_per_s']:,} vs "
                f"{p['changes_events_per_s']:,} events/s = **{feed_ratio:.1f}×** slower "
                f"| ≤ 3× | {_ok(feed_ratio <= 3)} | {p['loadavg']} |"
            )
    return "\n".join(lines) + "\n"


def _run_cells(s: dict[str, Any]) -> str:
    return (
        f"{s['achieved_rps']} req/s, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
        f"{s['errors']} errors ({s['requests']:,} requests), server CPU "
        f"{s.get('server_cpu_ms')} ms per request"
    )


def _bare_rows(db: str, r: dict[str, Any]) -> list[str]:
    """The bare baseline's own rows and ours as a ratio of it (same run, same load)."""
    bare, ours = r["bare"], r.get("single")
    rows = [
        f"| {db} | bare baseline (`bench/bare_register.py`: lookup only), "
        f"{bare['seconds']:.0f} s at {bare['target_rps']:.0f} req/s | {_run_cells(bare)} "
        f"| — | — | {bare['loadavg']} |"
    ]
    if ours is not None:
        p99 = ours["p99_ms"] / max(bare["p99_ms"], 1e-6)
        cpu = (ours.get("server_cpu_ms") or 0) / max(bare.get("server_cpu_ms") or 1e-6, 1e-6)
        rows.append(
            f"| {db} | ours ÷ bare at {ours['target_rps']:.0f} req/s | p99 **{p99:.1f}×** "
            f"({ours['p99_ms']} vs {bare['p99_ms']} ms), server CPU per request **{cpu:.1f}×** "
            f"({ours.get('server_cpu_ms')} vs {bare.get('server_cpu_ms')} ms) "
            f"| p99 ≤ 2× bare | {_ok(p99 <= 2)} | {ours['loadavg']} |"
        )
    if "bare_max" in r and "single_max" in r:
        bm, om = r["bare_max"], r["single_max"]
        share = om["achieved_rps"] / max(bm["achieved_rps"], 1e-6)
        rows.append(
            f"| {db} | saturated, {bm['target_rps']:.0f} req/s offered | ours {_run_cells(om)}; "
            f"bare {_run_cells(bm)}: ours **{share:.0%}** of bare's throughput "
            f"| ≥ 40 % | {_ok(share >= 0.4)} | {om['loadavg']} |"
        )
    return rows


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "serve-bare":
        serve_bare(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    if len(sys.argv) == 6 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sqlite", nargs="?", const="default", help="SQLite URL (default: workdir)"
    )
    parser.add_argument("--postgres", nargs="?", const=PG_DEFAULT, help="PostgreSQL URL")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's data")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-register")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", default="single,bulk", help="single and/or bulk")
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="uvicorn worker processes, one server per count (e.g. 1,2)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the server")
    parser.add_argument(
        "--flame",
        metavar="LABEL",
        help="py-spy the server during each phase; summaries to bench/results/flame_register_*",
    )
    parser.add_argument("--no-bare", action="store_true", help="skip the bare baseline")
    parser.add_argument(
        "--max-rate", type=float, default=0.0, help="also run both apps at this (saturating) rate"
    )
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    args = parser.parse_args()
    backends = []
    if args.sqlite:
        url = args.sqlite
        if url == "default":
            url = f"sqlite:///{(args.workdir / 'sqlite' / 'register.db').resolve()}"
        backends.append(("sqlite", url))
    if args.postgres:
        if make_url(args.postgres).host not in {"127.0.0.1", "localhost"}:
            raise SystemExit("the benchmark only runs against a local PostgreSQL")
        backends.append(("postgresql", args.postgres))
    if not backends:
        parser.error("give --sqlite and/or --postgres")
    results = [r for kind, url in backends for r in bench_backend(kind, url, args)]
    markdown = table(results, args)
    print(markdown)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
