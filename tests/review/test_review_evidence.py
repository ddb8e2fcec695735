"""The case page's view model, working days, age bands and charts (no database)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from leveattest.core.evidence import (
    DgHashesEvidence,
    Evidence,
    FaceMatchEvidence,
    FaceQualityEvidence,
    LivenessLabel,
    LivenessPassiveEvidence,
)
from leveattest.review.charts import stacked_bars
from leveattest.review.evidence import (
    CheckFact,
    UploadFact,
    build_case_view,
    colour_at,
    face_bar,
    liveness_bar,
    mrz_rows,
)
from leveattest.review.queue import add_working_days, age_band, working_days_between

FACTS = {
    "surname": "NORDMANN",
    "given_names": "KARI",
    "birth_date": "1941-05-17",
    "issuing_state": "NOR",
    "document_type": "P",
    "expiry_date": "2030-01-01",
}
CHALLENGE = {"colours": [{"colour": "red", "rgb": [255, 0, 0], "start_ms": 0, "duration_ms": 200}]}


def _view(deleted: datetime | None = None, checks: list[CheckFact] | None = None):
    return build_case_view(
        reference="a" * 32,
        state="needs_review",
        attempt=1,
        reasons=["face_mismatch"],
        waiting_since=datetime(2026, 3, 16, tzinfo=UTC),
        biometrics_deleted_at=deleted,
        document_type="P",
        issuing_state="NOR",
        person_facts=FACTS,
        checks=checks or [],
        uploads=[
            UploadFact("DG2", "chip", None),
            UploadFact("SELFIE", "selfie", None),
            UploadFact("FRAME-001", "liveness", 250),
            UploadFact("FRAME-000", "liveness", 100),
        ],
        challenge=CHALLENGE,
        image_url=lambda name: f"/img/{name}",
        today=date(2026, 3, 16),
    )


def test_face_distance_near_the_threshold_reads_close_in_plain_words():
    check = CheckFact.stored(
        "face_selfie_chip",
        "inconclusive",
        "face_distance_near_threshold",
        {"distance": 0.52, "threshold": 0.48, "near_band": 0.05},
    )
    view = _view(checks=[check]).checks[0]
    assert view.sentence == "selfie vs chip: distance 0.52, threshold 0.48 — close"
    assert view.bar is not None
    assert not view.bar.higher_is_better


FACE = {"distance": 0.3, "threshold": 0.55, "near_band": 0.05}


@pytest.mark.parametrize(
    ("decision", "word"),
    [("match", "match"), ("near_threshold", "close"), ("no_match", "no match")],
)
def test_a_face_bar_says_what_the_engine_decided_not_what_the_threshold_would(decision, word):
    # distance 0.3 is well under this threshold: only the stored decision can say otherwise
    # (e.g. the engine ran with another threshold than the one stored beside it)
    bar = face_bar(
        CheckFact.stored("face_selfie_chip", "passed", "ok", {**FACE, "decision": decision})
    )
    assert bar is not None
    assert bar.word == word


@pytest.mark.parametrize(
    ("verdict", "reason", "word"),
    [
        ("passed", "ok", "match"),
        ("inconclusive", "face_distance_near_threshold", "close"),
        ("inconclusive", "face_mismatch", "no match"),  # a mismatch on a poor capture
        ("failed", "face_mismatch", "no match"),
        ("not_checked", "no_face", "not recorded"),
    ],
)
def test_a_face_row_without_a_decision_reads_it_from_the_verdict(verdict, reason, word):
    bar = face_bar(CheckFact.stored("face_selfie_chip", verdict, reason, {**FACE, "distance": 0.9}))
    assert bar is not None
    assert bar.word == word


@pytest.mark.parametrize(
    ("verdict", "evidence", "word"),
    [
        ("failed", {"score": 0.9, "live_threshold": 0.5, "label": "spoof"}, "spoof"),
        ("passed", {"score": 0.1, "live_threshold": 0.5, "label": "live"}, "live"),
        ("inconclusive", {"score": 0.9, "live_threshold": 0.5}, "uncertain"),
        ("failed", {"score": 0.9, "live_threshold": 0.5}, "spoof"),
    ],
)
def test_a_liveness_bar_says_the_checks_own_label(verdict, evidence, word):
    bar = liveness_bar(CheckFact.stored("liveness_passive", verdict, "ok", evidence))
    assert bar is not None
    assert bar.word == word


def test_no_bar_without_a_score():
    assert face_bar(CheckFact.stored("face_selfie_chip", "not_checked", "no_face", {})) is None
    assert liveness_bar(CheckFact.stored("liveness_passive", "not_checked", "no_face", {})) is None


def test_doubtful_checks_come_first():
    checks = [
        CheckFact.stored("dg_hashes", "passed", "none", {}),
        CheckFact.stored("liveness", "inconclusive", "liveness_uncertain", {}),
        CheckFact.stored("face_selfie_chip", "failed", "face_mismatch", {}),
    ]
    assert [c.check for c in _view(checks=checks).checks] == [
        "face_selfie_chip",
        "liveness",
        "dg_hashes",
    ]
    assert _view(checks=checks).checks[1].sentence == "liveness: uncertain — liveness uncertain"


def test_frames_are_in_order_with_the_challenge_colour_on_screen():
    frames = _view().frames
    assert [(f.index, f.captured_at_ms, f.colour) for f in frames] == [
        (0, 100, "red"),
        (1, 250, "white"),
    ]
    assert colour_at(None, 10) == ("white", (255, 255, 255))


def test_portraits_signed_urls_and_face_boxes():
    quality = CheckFact.stored(
        "face_quality_selfie",
        "passed",
        "none",
        {"width": 64, "height": 80, "face_box": {"left": 1, "top": 2, "width": 3, "height": 4}},
    )
    portraits = {p.kind: p for p in _view(checks=[quality]).portraits}
    assert portraits["chip"].url == "/img/CHIP_PORTRAIT"
    assert portraits["page"].url is None
    assert portraits["selfie"].box is not None
    assert portraits["selfie"].box.width == 3
    assert portraits["chip"].box is None


def test_no_images_at_all_once_biometrics_are_deleted():
    view = _view(deleted=datetime(2026, 3, 17, tzinfo=UTC))
    assert view.portraits == ()
    assert view.frames == ()
    assert view.biometrics_deleted_at is not None


def test_mrz_rows_highlight_differing_and_contradicted_fields():
    check = CheckFact.stored(
        "mrz_page_vs_chip",
        "failed",
        "mrz_mismatch",
        {
            "score": 0.9,
            "differing_fields": ["names", "birth_date"],
            "contradicted_fields": ["birth_date"],
        },
    )
    rows, note = mrz_rows(FACTS, check)
    by_label = {row.label: row.page for row in rows}
    assert by_label["surname"] == "differs"
    assert by_label["birth date"] == "contradicts"
    assert by_label["sex"] == "same"
    assert "similarity 0.90" in note
    rows, note = mrz_rows(FACTS, None)
    assert {row.page for row in rows} == {"not read"}


def test_working_days_skip_weekends():
    friday, monday = date(2026, 3, 13), date(2026, 3, 16)
    assert working_days_between(friday, monday) == 1
    assert working_days_between(monday, monday) == 0
    assert working_days_between(friday, date(2026, 3, 27)) == 10
    assert add_working_days(friday, 2) == date(2026, 3, 17)


def test_age_band_from_the_chip_birth_date():
    on = date(2026, 3, 16)
    assert age_band({"birth_date": "1941-05-17"}, on) == "80-89"
    assert age_band({"birth_date": "1926-03-16"}, on) == "100+"
    assert age_band({"birth_date": "1960-01-01"}, on) == "under 70"
    assert age_band(None, on) == "unknown"
    assert age_band({"birth_date": "garbage"}, on) == "unknown"


def test_chart_labels_are_escaped():
    svg = str(stacked_bars("t", [("<script>x</script>", {"approve": 2})], ["approve"], "c"))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def _old_rows() -> list[CheckFact]:
    path = Path(__file__).parent / "fixtures" / "check_rows_v0.json"
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    return [CheckFact.stored(r["check"], r["verdict"], r["reason"], r["evidence"]) for r in rows]


def test_rows_written_by_older_versions_read_back_typed():
    passive, face, quality, unknown, hashes = _old_rows()
    assert isinstance(passive.evidence, LivenessPassiveEvidence)
    assert passive.evidence.label is LivenessLabel.UNCERTAIN
    assert passive.evidence.undeclared == ("spoof_threshold",)  # kept, not lost
    assert isinstance(face.evidence, FaceMatchEvidence)
    assert face.evidence.decision is None
    assert isinstance(quality.evidence, FaceQualityEvidence)
    assert quality.evidence.face_box is None
    assert quality.evidence.unreadable == ("face_box",)
    assert quality.evidence.width == 480
    assert type(unknown.evidence) is Evidence
    assert unknown.evidence.model_extra == {"blinks": 2}
    assert isinstance(hashes.evidence, DgHashesEvidence)


def test_the_case_page_shows_old_rows_with_their_stored_outcomes():
    view = _view(checks=_old_rows())
    by_name = {c.check: c for c in view.checks}
    assert by_name["liveness_passive"].bar is not None
    assert by_name["liveness_passive"].bar.word == "uncertain"
    # no decision stored: the verdict the engine gave, never a threshold comparison here
    assert by_name["face_selfie_chip"].sentence == (
        "selfie vs chip: distance 0.57, threshold 0.55 — close"
    )
    assert ("unreadable", "face box") in by_name["face_quality_selfie"].evidence
    assert by_name["liveness_blink"].title == "liveness blink"
    assert ("blinks", "2") in by_name["liveness_blink"].evidence
    selfie = {p.kind: p for p in view.portraits}["selfie"]
    assert selfie.box is None
    assert selfie.note == "face box not recorded"
