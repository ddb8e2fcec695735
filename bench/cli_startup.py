"""Benchmark how much CPU the ``leveattest`` command spends before it answers (issue 14).

    uv run python bench/cli_startup.py [--runs 15] [--eager-runs 3]

Runs the installed console script in fresh processes pinned to one core and takes the
CPU time (user + system) of each child from ``resource.getrusage(RUSAGE_CHILDREN)``;
reports the median and the range over ``--runs`` runs. The ``eager`` row imports every
command module first, as ``leveattest`` did before its commands loaded lazily. CPU time
rather than wall time, because the machine is shared. The children may write bytecode
caches (``PYTHONDONTWRITEBYTECODE`` is dropped for them; a warm-up run precedes each row),
as an installed command does: compiling every imported module again would be measured
otherwise. Writes the markdown to stdout and to bench/results/cli_startup.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(Path(sys.executable).parent / "leveattest")
TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
EAGER = (
    "import sys; from leveattest.cli import _register_commands, main; "
    "_register_commands(); sys.argv = ['leveattest', '--help']; main()"
)
# (what, command line, target in s)
CASES: list[tuple[str, list[str], str]] = [
    ("`python -c pass` (interpreter alone)", [sys.executable, "-c", "pass"], "—"),
    ("`leveattest --help`", [SCRIPT, "--help"], "≤ 0.3"),
    ("`leveattest --version`", [SCRIPT, "--version"], "—"),
    ("`leveattest company status --help`", [SCRIPT, "company", "status", "--help"], "≤ 0.3"),
    ("`leveattest mrz parse LINE1 LINE2` (ICAO TD3 specimen)", [SCRIPT, "mrz", "parse", *TD3],
     "≤ 0.3"),
    ("`leveattest mrz --help`", [SCRIPT, "mrz", "--help"], "—"),
]  # fmt: skip


# the children cache bytecode like an installed command (see the module docstring)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cpu_seconds(argv: list[str]) -> float:
    """CPU time (user + system) of one run of ``argv`` (children inherit our one core)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _measure(argv: list[str], runs: int) -> tuple[float, float, float]:
    _cpu_seconds(argv)  # warm the page cache and the bytecode caches
    times = [_cpu_seconds(argv) for _ in range(runs)]
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--eager-runs", type=int, default=3, help="0 leaves the row out")
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    load_before = os.getloadavg()[0]
    rows = [(what, *_measure(argv, args.runs), args.runs, t) for what, argv, t in CASES]
    if args.eager_runs:
        eager = [sys.executable, "-c", EAGER]
        rows.append(
            (
                "`leveattest --help` with every command module imported (before lazy loading)",
                *_measure(eager, args.eager_runs),
                args.eager_runs,
                "—",
            )
        )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# CLI start-up benchmark (issue 14, item 4)",
        "",
        f"Machine: {_cpu_model()} ({os.cpu_count()} logical CPUs, shared), {platform.system()} "
        f"{platform.release()}. "
        f"CPU time (user + system) of each run, pinned to one core; Python "
        f"{platform.python_version()}; run {stamp} with `uv run python bench/cli_startup.py`; "
        f"load average before/after {load_before:.1f}/{os.getloadavg()[0]:.1f} (shared 2-core "
        "machine: other jobs inflate CPU time too, through caches).",
        "",
        "| what | median s | min s | max s | runs | target s |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {w} | {m:.3f} | {lo:.3f} | {hi:.3f} | {n} | {t} |" for w, m, lo, hi, n, t in rows],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results" / "cli_startup.md"
    out.write_text(text)


if __name__ == "__main__":
    main()
