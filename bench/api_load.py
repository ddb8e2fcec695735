"""Benchmark: the mobile API under 50 concurrent phones (issue 5, performance). Not a test.

Target: API p99 for uploads ≤ 100 ms, analysis excluded, 50 concurrent phones.

1. prepares the upload bodies once (cached in ``bench/out/api_load/bodies``): the chip
   files and AA key of a generated sample person, a 12-megapixel JPEG of the data page
   (~2 MB, with sensor noise, as a phone camera writes it), a selfie from the phone
   simulator's renderer at 1080×1440, and its liveness frames (480×640 JPEG) under a
   challenge;
2. makes a fresh var directory and database (SQLite by default, ``--postgres`` for a fresh
   PostgreSQL database on 127.0.0.1), migrates both schemas and seeds register invitations;
3. starts the real server: ``leveattest serve --port P --workers 0`` (no analysis workers);
4. runs locust headless (``bench/locust_phones.py``): ``--users`` phones, each walking
   start → consent → chip files → AA signature → page → selfie → frames → submit, with a
   person's pauses between the steps (``--think``; 0 = no pauses at all);
5. prints per-endpoint p50/p95/p99 from locust's CSV, the p99 over all uploads together
   (exact, from every request's time), requests/s, failures and the server's CPU time;
6. before step 3, in the same run: the bare baseline (``bench/bare_api.py``, only writes
   each upload to disk) with the same uvicorn settings, under the same locust phones,
   and reports ours as a ratio of it (upload p99, CPU per request; ``--no-bare`` skips).

Load only ever goes to 127.0.0.1. Usage::

    flock /tmp/leveattest-bench.lock uv run --frozen python bench/api_load.py [--postgres]
        [--users 50] [--duration 60] [--think 1.0] [--append bench/results/api_load.md
        --label "..."] [--profile] [--switch-interval-ms 0.5]

``--profile`` runs the server under cProfile (CPU time of every thread, merged into
``bench/out/api_load/profile.txt`` and ``.prof``); ``--switch-interval-ms`` sets the
server's GIL switch interval (an experiment). Results: ``bench/results/api_load.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import make_url, text  # noqa: E402

from leveattest.core.clock import SystemClock  # noqa: E402
from leveattest.face.liveness.challenge import issue_challenge  # noqa: E402
from leveattest.mrz.national.norway import make_norwegian_id  # noqa: E402
from leveattest.persistence import make_engine  # noqa: E402
from mobile_stub.scenarios import render_frames, take_selfie  # noqa: E402
from register.db.engine import make_engine as make_register_engine  # noqa: E402
from register.db.engine import make_session_factory as make_register_sessions  # noqa: E402
from register.db.migrate import upgrade as upgrade_register  # noqa: E402
from register.identity import norwegian_id  # noqa: E402
from register.persons import get_or_create_person  # noqa: E402
from register.requests import create_request  # noqa: E402
from register.settings import RegisterSettings  # noqa: E402

OUT = ROOT / "bench" / "out" / "api_load"
BODIES = OUT / "bodies"
LOCUSTFILE = ROOT / "bench" / "locust_phones.py"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/leveattest_api_load_bench"
PAGE_SIZE = (4032, 3024)  # a 12 MP phone photo, landscape like the page
SELFIE_SIZE = (1080, 1440)
FRAMES = 40
UPLOADS = "PUT "  # locust names of upload requests start with this


# --- bodies -----------------------------------------------------------------------------


def prepare_bodies(target: Path) -> None:
    """Generate a sample set once and turn one person into realistic upload bodies."""
    if (target / "frames.json").is_file():
        return
    samples = OUT / "samples"
    leveattest = Path(sys.executable).parent / "leveattest"
    subprocess.run([str(leveattest), "samples", "generate", "--out", str(samples)], check=True)
    person = samples / "persons" / "p01"
    shutil.rmtree(target, ignore_errors=True)
    (target / "frames").mkdir(parents=True)
    shutil.copytree(person / "chip", target / "chip")
    shutil.copy(person / "aa_key.pem", target / "aa_key.pem")
    rng = np.random.default_rng(5)
    page = Image.open(person / "page.png").convert("RGB").resize(PAGE_SIZE, Image.BICUBIC)
    _write_jpeg(target / "page.jpg", _with_noise(page, rng), quality=90)
    portrait = (person / "selfie.jpg").read_bytes()
    selfie = Image.open(io.BytesIO(take_selfie(portrait, "genuine", "bench"))).convert("RGB")
    _write_jpeg(target / "selfie.jpg", _with_noise(selfie.resize(SELFIE_SIZE), rng), 90)
    challenge = issue_challenge("bench", clock=SystemClock(), rng=random.Random(5)).to_dict()
    frames = render_frames(portrait, challenge, "genuine", "bench")
    while len(frames) < FRAMES:  # a longer capture: the sequence again, later in time
        last = frames[-1][0]
        frames += [(last + 100 + t, data) for t, data in frames[: FRAMES - len(frames)]]
    meta = []
    for index, (captured_at_ms, data) in enumerate(frames[:FRAMES]):
        name = f"{index:02d}.jpg"
        (target / "frames" / name).write_bytes(data)
        meta.append({"file": name, "captured_at_ms": captured_at_ms})
    (target / "frames.json").write_text(json.dumps(meta))


def _with_noise(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Camera sensor noise, so the JPEG has a phone photo's size, not a render's."""
    pixels = np.asarray(image, dtype=np.int16)
    noisy = pixels + rng.normal(0, 3.0, pixels.shape).astype(np.int16)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def _write_jpeg(path: Path, image: Image.Image, quality: int) -> None:
    image.save(path, "JPEG", quality=quality)


def body_summary(folder: Path) -> str:
    chip = sum(p.stat().st_size for p in (folder / "chip").glob("*.bin"))
    frames = sorted((folder / "frames").glob("*.jpg"))
    mean_frame = sum(p.stat().st_size for p in frames) / max(len(frames), 1)
    return (
        f"chip files {chip / 1e3:.1f} kB in {len(list((folder / 'chip').glob('*.bin')))}, "
        f"page {(folder / 'page.jpg').stat().st_size / 1e6:.2f} MB "
        f"({PAGE_SIZE[0]}×{PAGE_SIZE[1]}), "
        f"selfie {(folder / 'selfie.jpg').stat().st_size / 1e3:.0f} kB "
        f"({SELFIE_SIZE[0]}×{SELFIE_SIZE[1]}), "
        f"{len(frames)} frames of {mean_frame / 1e3:.0f} kB (480×640)"
    )


# --- databases and invitations -----------------------------------------------------------


@contextmanager
def fresh_postgres(url_text: str) -> Iterator[str]:
    url = make_url(url_text)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    drop = text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(drop)
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(drop)
        admin.dispose()


def person_ids(count: int) -> Iterator[str]:
    """Distinct synthetic Norwegian national ids (births 1930 on, valid individual numbers)."""
    made = 0
    day = date(1930, 1, 1)
    while made < count:
        for individual in range(1, 500, 7):
            try:
                yield make_norwegian_id(day, individual)
            except ValueError:
                continue
            made += 1
            if made == count:
                return
        day += timedelta(days=1)


def seed_invitations(settings: RegisterSettings, count: int) -> list[str]:
    engine = make_register_engine(settings.database_url)
    try:
        upgrade_register(engine)
        sessions = make_register_sessions(engine)
        clock = SystemClock()
        references = []
        with sessions() as db, db.begin():
            for value in person_ids(count):
                person = get_or_create_person(db, clock, norwegian_id(value, accept_synthetic=True))
                receipt = create_request(db, clock, settings, person, schedule="yearly")
                references.append(receipt.invitation_reference)
        return references
    finally:
        engine.dispose()


# --- server and load ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished children: locust
    return usage.ru_utime + usage.ru_stime


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @classmethod
    def start(
        cls,
        env: dict[str, str],
        workdir: Path,
        profile: Path | None,
        switch_ms: float,
        http_workers: int = 1,
        *,
        bare_dir: Path | None = None,
    ) -> Server:
        port = _free_port()
        log = workdir / ("bare.log" if bare_dir else "server.log")
        command = [str(Path(sys.executable).parent / "leveattest")]
        if profile is not None or switch_ms:  # the same command, profiled or retuned
            command = [sys.executable, __file__, "wrapped-serve", str(profile or "-")]
            command.append(str(switch_ms))
        command += ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "0"]
        command += ["--http-workers", str(http_workers)]
        if bare_dir is not None:  # the bare baseline, same host, port and processes
            command = [sys.executable, __file__, "serve-bare", str(port), str(http_workers)]
            command.append(str(bare_dir))
        with log.open("wb") as sink:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
        server = cls(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{server.url}/healthz").status_code == 204:
                    return server
            except httpx.HTTPError:
                time.sleep(0.2)
        server.stop()
        raise SystemExit(f"the server did not start; see {log}")

    def cpu_seconds(self) -> float:
        """The server process and its children (uvicorn's worker processes)."""
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue  # ended meanwhile
            if stat.parent.name == str(self.process.pid) or fields[1] == str(self.process.pid):
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_locust(args: argparse.Namespace, host: str, env: dict[str, str], prefix: Path) -> None:
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    ramp = int(np.ceil(args.users / args.spawn_rate))
    command += ["-u", str(args.users), "-r", str(args.spawn_rate)]
    command += ["-t", f"{args.duration + ramp}s"]
    command += ["--host", host, "--csv", str(prefix), "--only-summary", "--reset-stats"]
    command += ["--loglevel", "WARNING"]
    subprocess.run(command, cwd=ROOT, env=env, check=False)


# --- results ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, int(np.ceil(fraction * len(ordered))) - 1))
    return ordered[rank]


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with Path(f"{prefix}_stats.csv").open() as handle:
        return list(csv.DictReader(handle))


def summarise(
    rows: list[dict[str, str]], samples: list[list[Any]], seconds: float, cpu: float
) -> dict[str, Any]:
    uploads = [float(t) for name, t, ok in samples if name.startswith(UPLOADS) and ok]
    every = [float(t) for _, t, ok in samples if ok]
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return {
        "endpoints": [r for r in rows if r["Name"] != "Aggregated"],
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "uploads": len(uploads),
        "upload_p50": percentile(uploads, 0.50),
        "upload_p95": percentile(uploads, 0.95),
        "upload_p99": percentile(uploads, 0.99),
        "upload_max": max(uploads, default=float("nan")),
        "all_p99": percentile(every, 0.99),
        "journeys": sum(1 for name, _, ok in samples if name == "POST submit" and ok),
        "server_cpu_per_s": cpu / seconds if seconds else float("nan"),
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["endpoints"]:
        lines.append(
            f"| `{row['Name']}` | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
    lines.append(
        f"| **all uploads (exact)** | {result['uploads']} | | {result['upload_p50']:.0f} | "
        f"{result['upload_p95']:.0f} | **{result['upload_p99']:.0f}** | "
        f"{result['upload_max']:.0f} |"
    )
    lines.append("")
    lines.append(
        f"{result['requests']} requests, {result['rps']:.1f} req/s, "
        f"{result['failures']} failures, {result['journeys']} journeys submitted; "
        f"p99 over every request {result['all_p99']:.0f} ms; server CPU "
        f"{result['server_cpu_per_s']:.2f} s per second (1.00 = one core busy), locust "
        f"{result.get('locust_cpu_per_s', float('nan')):.2f}."
    )
    return "\n".join(lines)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def bare_comparison(result: dict[str, Any], bare: dict[str, Any]) -> str:
    """Ours as a ratio of the bare upload app, measured in the same run."""
    ratio = result["upload_p99"] / max(bare["upload_p99"], 1e-6)
    cpu = result["server_cpu_ms_per_request"] / max(bare["server_cpu_ms_per_request"], 1e-6)
    return (
        "\n| same run, same load | upload p50 ms | upload p99 ms | req/s | failures "
        "| server CPU ms per request | load avg after |\n|---|---:|---:|---:|---:|---:|---|\n"
        f"| bare (`bench/bare_api.py`: writes the body to disk, nothing else) "
        f"| {bare['upload_p50']:.0f} | {bare['upload_p99']:.0f} | {bare['rps']:.1f} "
        f"| {bare['failures']} | {bare['server_cpu_ms_per_request']:.2f} | {bare['loadavg']} |\n"
        f"| ours | {result['upload_p50']:.0f} | {result['upload_p99']:.0f} | {result['rps']:.1f} "
        f"| {result['failures']} | {result['server_cpu_ms_per_request']:.2f} "
        f"| {result['loadavg']} |\n"
        f"| **ours ÷ bare** | | **{ratio:.1f}×** (target ≤ 2×) | | | **{cpu:.1f}×** | |\n"
    )


def report(
    args: argparse.Namespace,
    backend: str,
    result: dict[str, Any],
    load: str,
    bare: dict[str, Any] | None = None,
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (
        f"### {args.label or backend}\n\n"
        f"{when}; {_cpu_model()}, {os.cpu_count()} vCPUs (load average before the run "
        f"{load}); {backend}; `leveattest serve --workers 0 --http-workers {args.http_workers}`; "
        f"{args.users} phones spawned at {args.spawn_rate}/s, {args.duration} s measured "
        f"after the ramp-up (stats reset when all phones run); think-time scale "
        f"{args.think}.\nBodies: {body_summary(BODIES)}.\n"
    )
    comparison = bare_comparison(result, bare) if bare is not None else ""
    return head + "\n" + table(result) + "\n" + comparison


# --- profiling: wall-clock stack samples of every server thread ---------------------------


def wrapped_serve(out: Path | None, switch_ms: float, argv: list[str]) -> None:
    """Run ``leveattest <argv>``, with the GIL switch interval set to ``switch_ms`` (when
    not 0) and, when ``out`` is given, cProfile on in every thread (the event loop's and the
    threadpool's), CPU time per thread; writes the merged statistics to ``out``."""
    import atexit  # noqa: PLC0415
    import cProfile  # noqa: PLC0415
    import pstats  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from leveattest.cli import main as cli_main  # noqa: PLC0415

    profilers: list[cProfile.Profile] = []

    def start_in_thread(*_: Any) -> None:
        profiler = cProfile.Profile(time.thread_time)  # CPU time: waiting is not cost
        profilers.append(profiler)
        profiler.enable()  # replaces this hook for the calling thread

    def dump() -> None:
        for profiler in profilers:
            profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(*profilers, stream=stream)
        stats.dump_stats(out.with_suffix(".prof"))
        stats.sort_stats("tottime").print_stats(45)
        stats.sort_stats("cumulative").print_stats(90)
        out.write_text(stream.getvalue())

    if switch_ms:
        sys.setswitchinterval(switch_ms / 1000)
    if out is not None:
        atexit.register(dump)
        threading.setprofile(start_in_thread)
        start_in_thread()
    sys.argv = ["leveattest", *argv]
    cli_main()


# --- main ---------------------------------------------------------------------------------


def run(args: argparse.Namespace, database_url: str, workdir: Path, backend: str) -> str:
    var = workdir / "var"
    var.mkdir(parents=True, exist_ok=True)
    register = RegisterSettings(
        database_url=f"sqlite:///{var / 'register.db'}",
        signing_keys_path=var / "register" / "signing-keys.json",
    )
    invitations = seed_invitations(register, args.invitations)
    (workdir / "invitations.txt").write_text("\n".join(invitations) + "\n")
    env = os.environ | {
        "LEVEATTEST_DATA__VAR_DIR": str(var),
        "LEVEATTEST_DATABASE__URL": database_url,
        "LEVEATTEST_REGISTER__DATABASE_URL": register.database_url,
        "LEVEATTEST_REGISTER__SIGNING_KEYS_PATH": str(register.signing_keys_path),
        # 50 phones from one loopback address: the per-address limits would refuse them
        "LEVEATTEST_RATE_LIMITS__ENABLED": "false",
        "LEVEATTEST_BENCH_BODIES": str(BODIES),
        "LEVEATTEST_BENCH_INVITATIONS": str(workdir / "invitations.txt"),
        "LEVEATTEST_BENCH_THINK": str(args.think),
        "LEVEATTEST_BENCH_SAMPLES": str(workdir / "samples.json"),
    }
    bare: dict[str, Any] | None = None
    if not args.no_bare:  # the bare baseline first, same uvicorn settings and load
        bare_invitations = [f"bare-{index}" for index in range(args.invitations)]
        (workdir / "bare-invitations.txt").write_text("\n".join(bare_invitations) + "\n")
        bare_env = env | {
            "LEVEATTEST_BENCH_INVITATIONS": str(workdir / "bare-invitations.txt"),
            "LEVEATTEST_BENCH_SAMPLES": str(workdir / "bare-samples.json"),
        }
        bare_dir = workdir / "bare-uploads"
        bare = _measure(args, bare_env, workdir, "bare", profile=None, bare_dir=bare_dir)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    profile = OUT / "profile.txt" if args.profile else None
    result = _measure(args, env, workdir, "locust", profile=profile, bare_dir=None)
    last = OUT / f"last-{backend.split(maxsplit=1)[0].lower()}.json"
    last.write_text(json.dumps({"ours": result, "bare": bare}, indent=1))
    return report(args, backend, result, load, bare)


def _measure(
    args: argparse.Namespace,
    env: dict[str, str],
    workdir: Path,
    name: str,
    *,
    profile: Path | None,
    bare_dir: Path | None,
) -> dict[str, Any]:
    """One server (ours, or the bare app with ``bare_dir``) under the locust phones."""
    switch = 0.0 if bare_dir else args.switch_interval_ms
    server = Server.start(env, workdir, profile, switch, args.http_workers, bare_dir=bare_dir)
    try:
        cpu_before, started = server.cpu_seconds(), time.monotonic()
        locust_before = _children_cpu()
        run_locust(args, server.url, env, workdir / name)
        cpu, seconds = server.cpu_seconds() - cpu_before, time.monotonic() - started
        locust_cpu = _children_cpu() - locust_before
    finally:
        server.stop()
    samples = json.loads(Path(env["LEVEATTEST_BENCH_SAMPLES"]).read_text())
    result = summarise(read_stats(workdir / name), samples, seconds, cpu)
    result["locust_cpu_per_s"] = locust_cpu / seconds
    result["server_cpu_ms_per_request"] = 1000 * cpu / max(result["requests"], 1)
    result["loadavg"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return result


def serve_bare(port: int, workers: int, folder: Path) -> None:
    """``bench/bare_api.py`` with the uvicorn settings of ``leveattest serve``."""
    import uvicorn  # noqa: PLC0415

    os.environ["BARE_API_DIR"] = str(folder)
    uvicorn.run(
        "bench.bare_api:create_bare_app_from_environment",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_config=None,
        timeout_worker_healthcheck=60,  # as `leveattest serve` (WORKER_HEALTHCHECK_SECONDS)
    )


def main() -> None:
    if sys.argv[1:2] == ["serve-bare"]:
        serve_bare(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
        return
    if sys.argv[1:2] == ["wrapped-serve"]:
        out = None if sys.argv[2] == "-" else Path(sys.argv[2])
        wrapped_serve(out, float(sys.argv[3]), sys.argv[4:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--postgres", nargs="?", const=PG_DEFAULT, default=None)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--duration", type=int, default=60, help="seconds after ramp-up")
    parser.add_argument("--think", type=float, default=1.0, help="pause scale (0 = none)")
    parser.add_argument("--invitations", type=int, default=3000)
    parser.add_argument("--label", default="")
    parser.add_argument("--append", type=Path, help="append the section to this markdown file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    parser.add_argument("--http-workers", type=int, default=1, help="server processes")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare baseline")
    parser.add_argument(
        "--profile", action="store_true", help="profile the server (bench/out/api_load)"
    )
    parser.add_argument(
        "--switch-interval-ms",
        type=float,
        default=0.0,
        help="run the server with this GIL switch interval (experiment; 0 = Python's 5 ms)",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    prepare_bodies(BODIES)
    workdir = Path(tempfile.mkdtemp(prefix="leveattest-api-load-"))
    try:
        if args.postgres:
            with fresh_postgres(args.postgres) as url:
                section = run(args, url, workdir, "PostgreSQL 127.0.0.1")
        else:
            section = run(args, f"sqlite:///{workdir / 'var' / 'leveattest.db'}", workdir, "SQLite")
    finally:
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(section)
    if args.append:
        with args.append.open("a") as handle:
            handle.write("\n" + section)


if __name__ == "__main__":
    main()
