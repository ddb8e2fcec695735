"""``verify_chip``: passive authentication + Active Authentication -> a ``ChipVerification``.

The seven checks are always present, in this order: ``sod_parse``, ``sod_signature``,
``dg_hashes``, ``trust_chain``, ``dsc_validity``, ``revocation``, ``active_auth``.
``decide`` (the policy, a small pure function) turns them into ``accepted`` /
``inconclusive`` / ``rejected``; docs/verification.md explains each rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from leveattest.core.checks import CheckName, CheckResult, Reason, Verdict
from leveattest.core.errors import (
    ChipDataError,
    ChipDataTooLargeError,
    ChipUnexpectedContentError,
    ChipUnsupportedAlgorithmError,
    TrustStoreError,
)
from leveattest.core.settings import ChipSettings
from leveattest.emrtd.active import ACTIVE_AUTH, check_active_auth
from leveattest.emrtd.passive import (
    DG_HASHES,
    DSC_VALIDITY,
    REVOCATION,
    SOD_SIGNATURE,
    TRUST_CHAIN,
    check_dg_hashes,
    check_dsc_validity,
    check_revocation,
    check_sod_signature,
    check_trust_chain,
)
from leveattest.emrtd.sod import Deviation, Sod, parse_sod
from leveattest.emrtd.trust import TrustStore

SOD_PARSE = CheckName.SOD_PARSE
CHECK_NAMES = (SOD_PARSE, SOD_SIGNATURE, DG_HASHES, TRUST_CHAIN, DSC_VALIDITY, REVOCATION,
               ACTIVE_AUTH)  # fmt: skip
# a failure of any of these is a verdict on the document itself: rejected
PASSIVE_CHECKS = CHECK_NAMES[:-1]


class ChipResult(StrEnum):
    ACCEPTED = "accepted"
    INCONCLUSIVE = "inconclusive"
    REJECTED = "rejected"


class ChipVerification(BaseModel):
    model_config = ConfigDict(frozen=True)

    result: ChipResult
    checks: tuple[CheckResult, ...]

    def check(self, name: str) -> CheckResult:
        for item in self.checks:
            if item.check == name:
                return item
        raise KeyError(name)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.value,
            "checks": [
                {
                    "check": c.check,
                    "verdict": c.verdict.value,
                    "reason": c.reason.value,
                    "evidence": c.evidence.model_dump(mode="json", exclude_unset=True),
                    **({"detail": c.detail} if c.detail else {}),
                }
                for c in self.checks
            ],
        }


def decide(checks: Iterable[CheckResult]) -> ChipResult:
    """The chip policy. Fails closed:

    * rejected — any passive check (sod_parse … revocation) failed;
    * accepted — every passive check passed, and active_auth passed or is not_present
      (a document without DG15 cannot do AA);
    * inconclusive — anything else: AA failed / inconclusive / not performed, revocation
      unknown or CRL stale, no data group presented, or a check missing altogether.
    """
    by_name = {c.check: c for c in checks}
    if any(c.verdict is Verdict.FAILED for n, c in by_name.items() if n in PASSIVE_CHECKS):
        return ChipResult.REJECTED
    if any(n not in by_name or not by_name[n].ok for n in PASSIVE_CHECKS):
        return ChipResult.INCONCLUSIVE
    aa = by_name.get(ACTIVE_AUTH)
    if aa is not None and aa.verdict in (Verdict.PASSED, Verdict.NOT_PRESENT):
        return ChipResult.ACCEPTED
    return ChipResult.INCONCLUSIVE


def _parse_failure(exc: ChipDataError) -> CheckResult:
    if isinstance(exc, ChipUnsupportedAlgorithmError):
        reason = Reason.UNSUPPORTED_ALGORITHM
    elif isinstance(exc, ChipUnexpectedContentError):
        reason = Reason.SOD_UNEXPECTED_CONTENT
    else:
        reason = Reason.SOD_MALFORMED
    return CheckResult.failed(SOD_PARSE, reason, exc.message, error_code=exc.code, **exc.context)


def _skipped(names: Sequence[str]) -> list[CheckResult]:
    return [CheckResult.not_checked(n, detail="EF.SOD could not be parsed") for n in names]


def verify_chip(
    sod: bytes,
    data_groups: Mapping[int, bytes],
    trust: TrustStore,
    *,
    at: datetime,
    aa_challenge: bytes | None = None,
    aa_signature: bytes | None = None,
    settings: ChipSettings | None = None,
    allow_deviations: Collection[Deviation | str] = (),
    required_data_groups: Collection[int] = (),
    chip_authentication_claimed: bool | None = None,
) -> ChipVerification:
    """Verify chip data read from an eMRTD against ``trust`` at time ``at``.

    A bad document gives a result (``rejected`` / ``inconclusive``); an exception means
    the input could not be processed: ``TrustStoreError`` when no anchor is configured,
    ``ChipDataTooLargeError`` for oversize files (refused before parsing),
    ``ChipDataError`` for an AA challenge without signature (or the reverse).
    """
    cfg = settings or ChipSettings()
    if trust.anchor_count == 0:
        raise TrustStoreError("no trust anchors configured")
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    for number, blob in data_groups.items():
        if not 1 <= number <= 16:
            raise ChipDataError("data group numbers are 1..16", number=number)
        if len(blob) > cfg.max_file_bytes:
            raise ChipDataTooLargeError(data_group=number, size=len(blob), limit=cfg.max_file_bytes)
    if len(sod) > cfg.max_file_bytes:
        raise ChipDataTooLargeError(file="sod", size=len(sod), limit=cfg.max_file_bytes)
    if (aa_challenge is None) != (aa_signature is None):
        raise ChipDataError("an AA challenge and its signature must be given together")
    try:
        parsed: Sod = parse_sod(sod, allow=allow_deviations)
    except ChipDataTooLargeError:
        raise
    except ChipDataError as exc:
        checks = [_parse_failure(exc), *_skipped(CHECK_NAMES[1:])]
        return ChipVerification(result=decide(checks), checks=tuple(checks))
    parse_ok = CheckResult.passed(SOD_PARSE, **parsed.evidence())
    signature, _signer = check_sod_signature(parsed)
    hashes = check_dg_hashes(
        parsed, data_groups, signature_ok=signature.ok, required=required_data_groups
    )
    chain_result, chain = check_trust_chain(parsed, trust)
    validity = check_dsc_validity(
        parsed, chain, at=at, settings=cfg, data_groups=data_groups, dg_hashes=hashes
    )
    revocation = check_revocation(chain, trust, at=at, settings=cfg)
    active = check_active_auth(
        parsed,
        data_groups,
        signature_check=signature,
        dg_hashes=hashes,
        challenge=aa_challenge,
        signature=aa_signature,
        chip_authentication_claimed=chip_authentication_claimed,
    )
    checks = [parse_ok, signature, hashes, chain_result, validity, revocation, active]
    return ChipVerification(result=decide(checks), checks=tuple(checks))
