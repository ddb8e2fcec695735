"""Check names the pipeline adds to the engines' own (stable strings, stored with each result)."""

from __future__ import annotations

from typing import Final

# chip (names of leveattest.emrtd.verify_chip, repeated here so the policy reads on its own)
SOD_PARSE: Final = "sod_parse"
SOD_SIGNATURE: Final = "sod_signature"
DG_HASHES: Final = "dg_hashes"
TRUST_CHAIN: Final = "trust_chain"
DSC_VALIDITY: Final = "dsc_validity"
REVOCATION: Final = "revocation"
ACTIVE_AUTH: Final = "active_auth"
# the chip files could be used at all (present, within limits, well-formed enough to verify)
CHIP_READ: Final = "chip_read"
# DG1 parsed into MRZ fields
DG1_PARSE: Final = "dg1_parse"
# the data-page photo shows the chip's MRZ
MRZ_PAGE_VS_CHIP: Final = "mrz_page_vs_chip"
# document policy
DOCUMENT_TYPE: Final = "document_type"
DOCUMENT_ISSUING_STATE: Final = "document_issuing_state"
DOCUMENT_EXPIRY: Final = "document_expiry"
# faces (names of leveattest.face.ThreeWayMatch.to_check_results)
FACE_SELFIE_CHIP: Final = "face_selfie_chip"
FACE_SELFIE_PAGE: Final = "face_selfie_page"
FACE_CHIP_PAGE: Final = "face_chip_page"
FACE_QUALITY_SELFIE: Final = "face_quality_selfie"
FACE_QUALITY_CHIP: Final = "face_quality_chip"
FACE_QUALITY_PAGE: Final = "face_quality_page"
# liveness summary (the verifier's own detailed checks are stored next to it)
LIVENESS: Final = "liveness"

CRYPTO_CHECKS: Final = (SOD_PARSE, SOD_SIGNATURE, DG_HASHES, TRUST_CHAIN, DSC_VALIDITY, REVOCATION)
DOCUMENT_CHECKS: Final = (DOCUMENT_TYPE, DOCUMENT_ISSUING_STATE, DOCUMENT_EXPIRY)
FACE_PAIRS: Final = (FACE_SELFIE_CHIP, FACE_SELFIE_PAGE, FACE_CHIP_PAGE)
FACE_QUALITY: Final = (FACE_QUALITY_SELFIE, FACE_QUALITY_CHIP, FACE_QUALITY_PAGE)
# every one of these must be present and passed (active_auth: or not_present) to approve
REQUIRED_CHECKS: Final = (
    CHIP_READ,
    *CRYPTO_CHECKS,
    ACTIVE_AUTH,
    DG1_PARSE,
    MRZ_PAGE_VS_CHIP,
    *DOCUMENT_CHECKS,
    *FACE_PAIRS,
    *FACE_QUALITY,
    LIVENESS,
)
