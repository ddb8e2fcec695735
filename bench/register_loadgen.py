"""Load generator for the register benchmark: single status lookups at a fixed rate.

Runs in its own process (started by ``bench/register_http.py``). Open loop: request *i*
is due at ``start + i / rate`` whatever happened to earlier ones, at most
``--connections`` in flight; latency is measured from the moment a request was *due*,
so a stalled server shows up in the percentiles instead of silently lowering the rate
(no coordinated omission). The access token is fetched once (private_key_jwt) and
reused; the server validates it on every request. Only loopback URLs are accepted.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register.company_client import CompanyClient, load_private_key  # noqa: E402


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def run(args: argparse.Namespace) -> dict[str, object]:
    ids = [line.strip() for line in Path(args.ids).read_text().splitlines() if line.strip()]
    rng = random.Random(7)
    key = load_private_key(Path(args.key))
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    async with CompanyClient(args.url, args.client_id, key) as company:
        token = await company.token("register.read")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps({"person": {"national_id": value}}).encode() for value in ids]
    latencies: list[float] = []
    service: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    gate = asyncio.Semaphore(args.connections)
    last_done = [0.0]
    async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=10.0) as http:

        async def one(due: float, record: bool) -> None:
            nonlocal errors
            async with gate:
                sent = time.perf_counter()
                try:
                    response = await http.post(
                        "/status", content=rng.choice(bodies), headers=headers
                    )
                    code = response.status_code
                except httpx.HTTPError:
                    code = 0
            done = time.perf_counter()
            last_done[0] = max(last_done[0], done)
            if record:
                statuses[code] = statuses.get(code, 0) + 1
                if code != 200:
                    errors += 1
                latencies.append(done - due)
                service.append(done - sent)

        warmup_n = int(args.rate * args.warmup)
        total = min(int(args.rate * args.duration), args.max_requests)
        tasks: list[asyncio.Task[None]] = []
        start = time.perf_counter()
        measured_start = start + args.warmup
        for index in range(warmup_n + total):
            due = start + index / args.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due, index >= warmup_n)))
            if len(tasks) > 2_000:
                tasks = [t for t in tasks if not t.done()]
        measured_end = time.perf_counter()
        pending = [t for t in tasks if not t.done()]
        if pending:  # bounded: whatever is still queued after a grace period is cut off
            _, still = await asyncio.wait(pending, timeout=args.grace)
            for task in still:
                task.cancel()
            unfinished = len(still)
        else:
            unfinished = 0
        measured_end = max(measured_end, last_done[0])
    completed = len(latencies)
    latencies.extend([float("inf")] * unfinished)  # a request cut off counts as too slow
    latencies.sort()
    service.sort()
    elapsed = measured_end - measured_start
    return {
        "target_rps": args.rate,
        "connections": args.connections,
        "requests": completed,
        "unfinished": unfinished,
        "errors": errors + unfinished,
        "statuses": statuses,
        "seconds": round(elapsed, 2),
        "achieved_rps": round(completed / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies and unfinished == 0 else None,
        "service_p50_ms": round(percentile(service, 0.50) * 1000, 2),
        "service_p99_ms": round(percentile(service, 0.99) * 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", required=True, help="register API base, e.g. http://127.0.0.1:8701/register/v1"
    )
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--key", required=True, help="the company's private JWK file")
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
