"""Chip step: passive + active authentication of the uploaded chip files, then DG1 and DG2.

``verify_chip`` gives the seven chip checks. Around it this step adds ``chip_read``
(the files could be used at all: EF.SOD present, names and sizes acceptable) and
``dg1_parse`` (the signed MRZ could be parsed). DG1 and DG2 are only used when
``dg_hashes`` passed: unauthenticated chip data never feeds later steps.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.core.errors import ChipDataError
from leveattest.core.settings import Settings
from leveattest.emrtd.dg2 import parse_dg2
from leveattest.emrtd.lds import Dg1, parse_dg1
from leveattest.emrtd.trust import TrustStore
from leveattest.emrtd.verify import CHECK_NAMES, ChipResult, verify_chip
from leveattest.pipeline import names
from leveattest.pipeline.inputs import SessionInputs

_DG_KEY = re.compile(r"^DG(1[0-6]|[1-9])$")
_KNOWN_KEYS = frozenset({"EF_COM", "EF_SOD"})


@dataclass(frozen=True)
class ChipStep:
    """The chip checks and the authenticated data later steps use."""

    checks: list[CheckResult]
    result: ChipResult | None = None
    dg1: Dg1 | None = None
    portrait: bytes | None = field(default=None, repr=False)


def _fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _unusable(reason: Reason, detail: str, **evidence: object) -> ChipStep:
    skipped = [
        CheckResult.not_checked(n, detail="chip files could not be used") for n in CHECK_NAMES
    ]
    return ChipStep(
        checks=[CheckResult.failed(names.CHIP_READ, reason, detail, **evidence), *skipped]
    )


def _data_groups(files: dict[str, bytes]) -> tuple[dict[int, bytes], list[str]]:
    groups: dict[int, bytes] = {}
    unknown: list[str] = []
    for key, blob in files.items():
        match = _DG_KEY.match(key)
        if match:
            groups[int(match.group(1))] = blob
        elif key not in _KNOWN_KEYS:
            unknown.append(key)
    return groups, unknown


def run_chip_step(
    inputs: SessionInputs, trust: TrustStore, *, at: datetime, settings: Settings
) -> ChipStep:
    """Verify the chip files. Raises only ``TrustStoreError`` (nothing to verify against)."""
    files = dict(inputs.chip_files)
    sod = files.get("EF_SOD")
    if not sod:
        return _unusable(Reason.INPUT_MISSING, "EF.SOD was not uploaded", files=sorted(files))
    groups, unknown = _data_groups(files)
    if unknown:
        return _unusable(Reason.DATA_GROUP_MALFORMED, "unknown chip file name", unknown=unknown)
    challenge, signature = inputs.aa_challenge, inputs.aa_signature
    if (challenge is None) != (signature is None):
        # the phone did not finish Active Authentication: verify as if none was done
        challenge = signature = None
    try:
        verification = verify_chip(
            sod,
            groups,
            trust,
            at=at,
            aa_challenge=challenge,
            aa_signature=signature,
            settings=settings.chip,
            required_data_groups=tuple(settings.pipeline.required_data_groups),
            chip_authentication_claimed=inputs.chip_authentication_claimed,
        )
    except ChipDataError as exc:  # oversize or inconsistent chip input: a capture problem
        return _unusable(Reason.DATA_GROUP_MALFORMED, exc.message, error_code=exc.code)
    checks = [
        CheckResult.passed(
            names.CHIP_READ, files=sorted(files), sod_fp=_fingerprint(sod), aa_done=bool(challenge)
        ),
        *verification.checks,
    ]
    hashes_ok = verification.check(names.DG_HASHES).verdict is Verdict.PASSED
    dg1, dg1_check = _dg1(groups.get(1), hashes_ok, at)
    checks.append(dg1_check)
    portrait = _portrait(groups.get(2)) if hashes_ok else None
    return ChipStep(checks=checks, result=verification.result, dg1=dg1, portrait=portrait)


def _dg1(data: bytes | None, hashes_ok: bool, at: datetime) -> tuple[Dg1 | None, CheckResult]:
    if data is None:
        return None, CheckResult.not_present(names.DG1_PARSE, Reason.DATA_GROUP_MISSING)
    if not hashes_ok:
        return None, CheckResult.not_checked(
            names.DG1_PARSE, Reason.HASH_MISMATCH, detail="DG1 is not authenticated"
        )
    try:
        dg1 = parse_dg1(data, today=at.date())
    except ChipDataError as exc:
        failed = CheckResult.failed(
            names.DG1_PARSE, Reason.DATA_GROUP_MALFORMED, exc.message, error_code=exc.code
        )
        return None, failed
    mrz = dg1.mrz
    if mrz is None or not mrz.valid:
        problems = [p.reason.value for p in mrz.problems] if mrz else []
        failed = CheckResult.failed(
            names.DG1_PARSE, Reason.DATA_GROUP_MALFORMED, "DG1 MRZ is not valid", problems=problems
        )
        return dg1, failed
    return dg1, CheckResult.passed(names.DG1_PARSE, format=mrz.format.value)


def _portrait(data: bytes | None) -> bytes | None:
    if data is None:
        return None
    try:
        faces = parse_dg2(data)
    except ChipDataError:
        return None
    return faces[0].image if faces else None
