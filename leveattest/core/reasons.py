"""Verdicts and reasons of check outcomes: closed enums with stable string values.

They live apart from ``CheckResult`` (``leveattest.core.checks``, which re-exports them)
so that engines which only name reasons, such as the MRZ parser behind
``leveattest mrz parse``, do not import pydantic (0.2 s of start-up).
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_PRESENT = "not_present"
    NOT_CHECKED = "not_checked"
    INCONCLUSIVE = "inconclusive"


class Reason(StrEnum):
    """Closed set of reasons. Values are stable API strings: add, never rename."""

    OK = "ok"
    # MRZ
    MRZ_CHECK_DIGIT_MISMATCH = "mrz_check_digit_mismatch"
    MRZ_INVALID_DATE = "mrz_invalid_date"
    MRZ_INVALID_CHARACTERS = "mrz_invalid_characters"
    MRZ_INVALID_LENGTH = "mrz_invalid_length"
    MRZ_UNKNOWN_FORMAT = "mrz_unknown_format"
    MRZ_IMPLAUSIBLE_FIELD = "mrz_implausible_field"
    MRZ_MISMATCH = "mrz_mismatch"
    NATIONAL_ID_INVALID = "national_id_invalid"
    MRZ_PARTIAL_DATE = "mrz_partial_date"
    MRZ_NAME_TRUNCATED = "mrz_name_truncated"
    # chip (ICAO 9303 part 11/12)
    SOD_MALFORMED = "sod_malformed"
    SOD_UNEXPECTED_CONTENT = "sod_unexpected_content"
    SIGNATURE_INVALID = "signature_invalid"
    SIGNED_ATTRIBUTES_INVALID = "signed_attributes_invalid"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    HASH_MISMATCH = "hash_mismatch"
    DATA_GROUP_MISSING = "data_group_missing"
    DATA_GROUP_MALFORMED = "data_group_malformed"
    DATA_GROUP_NOT_SIGNED = "data_group_not_signed"
    UNKNOWN_ISSUER = "unknown_issuer"
    CHAIN_INVALID = "chain_invalid"
    CERTIFICATE_NOT_YET_VALID = "certificate_not_yet_valid"
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_EXTENSIONS_INVALID = "certificate_extensions_invalid"
    NO_REFERENCE_TIME = "no_reference_time"
    REVOKED = "revoked"
    REVOCATION_UNKNOWN = "revocation_unknown"
    CRL_STALE = "crl_stale"
    AA_NOT_SUPPORTED = "aa_not_supported"
    AA_SIGNATURE_INVALID = "aa_signature_invalid"
    AA_CHALLENGE_INVALID = "aa_challenge_invalid"
    AA_KEY_UNTRUSTED = "aa_key_untrusted"
    AA_NOT_PERFORMED = "aa_not_performed"
    # document policy
    DOCUMENT_EXPIRED = "document_expired"
    DOCUMENT_TYPE_NOT_ACCEPTED = "document_type_not_accepted"
    # images, faces, liveness
    IMAGE_UNREADABLE = "image_unreadable"
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    FACE_TOO_SMALL = "face_too_small"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    BLURRED = "blurred"
    EYES_NOT_VISIBLE = "eyes_not_visible"
    POSE_TOO_STRONG = "pose_too_strong"
    FACE_MISMATCH = "face_mismatch"
    FACE_DISTANCE_NEAR_THRESHOLD = "face_distance_near_threshold"
    LIVENESS_SPOOF = "liveness_spoof"
    LIVENESS_UNCERTAIN = "liveness_uncertain"
    CHALLENGE_NOT_FOLLOWED = "challenge_not_followed"
    CHALLENGE_EXPIRED = "challenge_expired"
    CHALLENGE_REUSED = "challenge_reused"
    REPLAY_DETECTED = "replay_detected"
    FRAMES_COUNT_INVALID = "frames_count_invalid"
    FRAMES_OUT_OF_ORDER = "frames_out_of_order"
    FRAMES_TIMING_IMPLAUSIBLE = "frames_timing_implausible"
    FRAMES_INCOMPLETE = "frames_incomplete"
    FACE_NOT_TRACKED = "face_not_tracked"
    # pipeline (leveattest.pipeline)
    INPUT_MISSING = "input_missing"
    MRZ_UNREADABLE = "mrz_unreadable"
    ISSUING_STATE_NOT_ACCEPTED = "issuing_state_not_accepted"
    CHECK_MISSING = "check_missing"
    VERDICT_UNKNOWN = "verdict_unknown"
    RETRY_BUDGET_EXHAUSTED = "retry_budget_exhausted"
    CHALLENGE_INVALID = "challenge_invalid"
    # generic
    NOT_APPLICABLE = "not_applicable"
    INTERNAL_ERROR = "internal_error"
