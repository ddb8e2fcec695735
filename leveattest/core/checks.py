"""Check outcomes as data.

Every verification step returns a ``CheckResult``: the check's name (a
:class:`CheckName`), a verdict, a reason from a closed enum with stable string values,
and evidence — the check's own typed model (``leveattest.core.evidence``: hashes,
fingerprints, distances, thresholds, model ids, the engine's decision — never personal
data in clear). A separate policy turns a list of results into a decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializeAsAny,
    field_serializer,
    model_validator,
)

from leveattest.core.check_names import CheckName
from leveattest.core.evidence import Evidence, build_evidence
from leveattest.core.reasons import Reason, Verdict

__all__ = ["CheckName", "CheckResult", "Evidence", "Reason", "Verdict", "first_failure"]

E = TypeVar("E", bound=Evidence)


class CheckResult(BaseModel):
    """The outcome of one check, with the evidence a reviewer or auditor needs."""

    model_config = ConfigDict(frozen=True)

    check: CheckName
    verdict: Verdict
    reason: Reason = Reason.OK
    # the check's own model (``evidence_model(check)``); keywords are validated into it
    evidence: SerializeAsAny[Evidence] = Field(default_factory=Evidence)
    detail: str = ""

    @model_validator(mode="before")
    @classmethod
    def _typed_evidence(cls, data: Any) -> Any:
        if isinstance(data, dict) and "check" in data:
            data = {**data, "evidence": build_evidence(str(data["check"]), data.get("evidence"))}
        return data

    @field_serializer("evidence")
    def _given_evidence(self, evidence: Any, info: SerializationInfo) -> Any:
        if not isinstance(evidence, Evidence):  # built with model_construct
            return dict(evidence)
        return evidence.model_dump(mode=info.mode, exclude_unset=True)

    def evidence_as(self, model: type[E]) -> E | None:
        """The evidence if it is a ``model`` (a reader's typed view), else None."""
        return self.evidence if isinstance(self.evidence, model) else None

    @classmethod
    def passed(cls, check: CheckName | str, **evidence: Any) -> CheckResult:
        return cls(check=check, verdict=Verdict.PASSED, reason=Reason.OK, evidence=evidence)

    @classmethod
    def failed(
        cls, check: CheckName | str, reason: Reason, detail: str = "", **evidence: Any
    ) -> CheckResult:
        return cls(
            check=check, verdict=Verdict.FAILED, reason=reason, detail=detail, evidence=evidence
        )

    @classmethod
    def inconclusive(
        cls, check: CheckName | str, reason: Reason, detail: str = "", **evidence: Any
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
        cls,
        check: CheckName | str,
        reason: Reason = Reason.NOT_APPLICABLE,
        detail: str = "",
        **evidence: Any,
    ) -> CheckResult:
        return cls(
            check=check,
            verdict=Verdict.NOT_PRESENT,
            reason=reason,
            detail=detail,
            evidence=evidence,
        )

    @classmethod
    def not_checked(
        cls,
        check: CheckName | str,
        reason: Reason = Reason.NOT_APPLICABLE,
        detail: str = "",
        **evidence: Any,
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
