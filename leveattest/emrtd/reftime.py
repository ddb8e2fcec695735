"""When was the SOD signed? The reference time ``dsc_validity`` judges the DSC at.

ICAO 9303-12 §5.3 uses the chain model: the DSC must have been valid when the SOD was
signed. Most SODs carry no signingTime, so the reference comes from the first of these
that is available (docs/verification.md, "dsc_validity"):

1. the **signingTime** signed attribute (RFC 5652 §11.3): one instant;
2. the **DG12 date of issue** (tag 5F26, 9303-10 §4.7.12), only when DG12 was presented
   and its hash matches the SOD: the day the document was issued, in the issuing state's
   local time (so the day, widened by the clock skew on both sides);
3. the DSC's **private key usage period** (2.5.29.16; 9303-12 §7.1.1: the period in which
   the DSC key signs documents): a window from its notBefore to its notAfter (or the check
   time, if sooner) — the SOD was signed at some instant of it, we cannot tell which;
4. otherwise there is **no reference time**: ``dsc_validity`` is inconclusive.

``judge_window`` turns a window into a fact: the DSC valid throughout (passed), at no
instant of it (failed), or for part of it (a usage period reaching outside the DSC's own
validity: inconclusive; for the one-day DG12 window, valid on that day is enough).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from leveattest.core.checks import Reason
from leveattest.core.errors import ChipDataError
from leveattest.emrtd.certs import CertRecord
from leveattest.emrtd.lds import parse_dg12_date_of_issue
from leveattest.emrtd.sod import Sod

# an SOD signed a little "in the future" is tolerated (reader and issuer clocks differ)
CLOCK_SKEW = timedelta(days=1)
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


class Source(StrEnum):
    SIGNING_TIME = "signing_time_attribute"
    DG12_DATE_OF_ISSUE = "dg12_date_of_issue"
    PRIVATE_KEY_USAGE_PERIOD = "dsc_private_key_usage_period"


class Judgement(StrEnum):
    VALID = "valid"
    PARTLY = "partly_valid"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class ReferenceWindow:
    """The instants at which the SOD may have been signed, and where that comes from."""

    source: Source
    earliest: datetime
    latest: datetime
    # a window that touches the DSC's validity is enough (DG12: valid on the day of issue)
    overlap_suffices: bool = False

    def evidence(self, dsc: CertRecord) -> dict[str, Any]:
        out: dict[str, Any] = {"reference_time_source": self.source.value}
        if self.source is Source.DG12_DATE_OF_ISSUE:
            # the date of issue is document data: record only how it relates to the DSC
            days = (self.earliest + CLOCK_SKEW - dsc.not_before).days
            return out | {"dg12_issue_days_after_dsc_not_before": days}
        return out | {
            "reference_time": self.latest.isoformat(),
            "reference_window": [self.earliest.isoformat(), self.latest.isoformat()],
        }


def _dg12_window(
    data_groups: dict[int, bytes], dg12_authenticated: bool
) -> tuple[ReferenceWindow | None, str]:
    if 12 not in data_groups:
        return None, "not_presented"
    if not dg12_authenticated:
        return None, "not_authenticated"
    try:
        issued = parse_dg12_date_of_issue(data_groups[12])
    except ChipDataError:
        return None, "malformed"
    if issued is None:
        return None, "no_date_of_issue"
    start = datetime.combine(issued, time(), tzinfo=UTC)
    window = ReferenceWindow(
        Source.DG12_DATE_OF_ISSUE,
        start - CLOCK_SKEW,
        start + timedelta(days=1) + CLOCK_SKEW,
        overlap_suffices=True,
    )
    return window, "used"


def _usage_period(dsc: CertRecord) -> tuple[datetime | None, datetime | None] | None:
    try:
        value = dsc.cert.private_key_usage_period_value
        if value is None:
            return None
        native = value.native
        return native.get("not_before"), native.get("not_after")
    except _PARSE_ERRORS:
        return None, None


def _pkup_window(dsc: CertRecord, at: datetime) -> tuple[ReferenceWindow | None, str]:
    period = _usage_period(dsc)
    if period is None:
        return None, "absent"
    start, end = period
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None, "incomplete"
    if start.tzinfo is None or end.tzinfo is None:
        return None, "malformed"  # RFC 5280: GeneralizedTime in UTC ("Z"); no local times
    if start > end:
        return None, "inverted"
    # a period still running ends, for this document, no later than the check time
    latest = min(end, max(at, start))
    return ReferenceWindow(Source.PRIVATE_KEY_USAGE_PERIOD, start, latest), "used"


def reference_window(
    sod: Sod,
    dsc: CertRecord,
    *,
    data_groups: dict[int, bytes],
    dg12_authenticated: bool,
    at: datetime,
) -> tuple[ReferenceWindow | None, dict[str, str]]:
    """The first available reference (see the module docstring) and, for evidence, what
    each source gave (``used``, ``absent``, ``not_authenticated``, …)."""
    seen: dict[str, str] = {}
    if sod.signing_time is not None:
        instant = sod.signing_time
        return ReferenceWindow(Source.SIGNING_TIME, instant, instant), {
            Source.SIGNING_TIME.value: "used"
        }
    seen[Source.SIGNING_TIME.value] = "absent"
    window, seen[Source.DG12_DATE_OF_ISSUE.value] = _dg12_window(data_groups, dg12_authenticated)
    if window is not None:
        return window, seen
    window, seen[Source.PRIVATE_KEY_USAGE_PERIOD.value] = _pkup_window(dsc, at)
    return window, seen


def judge_window(dsc: CertRecord, window: ReferenceWindow) -> Judgement:
    """The DSC's validity over the window (all bounds inclusive)."""
    if window.latest < dsc.not_before:
        return Judgement.NOT_YET_VALID
    if window.earliest > dsc.not_after:
        return Judgement.EXPIRED
    if window.overlap_suffices:
        return Judgement.VALID
    if dsc.not_before <= window.earliest and window.latest <= dsc.not_after:
        return Judgement.VALID
    return Judgement.PARTLY


JUDGEMENT_REASONS = {
    Judgement.NOT_YET_VALID: Reason.CERTIFICATE_NOT_YET_VALID,
    Judgement.EXPIRED: Reason.CERTIFICATE_EXPIRED,
}
