"""Soak under faults: sessions through the real service while workers are killed and the
database restarts (issue 11). Not a test.

1. generates the synthetic sample set dated today (cached in ``bench/out/chaos``);
2. makes a private PostgreSQL cluster (``initdb``/``pg_ctl`` on a free port of 127.0.0.1,
   so it can be restarted without touching the machine's server) with a service and a
   register database;
3. starts ``leveattest serve --workers W`` (supervised worker processes) with the fault
   timings of ``tests/faults/faultkit.py`` (leases of 4 s, stalled check every 2 s, sweep
   every 5 s, deadline 45 s);
4. ``--phones`` simulated phones submit ``--sessions`` genuine sessions of the Norwegian
   sample pensioners (known-person start); a phone whose upload meets an outage (503 or
   a dropped connection) starts that pensioner's session again;
5. meanwhile, until the last session is submitted, a loop SIGKILLs a random worker every
   ``--kill-every`` seconds (``serve`` starts it again), and PostgreSQL is stopped for
   ``--outage`` seconds once, when a third of the sessions are in;
6. waits until every submitted session is decided (or ``--settle`` seconds pass), then
   reports from the database: submitted, decided, **lost** (still received/analysing),
   **duplicate decisions** (an attempt whose check results were stored by more than one
   decision, an approved session the register was not told about, or a register
   certificate whose session did not end approved), outcomes with reasons, and the
   time from submit to decision as the phone saw it (p50/p95/max).

Usage (the machine is shared: run it alone)::

    uv run --frozen python bench/chaos.py [--sessions 200] [--workers 2] [--phones 3]
        [--kill-every 30] [--outage 15] [--append bench/results/chaos.md --label "..."]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "faults"))

from faultkit import (  # noqa: E402
    WAITING,
    Deployment,
    PrivatePostgres,
    norwegian_pensioners,
    private_postgres,
    service_environment,
    submit_genuine,
)
from sqlalchemy import create_engine, text  # noqa: E402

from leveattest.contracts import SessionStarted  # noqa: E402
from leveattest.core.clock import SystemClock  # noqa: E402
from leveattest.samples.generate import DEFAULT_SEED, generate_samples  # noqa: E402
from mobile_stub.client import ApiProblemError, MobileClient  # noqa: E402

OUT = ROOT / "bench" / "out" / "chaos"


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    pending: dict[str, tuple[SessionStarted, float]] = field(default_factory=dict)
    decided: dict[str, tuple[str, float]] = field(default_factory=dict)
    submitted: int = 0
    restarted_before_submit: int = 0
    kills: int = 0
    phone_errors: Counter[str] = field(default_factory=Counter)


def samples_for_today() -> Path:
    today = SystemClock().today()
    out = OUT / f"samples-{today:%Y%m%d}"
    if not (out / "manifest.json").is_file():
        generate_samples(out, seed=DEFAULT_SEED, reference=today)
    return out


def phone_loop(url: str, folders: list[Path], quota: list[int], tally: Tally) -> None:
    rng = random.Random()
    with httpx.Client(base_url=url, timeout=60.0) as http:
        phone = MobileClient(http)
        while True:
            with tally.lock:
                if quota[0] <= 0:
                    return
                quota[0] -= 1
            folder = rng.choice(folders)
            while True:
                try:
                    session = submit_genuine(phone, folder)
                    break
                except (ApiProblemError, httpx.TransportError) as exc:
                    code = exc.code if isinstance(exc, ApiProblemError) else "transport"
                    with tally.lock:
                        tally.restarted_before_submit += 1
                        tally.phone_errors[code] += 1
                    time.sleep(2.0)
            with tally.lock:
                tally.submitted += 1
                tally.pending[session.session_id] = (session, time.monotonic())


def watch(url: str, tally: Tally, stop: threading.Event) -> None:
    """Poll every pending session as its phone would; 503s are waited out."""
    with httpx.Client(base_url=url, timeout=30.0) as http:
        while not stop.is_set():
            with tally.lock:
                pending = list(tally.pending.items())
            for session_id, (session, since) in pending:
                try:
                    response = http.get(
                        f"/v1/sessions/{session_id}",
                        headers={"Authorization": f"Bearer {session.access_token}"},
                    )
                except httpx.TransportError:
                    continue
                if response.status_code != 200:
                    continue
                state = str(response.json()["status"])
                if state not in WAITING:
                    with tally.lock:
                        tally.pending.pop(session_id, None)
                        tally.decided[session_id] = (state, time.monotonic() - since)
            stop.wait(1.0)


def kill_loop(service: Deployment, every: float, tally: Tally, stop: threading.Event) -> None:
    rng = random.Random()
    while not stop.wait(every):
        children = service.serve_children()
        if children:
            os.kill(rng.choice(children), signal.SIGKILL)
            with tally.lock:
                tally.kills += 1


def audit(service_url: str, register_url: str) -> dict[str, Any]:
    """What the databases say: states, duplicate results, register certificates."""
    service = create_engine(service_url)
    register = create_engine(register_url)
    try:
        with service.connect() as conn:
            states = dict(
                conn.execute(
                    text(
                        "SELECT state, count(*) FROM verification_sessions "
                        "WHERE submitted_at IS NOT NULL GROUP BY state"
                    )
                ).all()
            )
            duplicate_checks = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT session_id, attempt FROM check_results "
                    "GROUP BY session_id, attempt HAVING count(DISTINCT created_at) > 1) AS d"
                )
            ).scalar_one()
            approved = {
                str(row[0]): row[1]
                for row in conn.execute(
                    text(
                        "SELECT id, register_recorded_at FROM verification_sessions "
                        "WHERE state = 'approved'"
                    )
                ).all()
            }
            retried = conn.execute(
                text("SELECT count(*) FROM leveattest_jobs WHERE tries > 1")
            ).scalar_one()
            reasons = Counter(
                str(reason)
                for (listed,) in conn.execute(
                    text(
                        "SELECT reasons FROM verification_sessions "
                        "WHERE submitted_at IS NOT NULL AND state <> 'approved'"
                    )
                ).all()
                for reason in (json.loads(listed) if isinstance(listed, str) else listed or [])
            )
        with register.connect() as conn:
            # the register keeps each person's last certificate only: a later session of the
            # same person replaces the earlier one's row
            certified = {
                str(row[0])
                for row in conn.execute(text("SELECT session_reference FROM certificates")).all()
            }
    finally:
        service.dispose()
        register.dispose()
    # a duplicate or stray hand-off: an approved session the register was never told about,
    # or a certificate whose session did not end approved (written, then decided otherwise)
    bad_hand_offs = sum(1 for recorded in approved.values() if recorded is None)
    bad_hand_offs += sum(1 for sid in certified if sid not in approved)
    return {
        **{f"state:{k}": int(v) for k, v in states.items()},
        "duplicate_check_results": int(duplicate_checks),
        "bad_register_hand_offs": bad_hand_offs,
        "jobs_run_more_than_once": int(retried),
        "reasons": ", ".join(f"{k} {v}" for k, v in reasons.most_common(6)),
    }


def run(args: argparse.Namespace, cluster: PrivatePostgres) -> dict[str, object]:
    samples = samples_for_today()
    workdir = OUT / "run"
    if workdir.exists():
        for path in workdir.glob("*.log"):
            path.unlink()
    service_db = cluster.create_database("chaos_service")
    register_db = cluster.create_database("chaos_register")
    env = service_environment(workdir, service_db, register_db, samples)
    service = Deployment(workdir, env)
    tally, stop, kills_over = Tally(), threading.Event(), threading.Event()
    started = time.monotonic()
    try:
        service.serve(workers=args.workers)
        folders = norwegian_pensioners(samples)
        quota = [args.sessions]
        phones = [
            threading.Thread(target=phone_loop, args=(service.url, folders, quota, tally))
            for _ in range(args.phones)
        ]
        helpers = [
            threading.Thread(target=watch, args=(service.url, tally, stop), daemon=True),
            threading.Thread(
                target=kill_loop, args=(service, args.kill_every, tally, kills_over), daemon=True
            ),
        ]
        for thread in [*phones, *helpers]:
            thread.start()
        while tally.submitted < args.sessions // 3 and any(p.is_alive() for p in phones):
            time.sleep(0.5)
        print(f"[chaos] {tally.submitted} submitted: stopping PostgreSQL for {args.outage} s")
        cluster.stop()
        time.sleep(args.outage)
        cluster.start()
        print("[chaos] PostgreSQL is back")
        for phone in phones:
            phone.join()
        kills_over.set()  # the faults came during the load; now every session must finish
        submitted_at = time.monotonic()
        print(f"[chaos] all {tally.submitted} submitted after {submitted_at - started:.0f} s")
        while tally.pending and time.monotonic() - submitted_at < args.settle:
            time.sleep(1.0)
        stop.set()
        found = audit(service_db, register_db)
        restarts = len(service.log_events("worker.child_restarted"))
        requeued = len(service.log_events("jobs.session_requeued"))
        stalled = sum(int(e.get("count", 0)) for e in service.log_events("jobs.stalled_retried"))
    finally:
        stop.set()
        kills_over.set()
        service.stop()
    times = sorted(seconds for _state, seconds in tally.decided.values())
    lost = sum(v for k, v in found.items() if k in ("state:received", "state:analysing"))
    return {
        "sessions submitted": tally.submitted,
        "decided": len(tally.decided),
        "lost": lost,
        "duplicate decisions": found["duplicate_check_results"] + found["bad_register_hand_offs"],
        "reasons of the others (most common)": found["reasons"],
        "outcomes": ", ".join(
            f"{k.removeprefix('state:')} {v}" for k, v in sorted(found.items()) if "state:" in k
        ),
        "workers SIGKILLed / restarted": f"{tally.kills} / {restarts}",
        "jobs run more than once": found["jobs_run_more_than_once"],
        "stalled jobs handed over / sessions swept": f"{stalled} / {requeued}",
        "phone restarts before submit (outage)": tally.restarted_before_submit,
        "decision time p50 / p95 / max": (
            f"{_pct(times, 0.5):.1f} / {_pct(times, 0.95):.1f} / {times[-1]:.1f} s"
            if times
            else "-"
        ),
        "wall time": f"{time.monotonic() - started:.0f} s",
    }


def _pct(values: list[float], fraction: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def table(args: argparse.Namespace, result: dict[str, object]) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### {args.label or 'chaos run'} ({when})",
        "",
        f"{args.sessions} sessions, `serve --workers {args.workers}` on PostgreSQL, "
        f"{args.phones} phones, a worker SIGKILLed every {args.kill_every:g} s, PostgreSQL "
        f"stopped {args.outage:g} s once; {os.cpu_count()} cores ({cpu}), "
        f"load average {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| measure | value |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in result.items()),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phones", type=int, default=3)
    parser.add_argument("--kill-every", type=float, default=30.0)
    parser.add_argument("--outage", type=float, default=15.0)
    parser.add_argument("--settle", type=float, default=600.0)
    parser.add_argument("--append", type=Path)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with private_postgres() as cluster:
        result = run(args, cluster)
    text_out = table(args, result)
    print(text_out)
    if args.append:
        with args.append.open("a", encoding="utf-8") as sink:
            sink.write(text_out + "\n")
    if result["lost"] or result["duplicate decisions"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
