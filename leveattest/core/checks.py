"""Check outcomes as data.

Every verification step returns a ``CheckResult``: the check's name, a verdict, a
reason from a closed enum with stable string values, and evidence (hashes,
fingerprints, distances, thresholds, model ids — never personal data in clear).
A separate policy turns a list of results into a decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from leveattest.core.reasons import Reason, Verdict

__all__ = ["CheckResult", "Reason", "Verdict", "first_failure"]


class CheckResult(BaseModel):
    """The outcome of one check, with the evidence a reviewer or auditor needs."""

    model_config = ConfigDict(frozen=True)

    check: str
    verdict: Verdict
    reason: Reason = Reason.OK
    evidence: Mapping[str, Any] = Field(default_factory=dict)
    detail: str = ""

    @classmethod
    def passed(cls, check: str, **evidence: Any) -> CheckResult:
        return cls(check=check, verdict=Verdict.PASSED, reason=Reason.OK, evidence=evidence)

    @classmethod
    def failed(cls, check: str, reason: Reason, detail: str = "", **evidence: Any) -> CheckResult:
        return cls(
            check=check, verdict=Verdict.FAILED, reason=reason, detail=detail, evidence=evidence
        )

    @classmethod
    def inconclusive(
        cls, check: str, reason: Reason, detail: str = "", **evidence: Any
    ) -> CheckResult:
        return cls(
            check=check,
            verdict=Verdict.INCONCLUSIVE,
            reason=reason,
            detail=detail,
            evidence=evidence,
        )

    @classmethod
    def not_present(
        cls, check: str, reason: Reason = Reason.NOT_APPLICABLE, **evidence: Any
    ) -> CheckResult:
        return cls(check=check, verdict=Verdict.NOT_PRESENT, reason=reason, evidence=evidence)

    @classmethod
    def not_checked(
        cls, check: str, reason: Reason = Reason.NOT_APPLICABLE, detail: str = "", **evidence: Any
    ) -> CheckResult:
        return cls(
            check=check,
            verdict=Verdict.NOT_CHECKED,
            reason=reason,
            detail=detail,
            evidence=evidence,
        )

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.PASSED


def first_failure(results: Iterable[CheckResult]) -> CheckResult | None:
    """The first failed result, or None when nothing failed."""
    for result in results:
        if result.verdict is Verdict.FAILED:
            return result
    return None
