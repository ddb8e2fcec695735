"""Typed evidence: one model per check name, strict where a check is made, tolerant where a
stored row is read back."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from leveattest.core.check_names import CheckName, check_name
from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.core.evidence import (
    EVIDENCE_MODELS,
    Evidence,
    FaceMatchEvidence,
    MatchDecision,
    PageMrzEvidence,
    read_evidence,
    sanitise_evidence,
)


def test_every_check_name_has_an_evidence_model():
    assert set(EVIDENCE_MODELS) == set(CheckName)


def test_stored_names_are_the_enum_values():
    assert check_name("face_selfie_chip") is CheckName.FACE_SELFIE_CHIP
    assert check_name("some_future_check") is None
    assert CheckName.LIVENESS_PASSIVE.is_liveness_signal
    assert not CheckName.LIVENESS.is_liveness_signal


def test_a_result_validates_its_keywords_into_the_checks_model():
    result = CheckResult.passed(
        "face_selfie_chip", distance=0.31, threshold=0.55, near_band=0.05, decision="match"
    )
    assert result.check is CheckName.FACE_SELFIE_CHIP
    assert isinstance(result.evidence, FaceMatchEvidence)
    assert result.evidence.decision is MatchDecision.MATCH
    assert result.evidence_as(FaceMatchEvidence) is result.evidence
    assert result.evidence_as(PageMrzEvidence) is None


def test_a_value_of_the_wrong_type_is_refused_where_the_check_is_made():
    with pytest.raises(ValidationError):
        CheckResult.passed("face_selfie_chip", distance="close")
    with pytest.raises(ValidationError):
        CheckResult.passed("face_selfie_chip", decision="probably")


def test_stored_json_holds_only_what_was_given_and_reads_back_equal():
    result = CheckResult.inconclusive(
        CheckName.FACE_SELFIE_CHIP,
        Reason.FACE_DISTANCE_NEAR_THRESHOLD,
        distance=0.5712,
        threshold=0.55,
        decision=MatchDecision.NEAR_THRESHOLD,
    )
    stored = json.loads(json.dumps(result.evidence.to_json()))
    assert stored == {"distance": 0.5712, "threshold": 0.55, "decision": "near_threshold"}
    again = read_evidence("face_selfie_chip", stored)
    assert again == result.evidence
    dumped = result.model_dump(mode="json")
    assert dumped["evidence"] == stored
    assert CheckResult.model_validate(dumped) == result


def test_the_reader_keeps_what_it_can_and_names_what_it_cannot():
    evidence = read_evidence("mrz_page_vs_chip", {"score": "high", "matched": True, "new": 1})
    assert isinstance(evidence, PageMrzEvidence)
    assert (evidence.score, evidence.matched) == (None, True)
    assert evidence.unreadable == ("score",)
    assert evidence.undeclared == ("new",)
    assert type(read_evidence("some_future_check", {"x": 1})) is Evidence
    assert read_evidence("liveness", ["not", "an", "object"]).to_json() == {}


def test_evidence_never_stores_bytes_or_vectors():
    result = CheckResult(
        check=CheckName.SOD_PARSE, verdict=Verdict.PASSED, evidence={"data_groups": [1] * 40}
    )
    assert result.evidence.to_json() == {"data_groups": {"items": 40}}
    assert sanitise_evidence(b"abc")["bytes"] == 3
    assert sanitise_evidence(MatchDecision.MATCH) == "match"
