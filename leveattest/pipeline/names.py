"""The check groups the policy reads (the names themselves: :class:`CheckName`).

The module-level aliases keep ``names.SOD_PARSE`` readable in the policy; each is the
enum member, so a comparison with a stored string still holds.
"""

from __future__ import annotations

from typing import Final

from leveattest.core.check_names import CheckName

CHIP_READ: Final = CheckName.CHIP_READ
SOD_PARSE: Final = CheckName.SOD_PARSE
SOD_SIGNATURE: Final = CheckName.SOD_SIGNATURE
DG_HASHES: Final = CheckName.DG_HASHES
TRUST_CHAIN: Final = CheckName.TRUST_CHAIN
DSC_VALIDITY: Final = CheckName.DSC_VALIDITY
REVOCATION: Final = CheckName.REVOCATION
ACTIVE_AUTH: Final = CheckName.ACTIVE_AUTH
DG1_PARSE: Final = CheckName.DG1_PARSE
MRZ_PAGE_VS_CHIP: Final = CheckName.MRZ_PAGE_VS_CHIP
DOCUMENT_TYPE: Final = CheckName.DOCUMENT_TYPE
DOCUMENT_ISSUING_STATE: Final = CheckName.DOCUMENT_ISSUING_STATE
DOCUMENT_EXPIRY: Final = CheckName.DOCUMENT_EXPIRY
FACE_SELFIE_CHIP: Final = CheckName.FACE_SELFIE_CHIP
FACE_SELFIE_PAGE: Final = CheckName.FACE_SELFIE_PAGE
FACE_CHIP_PAGE: Final = CheckName.FACE_CHIP_PAGE
FACE_QUALITY_SELFIE: Final = CheckName.FACE_QUALITY_SELFIE
FACE_QUALITY_CHIP: Final = CheckName.FACE_QUALITY_CHIP
FACE_QUALITY_PAGE: Final = CheckName.FACE_QUALITY_PAGE
# the liveness summary (the verifier's own signals are stored next to it)
LIVENESS: Final = CheckName.LIVENESS

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
