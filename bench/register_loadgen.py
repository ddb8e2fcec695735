"""Load generator for the register benchmark: single status lookups at a fixed rate.

Runs in its own process (started by ``bench/register_http.py``). Open loop: request *i*
is due at ``start + i / rate`` whatever happened to earlier ones; ``--connections``
keep-alive HTTP/1.1 connections take due requests from one queue, so latency is measured
from the moment a request was *due* and a stalled server shows up in the percentiles
instead of silently lowering the rate (no coordinated omission). The access token is
fetched once (private_key_jwt) and reused; the server validates it on every request.

The requests are written and the responses read with a minimal HTTP/1.1 client on
asyncio streams (status line, headers, ``Content-Length`` body): httpx spent ~5 ms of
CPU per request here, more than the server, on a machine whose two cores the load
generator shares with the server and the database. The first answer's signature is
verified against the register's JWKS; every answer must be 200 with a statement
(``--bare``: the bare baseline of ``bench/bare_register.py``, no token, nothing signed). Only
loopback URLs are accepted. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register.company_client import (  # noqa: E402
    CompanyClient,
    load_private_key,
    verify_statement,
)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    last_done: float = 0.0
    sample: bytes = b""


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length)


async def _connection(
    url: str, head: bytes, queue: asyncio.Queue[tuple[float, bytes, bool] | None], tally: Tally
) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        while (job := await queue.get()) is not None:
            due, body, record = job
            sent = time.perf_counter()
            try:
                writer.write(head + b"%d\r\n\r\n" % len(body) + body)
                status, answer = await _read_response(reader)
                if status == 200 and not answer.startswith(b'{"statement":'):
                    status = -1
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                status = 0
            done = time.perf_counter()
            tally.last_done = max(tally.last_done, done)
            if not tally.sample and status == 200:
                tally.sample = answer
            if record:
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                tally.errors += status != 200
                tally.latencies.append(done - due)
                tally.service.append(done - sent)
            if status == 0:
                return
    finally:
        writer.close()


async def run(args: argparse.Namespace) -> dict[str, object]:
    ids = [line.strip() for line in Path(args.ids).read_text().splitlines() if line.strip()]
    rng = random.Random(7)
    token, jwks = "bare-baseline-no-token", None
    if not args.bare:
        key = load_private_key(Path(args.key))
        async with CompanyClient(args.url, args.client_id, key) as company:
            token = await company.token("register.read")
            jwks = await company.jwks()
    parts = urlsplit(args.url)
    head = (
        f"POST {parts.path.rstrip('/')}/status HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        "Content-Length: "
    ).encode()
    bodies = [json.dumps({"person": {"national_id": value}}).encode() for value in ids]
    queue: asyncio.Queue[tuple[float, bytes, bool] | None] = asyncio.Queue()
    tally = Tally()
    workers = [
        asyncio.create_task(_connection(args.url, head, queue, tally))
        for _ in range(args.connections)
    ]
    warmup_n = int(args.rate * args.warmup)
    total = min(int(args.rate * args.duration), args.max_requests)
    start = time.perf_counter()
    measured_start = start + args.warmup
    for index in range(warmup_n + total):
        due = start + index / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, rng.choice(bodies), index >= warmup_n))
    measured_end = time.perf_counter()
    for _ in workers:
        queue.put_nowait(None)
    _, stragglers = await asyncio.wait(workers, timeout=args.grace)
    for task in stragglers:  # bounded: whatever is still queued after the grace is cut off
        task.cancel()
    unfinished = total - len(tally.latencies)
    measured_end = max(measured_end, tally.last_done)
    if tally.sample and jwks is not None:
        verify_statement(json.loads(tally.sample)["statement"], jwks)  # raises if forged
    latencies, service = sorted(tally.latencies), sorted(tally.service)
    completed = len(latencies)
    latencies.extend([float("inf")] * unfinished)  # a request cut off counts as too slow
    elapsed = measured_end - measured_start
    return {
        "target_rps": args.rate,
        "connections": args.connections,
        "requests": completed,
        "warmup_requests": warmup_n,
        "unfinished": unfinished,
        "errors": tally.errors + unfinished,
        "statuses": tally.statuses,
        "seconds": round(elapsed, 2),
        "achieved_rps": round(completed / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies and unfinished == 0 else None,
        "service_p50_ms": round(percentile(service, 0.50) * 1000, 2),
        "service_p99_ms": round(percentile(service, 0.99) * 1000, 2),
        "signature_checked": bool(tally.sample) and jwks is not None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", required=True, help="register API base, e.g. http://127.0.0.1:8701/register/v1"
    )
    parser.add_argument("--client-id", default="")
    parser.add_argument("--key", default="", help="the company's private JWK file")
    parser.add_argument(
        "--bare", action="store_true", help="the bare baseline: no token, no signature check"
    )
    parser.add_argument("--ids", required=True, help="file with one national id per line")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--grace", type=float, default=10.0, help="wait for stragglers (s)")
    parser.add_argument("--max-requests", type=int, default=40_000)
    args = parser.parse_args()
    if urlsplit(args.url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("the load generator only targets loopback")
    args.duration = min(args.duration, 110.0)  # each run stays under two minutes
    print(json.dumps(asyncio.run(run(args))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
