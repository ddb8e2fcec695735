"""What the pipeline returns: a decision, its reasons, advice for the pensioner and all checks."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from leveattest.core.checks import CheckResult, Reason


class Decision(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    REJECT = "reject"
    RETRY = "retry"


class DocumentFacts(BaseModel):
    """The holder and document as the chip's DG1 states them (the authoritative source).

    The document number is kept as a keyed fingerprint; in clear only as ``foreign_id``
    when the holder has no national identity number on the chip — then the document
    number and its issuing state are how the register knows the person — and as
    ``document_number`` for a document not issued by Norway, which the register records
    as an alias of the person the invitation names (docs/identity.md). The rest is what
    the register needs for a life certificate and what a reviewer compares against.
    """

    model_config = ConfigDict(frozen=True)

    document_type: str
    issuing_state: str
    document_number_fp: str
    expiry_date: date | None
    surname: str
    given_names: str
    birth_date: date | None
    sex: str
    nationality: str
    national_id: str | None = None
    national_id_kind: str | None = None
    foreign_id: str | None = None  # the document number, only without a national id
    document_number: str | None = None  # only for documents not issued by Norway
    name_truncated: bool = False  # the MRZ name field was full (ICAO 9303-3 §4.6.1)
    birth_date_raw: str | None = None  # YYMMDD with ``<`` where the birth date is partial


class PipelineOutcome(BaseModel):
    """The decision for one session, with every check and its evidence (stored as is)."""

    model_config = ConfigDict(frozen=True)

    decision: Decision
    reasons: list[Reason] = Field(default_factory=list)
    # pensioner-facing, actionable sentences ("The photo of the passport page was too dark …")
    advice: list[str] = Field(default_factory=list)
    checks: list[CheckResult] = Field(default_factory=list)
    document: DocumentFacts | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)
