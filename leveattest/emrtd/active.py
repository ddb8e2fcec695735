"""Active Authentication: clone detection (ICAO 9303-11 §6.1).

The chip signs a challenge the *server* issued with the private key whose public half
is in DG15. RSA keys use ISO/IEC 9796-2 digital signature scheme 1 with partial message
recovery (trailer 0xBC: SHA-1; two-byte trailer 0x??CC: hash named by the ISO/IEC
10118-3 identifier); EC keys use ECDSA, plain or DER, with the hash DG14's
ActiveAuthenticationInfo names (else the one matching the key size). The DG15 key is
trusted only when the SOD signature is valid and DG15's hash matches the SOD: a cloned
chip with a key of its own fails with ``aa_key_untrusted``. Chip Authentication cannot be
re-checked after the session; a reported CA result is recorded as a claim only.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from leveattest.core.checks import CheckName, CheckResult, Reason
from leveattest.core.errors import ChipDataError, ChipUnsupportedAlgorithmError
from leveattest.emrtd.crypto import (
    SignatureScheme,
    default_ecdsa_hash,
    digest,
    ecdsa_scheme_for_oid,
    verify_signature,
)
from leveattest.emrtd.ecverify import EcPublicKey
from leveattest.emrtd.lds import Dg14, parse_dg14, parse_dg15
from leveattest.emrtd.passive import dg_authenticated
from leveattest.emrtd.sod import Sod

ACTIVE_AUTH = CheckName.ACTIVE_AUTH
MAX_CHALLENGE_BYTES = 64
# ISO/IEC 10118-3 hash-function identifiers used in the two-byte ISO 9796-2 trailer
_TRAILER_HASHES = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_HASH_LENGTHS = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}


def verify_iso9796_2(
    key: rsa.RSAPublicKey, challenge: bytes, signature: bytes
) -> tuple[bool, dict[str, Any]]:
    """ISO/IEC 9796-2:2010 scheme 1 (partial recovery) over M1 || challenge."""
    numbers = key.public_numbers()
    size = (key.key_size + 7) // 8
    s = int.from_bytes(signature, "big")
    evidence: dict[str, Any] = {"scheme": "iso9796_2_scheme1", "key_bits": key.key_size}
    if len(signature) != size or s >= numbers.n:
        return False, evidence | {"problem": "signature_length"}
    m = pow(s, numbers.e, numbers.n)
    if m & 0xF != 0xC:  # the signer may have sent min(s, n - s)
        m = numbers.n - m
    recovered = m.to_bytes(size, "big")
    if recovered[-1] == 0xBC:
        hash_name, trailer = "sha1", 1
    elif recovered[-1] == 0xCC and recovered[-2] in _TRAILER_HASHES:
        hash_name, trailer = _TRAILER_HASHES[recovered[-2]], 2
    else:
        return False, evidence | {"problem": "trailer"}
    evidence["hash"] = hash_name
    length = _HASH_LENGTHS[hash_name]
    if recovered[0] != 0x6A or size < length + trailer + 2:
        return False, evidence | {"problem": "header"}
    stored = recovered[-trailer - length : -trailer]
    m1 = recovered[1 : -trailer - length]
    computed = digest(hash_name, m1 + challenge)
    return hmac.compare_digest(stored, computed), evidence


def _ec_scheme(key: EcPublicKey, dg14: Dg14 | None) -> tuple[SignatureScheme, str]:
    if dg14 is not None and dg14.aa_signature_algorithm is not None:
        return ecdsa_scheme_for_oid(dg14.aa_signature_algorithm), "dg14"
    return SignatureScheme("ecdsa", default_ecdsa_hash(key)), "key_size_default"


def check_active_auth(
    sod: Sod,
    data_groups: Mapping[int, bytes],
    *,
    signature_check: CheckResult,
    dg_hashes: CheckResult,
    challenge: bytes | None,
    signature: bytes | None,
    chip_authentication_claimed: bool | None = None,
) -> CheckResult:
    """The ``active_auth`` check; see the module docstring for the rules."""
    name = ACTIVE_AUTH
    evidence: dict[str, Any] = {"aa_in_sod": 15 in sod.dg_hashes}
    if chip_authentication_claimed is not None:
        evidence["chip_authentication_claimed"] = chip_authentication_claimed  # a claim only
    dg15 = data_groups.get(15)
    if challenge is None and signature is None:
        if dg15 is None and 15 not in sod.dg_hashes:
            return CheckResult.not_present(name, Reason.AA_NOT_SUPPORTED, **evidence)
        return CheckResult.inconclusive(
            name, Reason.AA_NOT_PERFORMED, "the chip supports AA but none was performed",
            **evidence,
        )  # fmt: skip
    if challenge is None or signature is None:
        raise ChipDataError("an AA challenge and its signature must be given together")
    if dg15 is None:
        return CheckResult.inconclusive(
            name, Reason.DATA_GROUP_MISSING, "DG15 (the AA key) was not presented", **evidence
        )
    if not 1 <= len(challenge) <= MAX_CHALLENGE_BYTES:
        return CheckResult.failed(name, Reason.AA_CHALLENGE_INVALID, **evidence)
    evidence["challenge_bytes"] = len(challenge)
    trusted = signature_check.ok and dg_authenticated(dg_hashes, 15)
    evidence["dg15_authenticated"] = trusted
    if not signature_check.ok:  # nothing in the SOD is authenticated: a consequence, not a fact
        return CheckResult.not_checked(
            name, Reason.AA_KEY_UNTRUSTED, "SOD signature not valid", **evidence
        )
    if not trusted:
        return CheckResult.failed(
            name, Reason.AA_KEY_UNTRUSTED, "DG15 did not pass passive authentication", **evidence
        )
    try:
        key = parse_dg15(dg15).public_key
        dg14 = None
        if 14 in data_groups and dg_authenticated(dg_hashes, 14):
            dg14 = parse_dg14(data_groups[14])
        if isinstance(key, rsa.RSAPublicKey):
            valid, details = verify_iso9796_2(key, challenge, signature)
            evidence |= details
        else:
            scheme, chosen_by = _ec_scheme(key, dg14)
            valid, encoding = verify_signature(key, scheme, signature, challenge)
            evidence |= scheme.describe() | {"hash_chosen_by": chosen_by, "encoding": encoding}
    except ChipUnsupportedAlgorithmError as exc:
        return CheckResult.failed(name, Reason.UNSUPPORTED_ALGORITHM, exc.message, **evidence)
    except ChipDataError as exc:
        return CheckResult.failed(name, Reason.DATA_GROUP_MALFORMED, exc.message, **evidence)
    if not valid:
        return CheckResult.failed(name, Reason.AA_SIGNATURE_INVALID, **evidence)
    return CheckResult.passed(name, **evidence)
