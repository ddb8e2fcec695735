"""Evidence as typed data: one model per check, stored as JSON, read back typed.

Every :class:`~leveattest.core.checks.CheckResult` carries the evidence model of its
check (``evidence_model(check)``): an engine hands its evidence over as keywords and the
result validates them into that model, so a value of the wrong type is a bug caught where
the check is made, not a surprise in the ops console. The pipeline stores
``Evidence.to_json()``; the console reads rows back with :func:`read_evidence`, which is
tolerant of rows written by older versions (a field it cannot read is left out and
named in ``unreadable``, never an error on the case page).

The models carry the engines' own outcomes (a face pair's ``decision``, the liveness
``label``): a reader shows them and never re-derives them from distances and thresholds.

``extra="allow"``: a key a model does not declare is kept (and stored) rather than lost;
tests assert that the pipeline's own checks write none (every key is declared).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from leveattest.core.check_names import CheckName

_MAX_TEXT = 512


class MatchDecision(StrEnum):
    """What the face engine decided for a pair (``leveattest.face.match.decide``)."""

    MATCH = "match"
    NO_MATCH = "no_match"
    NEAR_THRESHOLD = "near_threshold"
    NOT_COMPARED = "not_compared"


class LivenessLabel(StrEnum):
    """What the liveness verifier decided (``leveattest.face.liveness.fuse``)."""

    LIVE = "live"
    SPOOF = "spoof"
    UNCERTAIN = "uncertain"


def sanitise_evidence(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy: bytes and long strings become ``{sha256, bytes}`` summaries."""
    if depth > 6:
        return "[too deep]"
    if isinstance(value, Enum):
        return sanitise_evidence(value.value, depth + 1)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    if isinstance(value, str):
        if len(value) > _MAX_TEXT:
            return {"sha256": hashlib.sha256(value.encode()).hexdigest(), "chars": len(value)}
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): sanitise_evidence(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if len(items) > 32:  # vectors (e.g. face embeddings) are biometric: never stored
            return {"items": len(items)}
        return [sanitise_evidence(v, depth + 1) for v in items]
    return str(type(value).__name__)


class Evidence(BaseModel):
    """The evidence of a check; the model of a check without one of its own."""

    model_config = ConfigDict(frozen=True, extra="allow", protected_namespaces=())

    # the stable code of the error that stopped the check (an ``InputError``'s code)
    error_code: str | None = None

    _unreadable: tuple[str, ...] = PrivateAttr(default=())

    @property
    def unreadable(self) -> tuple[str, ...]:
        """Stored fields this version could not read (rows written by older versions)."""
        return self._unreadable

    @property
    def undeclared(self) -> tuple[str, ...]:
        """Keys kept although the model does not declare them."""
        return tuple(sorted(self.model_extra or {}))

    def to_json(self) -> dict[str, Any]:
        """What is stored: the fields that were given, JSON-safe, never images or bytes."""
        return dict(sanitise_evidence(self.model_dump(exclude_unset=True)))


class ChipReadEvidence(Evidence):
    files: list[str] | None = None
    unknown: list[str] | None = None
    sod_fp: str | None = None
    aa_done: bool | None = None


class SodParseEvidence(Evidence):
    content_type: str | None = None
    econtent_type: str | None = None
    version: int | str | None = None
    lds_security_object_version: int | None = None
    lds_version_info: dict[str, Any] | None = None
    hash_algorithm: str | None = None
    data_groups: list[Any] | None = None
    signing_time: str | None = None
    deviations: list[str] | None = None
    asn1_encoding: dict[str, Any] | None = None
    # where parsing stopped
    oid: str | None = None
    expected: str | None = None
    found: str | None = None
    offset: int | None = None
    length: int | None = None
    available: int | None = None
    trailing: int | None = None
    number: int | None = None
    octets: int | None = None


class SodSignatureEvidence(Evidence):
    scheme: str | None = None
    oid: str | None = None
    hash: str | None = None
    mgf1_hash: str | None = None
    salt_length: int | None = None
    key_type: str | None = None
    key_bits: int | None = None
    curve: str | None = None
    ecdsa_backend: str | None = None
    ecdsa_encoding: str | None = None
    signature_valid: bool | None = None
    signer_match: str | None = None
    dsc_fingerprint_sha256: str | None = None
    content_type_matches: bool | None = None
    message_digest_matches: bool | None = None
    message_digest_stored: str | None = None
    message_digest_computed: str | None = None
    deviations: list[str] | None = None


class DgHashesEvidence(Evidence):
    hash_algorithm: str | None = None
    # "DG1" -> {"match": bool, stored/computed hash prefixes, ...}
    data_groups: dict[str, dict[str, Any]] | None = None
    listed_in_sod: list[Any] | None = None
    mismatched: list[Any] | None = None
    missing: list[Any] | None = None
    not_in_sod: list[Any] | None = None
    not_presented: list[Any] | None = None

    def authenticated(self, number: int) -> bool:
        """Data group ``number`` was presented and matches the SOD's hash."""
        entry = (self.data_groups or {}).get(f"DG{number}") or {}
        return bool(entry.get("match"))


class TrustChainEvidence(Evidence):
    dsc: dict[str, Any] | None = None
    dsc_issuer: str | None = None
    candidates_tried: list[Any] | None = None
    issuer_name_match: str | None = None
    path: list[Any] | None = None
    problems: list[Any] | None = None


class DscValidityEvidence(Evidence):
    checked_at: str | None = None
    reference_time: str | None = None
    reference_time_source: str | None = None
    reference_sources: dict[str, Any] | None = None
    reference_window: list[Any] | None = None
    dg12_issue_days_after_dsc_not_before: int | None = None
    dsc_not_before: str | None = None
    dsc_not_after: str | None = None
    dsc_expired_now: bool | None = None
    csca_not_after: str | None = None
    csca_expired_now: bool | None = None
    accept_expired_certificates_now: bool | None = None


class RevocationEvidence(Evidence):
    dsc_serial: str | None = None
    crls: list[str] | None = None
    crl: str | None = None
    crl_this_update: str | None = None
    crl_next_update: str | None = None
    revocation_date: str | None = None


class ActiveAuthEvidence(Evidence):
    aa_in_sod: bool | None = None
    chip_authentication_claimed: bool | None = None
    challenge_bytes: int | None = None
    dg15_authenticated: bool | None = None
    scheme: str | None = None
    key_bits: int | None = None
    hash: str | None = None
    hash_chosen_by: str | None = None
    encoding: str | None = None
    problem: str | None = None


class Dg1ParseEvidence(Evidence):
    format: str | None = None
    problems: list[str] | None = None


class PageMrzEvidence(Evidence):
    """The data page against the chip's MRZ (``leveattest.mrz.match``)."""

    matched: bool | None = None
    format: str | None = None
    score: float | None = None
    threshold: float | None = None
    line_scores: list[float] | None = None
    differing_fields: list[str] | None = None
    contradicted_fields: list[str] | None = None


class DocumentTypeEvidence(Evidence):
    document_type: str | None = None
    accepted: list[str] | None = None


class IssuingStateEvidence(Evidence):
    issuing_state: str | None = None
    accepted: list[str] | str | None = None  # a list, or "any"


class DocumentExpiryEvidence(Evidence):
    expiry_date: str | None = None
    checked_on: str | None = None
    expired: bool | None = None
    days_since_expiry: int | None = None
    max_days_since_expiry: int | None = None
    accept_expired_passport_with_valid_chip: bool | None = None
    accepted_by_policy: bool | None = None


class FaceMatchEvidence(Evidence):
    """A face pair: the distance, the threshold and band it was judged by, and the
    engine's own ``decision`` (the console shows it, never recomputes it)."""

    distance: float | None = None
    threshold: float | None = None
    near_band: float | None = None
    match: bool | None = None
    decision: MatchDecision | None = None
    missing_face: list[str] | None = None
    poor_quality: list[str] | None = None
    models: dict[str, str] | None = None


class FaceBox(BaseModel):
    model_config = ConfigDict(frozen=True)

    left: int
    top: int
    width: int
    height: int


class FaceQualityEvidence(Evidence):
    faces: int | None = None
    # gate name -> {"status", "value", "advice", ...} (leveattest.face.quality)
    checks: dict[str, dict[str, Any]] | None = None
    reasons: list[str] | None = None
    width: int | None = None
    height: int | None = None
    face_box: FaceBox | None = None

    def failed_advice(self) -> list[str]:
        """The advice of each failed quality gate, in gate order."""
        return [
            str(item["advice"])
            for item in (self.checks or {}).values()
            if item.get("status") == "failed" and item.get("advice")
        ]


class LivenessEvidence(Evidence):
    """The ``liveness`` summary: the verifier's ``label`` and score, or why there is none."""

    label: LivenessLabel | None = None
    score: float | None = None
    checks: list[str] | None = None
    available: bool | None = None
    missing: str | None = None


class LivenessFramesEvidence(Evidence):
    frames: int | None = None
    min_frames: int | None = None
    max_frames: int | None = None
    first_ms: int | None = None
    last_ms: int | None = None
    challenge_ms: int | None = None
    max_gap_ms: int | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    min_side: int | None = None
    frame: int | None = None
    error: str | None = None


class LivenessActiveEvidence(Evidence):
    prompt: str | None = None
    window_frames: int | None = None
    mesh_frames: int | None = None
    ratio: float | None = None
    max_ratio: float | None = None
    baseline_eye_openness: float | None = None
    min_eye_openness: float | None = None
    baseline_offset: float | None = None
    min_offset: float | None = None
    turn_asked_way: float | None = None
    turn_other_way: float | None = None


class LivenessReplayEvidence(Evidence):
    kind: str | None = None
    hashes: int | None = None
    distance: int | None = None
    max_distance: int | None = None
    share: float | None = None
    min_share: float | None = None
    earlier_session: str | None = None


class LivenessIdentityEvidence(Evidence):
    frames: list[Any] | None = None
    key_frames: list[Any] | None = None
    embedded_frames: list[Any] | None = None
    threshold: float | None = None
    max_distance_between_frames: float | None = None
    selfie_compared: bool | None = None
    max_distance_to_selfie: float | None = None


class LivenessPassiveEvidence(Evidence):
    label: LivenessLabel | None = None
    score: float | None = None
    live_threshold: float | None = None
    frames: int | None = None
    moire: float | None = None
    moire_threshold: float | None = None
    face_px: int | None = None
    min_face_px: int | None = None
    model: str | None = None
    model_sha256_prefix: str | None = None


class LivenessReflectionEvidence(Evidence):
    correlation: float | None = None
    pass_at: float | None = None
    fail_below: float | None = None
    gain: float | None = None
    min_gain: float | None = None
    fail_gain: float | None = None
    step_gain: float | None = None
    step_gain_floor: float | None = None
    step_accuracy: float | None = None
    min_step_accuracy: float | None = None
    fail_step_accuracy: float | None = None
    steps: int | None = None
    steps_classified: int | None = None
    steps_correct: int | None = None
    colour_frames: int | None = None
    latency_ms: int | None = None
    latency_range_ms: list[int] | None = None


class MrzFormatEvidence(Evidence):
    format: str | None = None


class MrzCheckDigitsEvidence(Evidence):
    checks: dict[str, str] | None = None  # field -> passed | failed


class MrzProblemsEvidence(Evidence):
    """``mrz_dates``, ``mrz_fields``, ``mrz_national_id``: the fields at fault and notes."""

    fields: list[str] | None = None
    notes: list[str] | None = None
    quirks: list[str] | None = None
    kind: str | None = None


EVIDENCE_MODELS: Final[Mapping[CheckName, type[Evidence]]] = {
    CheckName.CHIP_READ: ChipReadEvidence,
    CheckName.SOD_PARSE: SodParseEvidence,
    CheckName.SOD_SIGNATURE: SodSignatureEvidence,
    CheckName.DG_HASHES: DgHashesEvidence,
    CheckName.TRUST_CHAIN: TrustChainEvidence,
    CheckName.DSC_VALIDITY: DscValidityEvidence,
    CheckName.REVOCATION: RevocationEvidence,
    CheckName.ACTIVE_AUTH: ActiveAuthEvidence,
    CheckName.DG1_PARSE: Dg1ParseEvidence,
    CheckName.MRZ_PAGE_VS_CHIP: PageMrzEvidence,
    CheckName.DOCUMENT_TYPE: DocumentTypeEvidence,
    CheckName.DOCUMENT_ISSUING_STATE: IssuingStateEvidence,
    CheckName.DOCUMENT_EXPIRY: DocumentExpiryEvidence,
    CheckName.FACE_SELFIE_CHIP: FaceMatchEvidence,
    CheckName.FACE_SELFIE_PAGE: FaceMatchEvidence,
    CheckName.FACE_CHIP_PAGE: FaceMatchEvidence,
    CheckName.FACE_QUALITY_SELFIE: FaceQualityEvidence,
    CheckName.FACE_QUALITY_CHIP: FaceQualityEvidence,
    CheckName.FACE_QUALITY_PAGE: FaceQualityEvidence,
    CheckName.LIVENESS: LivenessEvidence,
    CheckName.LIVENESS_FRAMES: LivenessFramesEvidence,
    CheckName.LIVENESS_ACTIVE: LivenessActiveEvidence,
    CheckName.LIVENESS_REPLAY: LivenessReplayEvidence,
    CheckName.LIVENESS_IDENTITY: LivenessIdentityEvidence,
    CheckName.LIVENESS_PASSIVE: LivenessPassiveEvidence,
    CheckName.LIVENESS_REFLECTION: LivenessReflectionEvidence,
    CheckName.MRZ_FORMAT: MrzFormatEvidence,
    CheckName.MRZ_CHECK_DIGITS: MrzCheckDigitsEvidence,
    CheckName.MRZ_DATES: MrzProblemsEvidence,
    CheckName.MRZ_FIELDS: MrzProblemsEvidence,
    CheckName.MRZ_NATIONAL_ID: MrzProblemsEvidence,
}

E = TypeVar("E", bound=Evidence)


def evidence_model(check: str) -> type[Evidence]:
    """The evidence model of a check (the base model for a name this version does not know)."""
    try:
        return EVIDENCE_MODELS[CheckName(check)]
    except ValueError:
        return Evidence


def build_evidence(check: str, value: Evidence | Mapping[str, Any] | None) -> Evidence:
    """The check's model from keywords an engine gave (strict: a wrong type raises)."""
    model = evidence_model(check)
    if isinstance(value, model):
        return value
    if isinstance(value, Evidence):
        value = value.model_dump(exclude_unset=True)
    return model.model_validate(dict(value or {}))


def read_evidence(check: str, stored: object) -> Evidence:
    """A stored row's evidence, typed; tolerant of rows written by older versions.

    A field whose stored value this version cannot read is left out (its default) and
    named in ``unreadable``; anything that is not a JSON object reads as no evidence.
    """
    model = evidence_model(check)
    data = {str(k): v for k, v in stored.items()} if isinstance(stored, Mapping) else {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
    kept = {k: v for k, v in data.items() if k not in bad}
    try:
        evidence = model.model_validate(kept)
    except ValidationError:  # pragma: no cover - top-level fields are independent
        evidence = model()
    evidence._unreadable = tuple(sorted(bad))
    return evidence
