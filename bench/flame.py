"""Sampled profiles of a running server with py-spy, kept as readable summaries.

``Recorder`` runs ``py-spy record --format raw`` against a process (and its worker
processes) while a benchmark phase runs; ``summarize`` turns the collapsed stacks into a
markdown summary of the flame graph for ``bench/results/``: where the samples are by area
(our code, SQLAlchemy, the PostgreSQL driver, the HTTP server, waiting), the heaviest
functions by own time and by inclusive time, and the heaviest call paths through our code.

Usage as a tool (a collapsed file from any py-spy run)::

    uv run python bench/flame.py summarize /tmp/profile.txt --title "changes feed" [--out F]
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
PY_SPY = Path(sys.executable).with_name("py-spy")

# (area, pattern on a frame's file path); the first match of the innermost frame wins
_AREAS: tuple[tuple[str, str], ...] = (
    ("our code: register", r"/register/"),
    ("our code: leveattest", r"/leveattest/"),
    ("our code: bench", r"/bench/"),
    ("SQLAlchemy", r"/sqlalchemy/"),
    ("psycopg (PostgreSQL driver)", r"/psycopg"),
    ("sqlite3", r"sqlite3"),
    ("cryptography / hashing", r"/cryptography/|/hashlib\.py|/hmac\.py|/jwcrypto/|/base64\.py"),
    ("JSON", r"/json/|/orjson"),
    ("pydantic", r"/pydantic"),
    ("FastAPI / Starlette", r"/fastapi/|/starlette/"),
    ("uvicorn / HTTP", r"/uvicorn/|httptools|h11"),
    ("asyncio / anyio / threads", r"/asyncio/|/anyio/|/threading\.py|/concurrent/|/uvloop/"),
    ("Python start-up / imports", r"<frozen|/importlib/"),
    ("image decoding (OpenCV / numpy)", r"cv2|/numpy/"),
)
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def parse(path: Path) -> list[tuple[list[str], int]]:
    """``(frames outermost first, samples)`` per line of a py-spy raw (collapsed) file."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def _short(frame: str) -> str:
    """``function (package/module.py)`` without the line and the install prefix."""
    match = _FRAME.match(frame)
    if not match:
        return frame
    file = match["file"]
    for marker in ("site-packages/", "/python3.11/", str(ROOT) + "/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{match['func']} ({file})"


def _file(frame: str) -> str:
    """The frame's file with a leading ``/`` (py-spy shortens paths on ``sys.path``)."""
    match = _FRAME.match(frame)
    return "/" + (match["file"] if match else frame).lstrip("/")


def _area(frame: str) -> str:
    file = _file(frame)
    for area, pattern in _AREAS:
        if re.search(pattern, file):
            return area
    return "other"


def _is_ours(frame: str) -> bool:
    file = _file(frame)
    return bool(re.search(r"/(register|leveattest)/", file)) and "site-packages" not in file


def _idle(frames: list[str]) -> bool:
    """A sample of a thread that waits (py-spy --idle): selector, lock or queue wait."""
    leaf = frames[-1] if frames else ""
    return bool(re.search(r"\b(select|poll|epoll|wait|_wait_for_tstate_lock|get|acquire)\b", leaf))


def summarize(path: Path, title: str, top: int = 15) -> str:
    stacks = parse(path)
    total = sum(count for _, count in stacks) or 1
    by_area: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    for frames, count in stacks:
        if not frames:
            continue
        leaf = frames[-1]
        by_area["waiting (idle threads)" if _idle(frames) else _area(leaf)] += count
        own[_short(leaf)] += count
        for name in {_short(frame) for frame in frames}:
            inclusive[name] += count
        ours = [_short(frame) for frame in frames if _is_ours(frame)]
        if ours:
            paths[" → ".join(ours[-3:])] += count

    def pct(n: int) -> str:
        return f"{100 * n / total:.1f} %"

    lines = [
        f"# Profile: {title}",
        "",
        f"py-spy samples: {total:,} (file `{path.name}`); percentages are of all samples.",
        "",
        "## By area (innermost frame)",
        "",
        "| area | share |",
        "|---|---:|",
        *(f"| {area} | {pct(n)} |" for area, n in by_area.most_common()),
        "",
        f"## Top {top} functions by own time",
        "",
        "| function | own |",
        "|---|---:|",
        *(f"| `{name}` | {pct(n)} |" for name, n in own.most_common(top)),
        "",
        f"## Top {top} of our functions by inclusive time",
        "",
        "| function | inclusive |",
        "|---|---:|",
        *(
            f"| `{name}` | {pct(n)} |"
            for name, n in [(k, v) for k, v in inclusive.most_common() if _is_ours_short(k)][:top]
        ),
        "",
        f"## Top {top} call paths through our code (innermost three of our frames)",
        "",
        "| path | inclusive |",
        "|---|---:|",
        *(f"| `{name}` | {pct(n)} |" for name, n in paths.most_common(top)),
        "",
    ]
    return "\n".join(lines)


def _is_ours_short(name: str) -> bool:
    return bool(re.search(r"\((register|leveattest)/", name))


class Recorder:
    """``py-spy record`` on ``pid`` (and its subprocesses) while the ``with`` block runs."""

    def __init__(self, pid: int, out: Path, *, idle: bool = False, rate: int = 100) -> None:
        self.out = out
        command = [str(PY_SPY), "record", "--pid", str(pid), "--subprocesses", "--nonblocking"]
        command += ["--format", "raw", "--rate", str(rate), "-o", str(out)]
        if idle:
            command.append("--idle")
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Recorder:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(1.0)  # attached before the phase starts
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)  # py-spy writes the file on SIGINT
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    summary = sub.add_parser("summarize")
    summary.add_argument("raw", type=Path)
    summary.add_argument("--title", required=True)
    summary.add_argument("--out", type=Path)
    summary.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    text = summarize(args.raw, args.title, args.top)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
