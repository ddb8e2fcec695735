"""``leveattest chip verify`` and ``leveattest trust info``.

Exit status 0 whenever a verdict was reached (accepted, inconclusive or rejected);
2 (through ``fail``) only when an input could not be processed: unreadable files,
oversize input, bad hex, or no trust anchors.
"""

from __future__ import annotations

import binascii
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from leveattest.cli.app import chip_app, emit_json, fail, settings_or_exit, trust_app
from leveattest.core.clock import SystemClock
from leveattest.core.errors import InputError, LeveattestError, TrustStoreError
from leveattest.core.settings import Settings
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import verify_chip


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{what} could not be read", file=str(path)) from exc


def _parse_at(text: str | None) -> datetime:
    if not text:
        return SystemClock().now()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError("--at must be an ISO date or date-time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_dg(spec: str) -> tuple[int, Path]:
    number, sep, path = spec.partition("=")
    if not sep or not number.strip().isdigit():
        raise InputError("--dg takes N=FILE, e.g. --dg 1=DG1.bin")
    return int(number), Path(path)


def _hex(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text.replace(" ", ""))
    except (ValueError, binascii.Error) as exc:
        raise InputError(f"{what} is not hexadecimal") from exc


def _store(paths: list[Path], settings: Settings) -> FileTrustStore:
    chosen = paths or settings.chip.trust_paths
    if not chosen:
        raise TrustStoreError(
            "no trust store: pass --trust PATH or set LEVEATTEST_CHIP__TRUST_PATHS"
        )
    return FileTrustStore(chosen)


def _human(payload: dict[str, Any]) -> list[str]:
    lines = [f"result  {payload['result']}"]
    for check in payload["checks"]:
        lines.append(f"  {check['check']:<14} {check['verdict']:<13} {check['reason']}")
    return lines


@chip_app.command("verify")
def verify(  # noqa: PLR0917 - typer options
    sod: Annotated[Path, typer.Option("--sod", help="EF.SOD file")],
    dg: Annotated[list[str] | None, typer.Option("--dg", help="data group N=FILE")] = None,
    trust: Annotated[
        list[Path] | None, typer.Option("--trust", help="CSCA dir/file, master list or CRL")
    ] = None,
    challenge: Annotated[str | None, typer.Option(help="AA challenge (hex)")] = None,
    aa_signature: Annotated[str | None, typer.Option(help="AA signature (hex)")] = None,
    at: Annotated[str | None, typer.Option(help="check time, ISO date (default now)")] = None,
    allow_deviation: Annotated[
        list[str] | None, typer.Option(help="accept a named deviation (e.g. trailing_bytes)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Passive (and, with a challenge, Active) authentication of chip data."""
    settings = settings_or_exit()
    try:
        if (challenge is None) != (aa_signature is None):
            raise InputError("--challenge and --aa-signature go together")
        groups: dict[int, bytes] = {}
        for spec in dg or []:
            number, path = _parse_dg(spec)
            groups[number] = _read(path, f"DG{number}")
        result = verify_chip(
            _read(sod, "EF.SOD"),
            groups,
            _store(list(trust or []), settings),
            at=_parse_at(at),
            aa_challenge=_hex(challenge, "--challenge") if challenge is not None else None,
            aa_signature=_hex(aa_signature, "--aa-signature") if aa_signature else None,
            settings=settings.chip,
            allow_deviations=allow_deviation or (),
        )
    except (LeveattestError, ValueError) as exc:
        error = exc if isinstance(exc, LeveattestError) else InputError(str(exc))
        fail(error, as_json=as_json)
    payload = result.to_json_dict()
    if as_json:
        emit_json(payload)
    else:
        typer.echo("\n".join(_human(payload)))


@trust_app.command("info")
def info(
    paths: Annotated[list[Path], typer.Argument(help="CSCA dirs/files, master lists, CRLs")],
    days: Annotated[int, typer.Option(help="report CSCAs expiring within N days")] = 90,
    at: Annotated[str | None, typer.Option(help="reference time, ISO date")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Summarise a trust store: anchors, states, expiring CSCAs, master lists, CRLs."""
    try:
        store = FileTrustStore(paths)
        summary = store.summary(_parse_at(at), within_days=days)
    except LeveattestError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json(summary)
        return
    verified = sum(1 for m in summary["master_lists"] if m["verified"])
    fresh = [c for c in summary["crls"] if c["verified_by"]]
    lines = [
        f"anchors          {summary['anchors']} ({summary['anchors_valid_now']} valid now)",
        f"states           {summary['state_count']}",
        f"expiring soon    {len(summary['expiring_soon'])} within {days} days",
        f"link certs       {len(summary['link_certificates'])} verified, "
        f"{len(summary['unverified_link_certificates'])} unverified",
        f"master lists     {len(summary['master_lists'])} ({verified} verified)",
        f"CRLs             {len(summary['crls'])} ({len(fresh)} verified)",
        f"files refused    {len(summary['errors'])}",
    ]
    typer.echo("\n".join(lines))
