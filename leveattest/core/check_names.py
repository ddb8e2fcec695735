"""The closed set of check names (stable strings, stored with every check result).

A value is what the check has always been called: stored rows written before the enum
existed read back as the same member. Add names, never rename one.
"""

from __future__ import annotations

from enum import StrEnum


class CheckName(StrEnum):
    # the chip files could be used at all (present, within limits, well-formed enough)
    CHIP_READ = "chip_read"
    # passive authentication (ICAO 9303-11 §5.1; leveattest.emrtd)
    SOD_PARSE = "sod_parse"
    SOD_SIGNATURE = "sod_signature"
    DG_HASHES = "dg_hashes"
    TRUST_CHAIN = "trust_chain"
    DSC_VALIDITY = "dsc_validity"
    REVOCATION = "revocation"
    # active authentication (ICAO 9303-11 §6.1)
    ACTIVE_AUTH = "active_auth"
    # DG1 parsed into MRZ fields; the data-page photo shows the chip's MRZ
    DG1_PARSE = "dg1_parse"
    MRZ_PAGE_VS_CHIP = "mrz_page_vs_chip"
    # document policy
    DOCUMENT_TYPE = "document_type"
    DOCUMENT_ISSUING_STATE = "document_issuing_state"
    DOCUMENT_EXPIRY = "document_expiry"
    # faces (leveattest.face.match)
    FACE_SELFIE_CHIP = "face_selfie_chip"
    FACE_SELFIE_PAGE = "face_selfie_page"
    FACE_CHIP_PAGE = "face_chip_page"
    FACE_QUALITY_SELFIE = "face_quality_selfie"
    FACE_QUALITY_CHIP = "face_quality_chip"
    FACE_QUALITY_PAGE = "face_quality_page"
    # liveness: the summary the policy reads, then the verifier's own signals
    LIVENESS = "liveness"
    LIVENESS_FRAMES = "liveness_frames"
    LIVENESS_ACTIVE = "liveness_active"
    LIVENESS_REPLAY = "liveness_replay"
    LIVENESS_IDENTITY = "liveness_identity"
    LIVENESS_PASSIVE = "liveness_passive"
    LIVENESS_REFLECTION = "liveness_reflection"
    # a printed MRZ on its own (leveattest.mrz.mrz_check_results: the CLI, not the pipeline)
    MRZ_FORMAT = "mrz_format"
    MRZ_CHECK_DIGITS = "mrz_check_digits"
    MRZ_DATES = "mrz_dates"
    MRZ_FIELDS = "mrz_fields"
    MRZ_NATIONAL_ID = "mrz_national_id"

    @property
    def is_liveness_signal(self) -> bool:
        """One of the liveness verifier's own signals (fused into ``liveness``)."""
        return self is not CheckName.LIVENESS and self.value.startswith("liveness_")


def check_name(value: str) -> CheckName | None:
    """The member for a stored name, or None for a name this version does not know."""
    try:
        return CheckName(value)
    except ValueError:
        return None
