"""``leveattest demo``: the whole service on the embedded default, walked by simulated phones.

1. generates the synthetic sample set (documents, chips, a test PKI, faces) dated today;
2. starts the service as ``leveattest serve`` does — mobile API, register and ops console
   on one port, an analysis worker process — on SQLite and local files in a run folder;
3. a pension company proves its pension relationships and asks the register for life
   certificates over the register's HTTP API; the register posts a letter with a QR code
   for each;
4. for every simulator scenario a phone (``mobile_stub``, HTTP only) scans its letter and
   walks the scenario; the table shows expected and actual outcome and time;
5. the company asks the register about its pensioners: approved sessions are certified —
   p03 too, whom the company knows by D-nummer while her chip is a Swedish passport.

``--keep-running`` leaves the service up afterwards (the cases sent to review wait in the
ops console). Personal data never reaches the terminal or the service log.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from leveattest.cli.app import app, fail, settings_or_exit
from leveattest.cli.demo_service import DemoCompany, DemoService, probe
from leveattest.core.clock import SystemClock
from leveattest.core.errors import LeveattestError
from leveattest.core.logging import get_logger
from leveattest.samples.generate import DEFAULT_SEED, generate_samples
from mobile_stub import scenarios
from mobile_stub.client import ApiProblemError, MobileClient
from mobile_stub.qr import reference_from_letter

log = get_logger("leveattest.demo")
ORDER = (
    "genuine",
    "genuine_expired_passport",
    "impostor",
    "tampered_chip",
    "cloned_chip",
    "replay",
    "printed_photo",
    "withdraw_consent",
    "bad_uploads",
    "foreign_passport_dnummer",
    "retry_after_withdrawal",
)


@dataclass
class Row:
    scenario: str
    person: str
    expected: str
    actual: str
    seconds: float
    detail: str

    @property
    def ok(self) -> bool:
        return self.actual == self.expected


def _person(folder: Path) -> dict[str, Any]:
    return dict(json.loads((scenarios.person_of(folder) / "person.json").read_text()))


def _national_id(folder: Path) -> str:
    """The pensioner's Norwegian number (a fødselsnummer, or p03's D-nummer)."""
    return str(_person(folder)["national_id"]["value"])


def _full_name(folder: Path) -> str:
    """The name the pension company knows (as a Norwegian payer would write it)."""
    person = _person(folder)
    return f"{person['given_names']} {person['surname']}"


def _detail(result: dict[str, Any]) -> str:
    if result.get("problem"):
        return f"problem {result['problem']}"
    if "codes" in result:
        return f"{len(result['codes'])} bad uploads refused with their codes"
    if "deleted_items" in result:
        return f"{result['deleted_items']} items deleted, {result['held_after']} held after"
    if "fresh_session" in result:
        fresh = "a fresh session" if result["fresh_session"] else "the SAME session"
        return f"same letter, {fresh} after the first was {result['first_status']}"
    parts = list(result.get("reasons") or [])[:3]
    if result.get("attempts", 1) > 1:
        parts.append(f"after {result['attempts']} attempts")
    return ", ".join(parts)


def run_scenarios(
    service: DemoService, company: DemoCompany, samples: Path, today: date
) -> list[Row]:
    """Every scenario: the company requests, the register posts, the phone walks."""
    rows: list[Row] = []
    genuine_frames: scenarios.Frames | None = None
    for name in ORDER:
        folder = scenarios.folder_for(samples, name)
        person = scenarios.person_of(folder).name
        company.request_certificate(
            _national_id(folder),
            agreement=f"AGR-{person}",
            today=today,
            full_name=_full_name(folder),
        )
        letter = service.letter_for(_national_id(folder), service.root / "letters" / f"{name}.png")
        phone = MobileClient.connect(service.url, poll_interval=0.2)
        started = time.monotonic()
        try:
            reference = reference_from_letter(letter)
            if name == "genuine":
                result, genuine_frames = scenarios.genuine_capture(phone, folder, reference)
            elif name == "replay" and genuine_frames is not None:
                # the genuine pensioner's capture, re-sent in a new session
                result = scenarios.replay(phone, folder, reference, earlier=genuine_frames)
            else:
                result = scenarios.SCENARIOS[name](phone, folder, reference)
        except ApiProblemError as exc:
            result = {"actual": "error", "expected": "?", "problem": exc.code}
        finally:
            phone.close()
        rows.append(
            Row(
                scenario=name,
                person=person,
                expected=str(result.get("expected", "?")),
                actual=str(result.get("actual", "error")),
                seconds=round(time.monotonic() - started, 1),
                detail=_detail(result),
            )
        )
        typer.echo(_format(rows[-1]))
        log.info("demo.scenario", scenario=name, ok=rows[-1].ok, seconds=rows[-1].seconds)
    return rows


HEADER = f"   {'scenario':26}{'pensioner':11}{'expected':16}{'actual':16}{'time':>7}  detail"


def _format(row: Row) -> str:
    mark = "ok" if row.ok else "!!"
    return (
        f"{mark} {row.scenario:26}{row.person:11}{row.expected:16}{row.actual:16}"
        f"{row.seconds:>6.1f}s  {row.detail}"
    )


def _register_view(company: DemoCompany, samples: Path) -> list[str]:
    """What the register tells the company about the scenarios' pensioners."""
    lines = []
    seen: set[str] = set()
    for name in ORDER:
        folder = scenarios.folder_for(samples, name)
        person = scenarios.person_of(folder).name
        if person in seen:
            continue
        seen.add(person)
        status = company.status(_national_id(folder)).get("status") or {}
        last = status.get("last_certificate") or {}
        text = str(status.get("state", "?"))
        if last:
            text += (
                f" {str(last.get('certified_at', ''))[:10]} with {last.get('document_type')}"
                f" of {last.get('issuing_state')} ({last.get('method')})"
            )
        if status.get("outstanding_request"):
            text += ", request outstanding"
        lines.append(f"   {person:6} {text}")
    return lines


def _wait_for_workers(service: DemoService) -> None:
    """One progress line while the workers load the face and liveness models (the first
    run on a machine takes longest), rewritten in place on a terminal."""
    interactive = sys.stdout.isatty()
    shown = -10.0

    def progress(workers: dict[str, Any], waited: float) -> None:
        nonlocal shown
        state = workers.get("summary", "workers: starting")
        line = f"   loading the face and liveness models ({state}) … {waited:.0f} s"
        if interactive:
            typer.echo("\r" + line, nl=False)
        elif waited - shown >= 10:
            typer.echo(line)
            shown = waited

    workers = service.wait_for_workers(progress)
    done = f"   {workers.get('summary', '')} — analysis can start"
    typer.echo(("\r" + done + " " * 20) if interactive else done)


def _print_staff(service: DemoService) -> None:
    """Demo accounts for the ops console (shown once; a second person confirms rejections)."""
    typer.echo("\n   ops console accounts for this run (TOTP: add the secret to an authenticator,")
    typer.echo("   or: uv run python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"):")
    for username, role in (("demo-reviewer", "reviewer"), ("demo-senior", "senior_reviewer")):
        created = service.add_staff(username, role)
        typer.echo(
            f"   {username:14} {role:16} password {created.password}  "
            f"TOTP secret {created.totp_secret}"
        )


@app.command("demo")
def demo_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Run folder (default var/demo).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = DEFAULT_SEED,
    workers: Annotated[int, typer.Option("--workers", min=1, max=8)] = 1,
    keep_running: Annotated[
        bool,
        typer.Option("--keep-running", help="Leave the service up afterwards (Ctrl-C stops)."),
    ] = False,
) -> None:
    """Start the service, seed a pension company, run every phone scenario, print a table."""
    settings = settings_or_exit()
    root = out or settings.data.var_dir / "demo"
    samples = root / "samples"
    today = SystemClock().today()
    started = time.perf_counter()
    try:
        typer.echo(f"1. generating synthetic documents and a test PKI into {samples} …")
        summary = generate_samples(samples, seed=seed, reference=today)
        typer.echo(
            f"   {summary.persons} pensioners, {summary.negatives} negative samples, "
            f"{summary.files} files in {summary.seconds:.1f} s"
        )
        pki = samples / "pki"
        service = DemoService(
            root / "service", [pki / "trust", pki / "crl", pki / "link"], workers=workers
        )
        typer.echo(
            f"2. starting the service on {service.url} (SQLite and local files in "
            f"{service.root}; log: {service.log_path}) …"
        )
        with service.running():
            _wait_for_workers(service)
            company = service.enrol_company()
            typer.echo(
                "3. Demo Pensjon AS proves its pensioners and asks for life certificates; "
                "the register posts a letter with a QR code for each"
            )
            typer.echo("4. a simulated phone scans each letter and walks one scenario:\n")
            typer.echo(HEADER)
            rows = run_scenarios(service, company, samples, today)
            typer.echo("\n5. the register, as Demo Pensjon AS sees it (signed answers):")
            for line in _register_view(company, samples):
                typer.echo(line)
            ok = all(row.ok for row in rows)
            outcome = "ALL AS EXPECTED" if ok else "SOME RESULTS UNEXPECTED"
            typer.echo(
                f"\n   API docs:    {service.url}/v1/docs\n"
                f"   ops console: {service.url}/ops/"
                + ("" if probe(f"{service.url}/ops/") else " (not available in this build)")
            )
            log.info("demo_finished", scenarios=len(rows), ok=ok)
            typer.echo(f"\ndone in {time.perf_counter() - started:.0f} s — {outcome}")
            if keep_running:
                _print_staff(service)
                typer.echo("the service keeps running; Ctrl-C stops it")
                service.wait_until_stopped()
    except LeveattestError as exc:
        fail(exc, as_json=False)
    if not ok:
        raise typer.Exit(1)
