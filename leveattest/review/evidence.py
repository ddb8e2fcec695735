"""The case page's view model: evidence assembled into plain-word, picture-first facts.

Pure apart from its inputs: a session row, its stored checks, its live uploads, the
liveness challenge and a function that signs image URLs. No database, no blob store,
no HTML. Personal data (names, birth date) enters only through ``person_facts`` and
only the claiming reviewer's page is built with it.

Stored checks are read back typed (:func:`leveattest.core.evidence.read_evidence`, which
tolerates rows older versions wrote). The page shows what the engines decided — a face
pair's ``decision``, the liveness ``label``, each check's verdict — and never re-derives
a decision from distances and thresholds: a threshold changed since the check ran must
not change what the reviewer is told the engine found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from leveattest.core.check_names import CheckName
from leveattest.core.evidence import (
    Evidence,
    FaceMatchEvidence,
    FaceQualityEvidence,
    LivenessPassiveEvidence,
    MatchDecision,
    PageMrzEvidence,
    read_evidence,
)
from leveattest.review.queue import age_band

ImageUrl = Callable[[str], str]  # image name -> signed URL

VERDICT_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "inconclusive": "uncertain",
    "not_present": "not present",
    "not_checked": "not checked",
}
CHECK_TITLES: dict[str, str] = {
    CheckName.CHIP_READ: "chip read",
    CheckName.SOD_PARSE: "chip security object",
    CheckName.SOD_SIGNATURE: "chip signature",
    CheckName.DG_HASHES: "chip data integrity",
    CheckName.TRUST_CHAIN: "issuer trusted",
    CheckName.DSC_VALIDITY: "signing certificate valid",
    CheckName.REVOCATION: "certificate not revoked",
    CheckName.ACTIVE_AUTH: "chip not cloned (active authentication)",
    CheckName.DG1_PARSE: "chip MRZ",
    CheckName.MRZ_PAGE_VS_CHIP: "page MRZ vs chip",
    CheckName.DOCUMENT_TYPE: "document type",
    CheckName.DOCUMENT_ISSUING_STATE: "issuing state",
    CheckName.DOCUMENT_EXPIRY: "document expiry",
    CheckName.FACE_SELFIE_CHIP: "selfie vs chip",
    CheckName.FACE_SELFIE_PAGE: "selfie vs page",
    CheckName.FACE_CHIP_PAGE: "chip vs page",
    CheckName.FACE_QUALITY_SELFIE: "selfie quality",
    CheckName.FACE_QUALITY_CHIP: "chip portrait quality",
    CheckName.FACE_QUALITY_PAGE: "page photo quality",
    CheckName.LIVENESS: "liveness",
    CheckName.LIVENESS_PASSIVE: "liveness (passive cues)",
}
MATCH_WORDS = {
    MatchDecision.MATCH: "match",
    MatchDecision.NEAR_THRESHOLD: "close",
    MatchDecision.NO_MATCH: "no match",
    MatchDecision.NOT_COMPARED: "not compared",
}
# chip facts shown beside the MRZ comparison: (MRZ field, person_facts key, label)
MRZ_FIELDS = (
    ("document_type", "document_type", "document type"),
    ("issuing_state", "issuing_state", "issuing state"),
    ("names", "surname", "surname"),
    ("names", "given_names", "given names"),
    ("document_number", "document_number_fp", "document number (fingerprint)"),
    ("nationality", "nationality", "nationality"),
    ("birth_date", "birth_date", "birth date"),
    ("sex", "sex", "sex"),
    ("expiry_date", "expiry_date", "expiry date"),
)
PORTRAITS = (
    ("chip", "CHIP_PORTRAIT", "chip portrait (DG2)", CheckName.FACE_QUALITY_CHIP),
    ("page", "PAGE", "data page", CheckName.FACE_QUALITY_PAGE),
    ("selfie", "SELFIE", "selfie", CheckName.FACE_QUALITY_SELFIE),
)


@dataclass(frozen=True)
class FaceBox:
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class PortraitView:
    kind: str  # chip | page | selfie
    label: str
    url: str | None
    width: int | None
    height: int | None
    box: FaceBox | None
    note: str = ""


@dataclass(frozen=True)
class FrameView:
    index: int
    captured_at_ms: int
    colour: str
    rgb: tuple[int, int, int]
    url: str


@dataclass(frozen=True)
class ScoreBar:
    """A score on a 0..maximum scale against its threshold (``higher_is_better`` or not)."""

    label: str
    value: float
    threshold: float
    maximum: float
    higher_is_better: bool
    band: float = 0.0
    word: str = ""

    def fraction(self, value: float) -> float:
        return max(0.0, min(1.0, value / self.maximum)) if self.maximum > 0 else 0.0


@dataclass(frozen=True)
class CheckView:
    check: str
    title: str
    verdict: str
    verdict_words: str
    reason: str
    sentence: str
    evidence: tuple[tuple[str, str], ...]
    bar: ScoreBar | None = None


@dataclass(frozen=True)
class MrzRow:
    field: str
    label: str
    chip_value: str
    page: str  # same | differs | contradicts | not read


@dataclass(frozen=True)
class CaseView:
    reference: str
    state: str
    attempt: int
    reasons: tuple[str, ...]
    waiting_since: datetime
    biometrics_deleted_at: datetime | None
    document_type: str
    issuing_state: str
    expiry: str
    age_band: str
    portraits: tuple[PortraitView, ...]
    frames: tuple[FrameView, ...]
    checks: tuple[CheckView, ...]
    mrz: tuple[MrzRow, ...]
    mrz_note: str


@dataclass(frozen=True)
class UploadFact:
    """What the case page needs of an upload row."""

    slot: str
    category: str
    captured_at_ms: int | None


@dataclass(frozen=True)
class CheckFact:
    """A stored check read back typed: the evidence is its check's model."""

    check: str  # a CheckName value, or a name this version does not know
    verdict: str
    reason: str
    evidence: Evidence

    @classmethod
    def stored(cls, check: str, verdict: str, reason: str, evidence: object) -> CheckFact:
        """From a ``check_results`` row (tolerant of rows written by older versions)."""
        return cls(check, verdict, reason, read_evidence(check, evidence))


def words(code: str) -> str:
    return code.replace("_", " ")


def _face_word(check: CheckFact, evidence: FaceMatchEvidence) -> str:
    """The engine's decision in words; a row stored before the decision was recorded
    says it through its verdict and reason (which the engine set from that decision)."""
    if evidence.decision is not None:
        return MATCH_WORDS[evidence.decision]
    if check.verdict == "passed":
        return MATCH_WORDS[MatchDecision.MATCH]
    if check.reason == "face_distance_near_threshold":
        return MATCH_WORDS[MatchDecision.NEAR_THRESHOLD]
    if check.reason == "face_mismatch":
        return MATCH_WORDS[MatchDecision.NO_MATCH]
    return "not recorded"


def face_bar(check: CheckFact) -> ScoreBar | None:
    evidence = check.evidence
    if not isinstance(evidence, FaceMatchEvidence):
        return None
    distance, threshold = evidence.distance, evidence.threshold
    if distance is None or threshold is None:
        return None
    band = evidence.near_band or 0.0
    maximum = max(1.0, distance, threshold * 2)
    title = CHECK_TITLES.get(check.check, words(check.check))
    return ScoreBar(title, distance, threshold, maximum, False, band, _face_word(check, evidence))


def liveness_bar(check: CheckFact) -> ScoreBar | None:
    evidence = check.evidence
    if not isinstance(evidence, LivenessPassiveEvidence):
        return None
    score, threshold = evidence.score, evidence.live_threshold
    if score is None or threshold is None:
        return None
    if evidence.label is not None:
        # the check's own label: it may rest on more than the score (the moiré cue)
        word = evidence.label.value
    else:  # an older row: its verdict is the label the check came to
        word = {"passed": "live", "failed": "spoof"}.get(check.verdict, "uncertain")
    return ScoreBar("liveness score", score, threshold, max(1.0, score), True, 0.0, word)


def sentence_for(check: CheckFact, bar: ScoreBar | None) -> str:
    title = CHECK_TITLES.get(check.check, words(check.check))
    if bar is not None and not bar.higher_is_better:
        return f"{title}: distance {bar.value:.2f}, threshold {bar.threshold:.2f} — {bar.word}"
    if bar is not None:
        return f"{title}: score {bar.value:.2f}, live from {bar.threshold:.2f} — {bar.word}"
    verdict = VERDICT_WORDS.get(check.verdict, words(check.verdict))
    if check.reason and check.reason != "none" and check.verdict != "passed":
        return f"{title}: {verdict} — {words(check.reason)}"
    return f"{title}: {verdict}"


def _evidence_items(evidence: Evidence, limit: int = 10) -> tuple[tuple[str, str], ...]:
    items = []
    for key, value in evidence.model_dump(mode="json", exclude_unset=True).items():
        if isinstance(value, Mapping | list | tuple):
            continue
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        items.append((words(str(key)), text[:120]))
        if len(items) >= limit:
            break
    if evidence.unreadable:  # written by an older version in a form this one cannot read
        items.append(("unreadable", ", ".join(words(k) for k in evidence.unreadable)[:120]))
    return tuple(items)


def check_views(checks: Iterable[CheckFact]) -> tuple[CheckView, ...]:
    views = []
    for check in checks:
        bar = face_bar(check) or liveness_bar(check)
        views.append(
            CheckView(
                check=check.check,
                title=CHECK_TITLES.get(check.check, words(check.check)),
                verdict=check.verdict,
                verdict_words=VERDICT_WORDS.get(check.verdict, words(check.verdict)),
                reason=check.reason,
                sentence=sentence_for(check, bar),
                evidence=_evidence_items(check.evidence),
                bar=bar,
            )
        )
    # doubts first, then the rest in pipeline order
    order = {"failed": 0, "inconclusive": 1, "not_checked": 2, "not_present": 3, "passed": 4}
    return tuple(sorted(views, key=lambda v: order.get(v.verdict, 0)))


def portrait_views(
    checks: Mapping[str, CheckFact], available: set[str], url: ImageUrl
) -> tuple[PortraitView, ...]:
    views = []
    for kind, name, label, quality_check in PORTRAITS:
        stored = checks.get(quality_check)
        evidence = stored.evidence if stored is not None else None
        quality = evidence if isinstance(evidence, FaceQualityEvidence) else FaceQualityEvidence()
        width, height, face = quality.width, quality.height, quality.face_box
        box = FaceBox(face.left, face.top, face.width, face.height) if face else None
        note = "" if box is not None else "face box not recorded"
        views.append(
            PortraitView(
                kind=kind,
                label=label,
                url=url(name) if name in available else None,
                width=int(width) if width else None,
                height=int(height) if height else None,
                box=box if width and height else None,
                note=note if name in available else "not uploaded",
            )
        )
    return tuple(views)


def colour_at(challenge: Mapping[str, Any] | None, t_ms: int) -> tuple[str, tuple[int, int, int]]:
    """The challenge colour on screen at ``t_ms`` (white outside the sequence)."""
    for step in (challenge or {}).get("colours") or []:
        start, duration = int(step.get("start_ms", 0)), int(step.get("duration_ms", 0))
        if start <= t_ms < start + duration:
            rgb = step.get("rgb") or (255, 255, 255)
            return str(step.get("colour", "?")), (int(rgb[0]), int(rgb[1]), int(rgb[2]))
    return "white", (255, 255, 255)


def frame_views(
    uploads: Sequence[UploadFact], challenge: Mapping[str, Any] | None, url: ImageUrl
) -> tuple[FrameView, ...]:
    frames = sorted((u for u in uploads if u.category == "liveness"), key=lambda u: u.slot)
    views = []
    for index, upload in enumerate(frames):
        at = upload.captured_at_ms or 0
        colour, rgb = colour_at(challenge, at)
        views.append(FrameView(index, at, colour, rgb, url(upload.slot)))
    return tuple(views)


def mrz_rows(
    facts: Mapping[str, Any] | None, mrz: CheckFact | None
) -> tuple[tuple[MrzRow, ...], str]:
    evidence = mrz.evidence if mrz is not None else None
    compared = evidence if isinstance(evidence, PageMrzEvidence) else PageMrzEvidence()
    differing = set(compared.differing_fields or ())
    contradicted = set(compared.contradicted_fields or ())
    read = (
        mrz is not None
        and mrz.verdict in {"passed", "failed", "inconclusive"}
        and compared.differing_fields is not None
    )
    rows = []
    for field, key, label in MRZ_FIELDS:
        if not read:
            page = "not read"
        elif field in contradicted:
            page = "contradicts"
        elif field in differing or "lines" in differing:
            page = "differs"
        else:
            page = "same"
        rows.append(MrzRow(field, label, str((facts or {}).get(key) or "—"), page))
    if mrz is None:
        note = "the page MRZ was not compared"
    else:
        note = sentence_for(mrz, None)
        if compared.score is not None:
            note += f" (similarity {compared.score:.2f})"
    return tuple(rows), note


def build_case_view(
    *,
    reference: str,
    state: str,
    attempt: int,
    reasons: Sequence[str],
    waiting_since: datetime,
    biometrics_deleted_at: datetime | None,
    document_type: str | None,
    issuing_state: str | None,
    person_facts: Mapping[str, Any] | None,
    checks: Sequence[CheckFact],
    uploads: Sequence[UploadFact],
    challenge: Mapping[str, Any] | None,
    image_url: ImageUrl,
    today: date,
) -> CaseView:
    """Everything the case page shows; no images at all once biometrics are deleted."""
    by_name = {c.check: c for c in checks}
    deleted = biometrics_deleted_at is not None
    available = set() if deleted else {u.slot for u in uploads}
    if not deleted and "DG2" in available:
        available.add("CHIP_PORTRAIT")
    rows, note = mrz_rows(person_facts, by_name.get(CheckName.MRZ_PAGE_VS_CHIP))
    facts = person_facts or {}
    return CaseView(
        reference=reference,
        state=state,
        attempt=attempt,
        reasons=tuple(reasons),
        waiting_since=waiting_since,
        biometrics_deleted_at=biometrics_deleted_at,
        document_type=document_type or str(facts.get("document_type") or "—"),
        issuing_state=issuing_state or str(facts.get("issuing_state") or "—"),
        expiry=str(facts.get("expiry_date") or "—"),
        age_band=age_band(person_facts, today),
        portraits=() if deleted else portrait_views(by_name, available, image_url),
        frames=() if deleted else frame_views(uploads, challenge, image_url),
        checks=check_views(checks),
        mrz=rows,
        mrz_note=note,
    )
