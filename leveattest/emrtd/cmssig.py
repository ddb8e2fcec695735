"""CMS SignerInfo verification shared by EF.SOD and CSCA master lists (RFC 5652 §5.4-5.6).

The three facts are kept apart so a caller can report each one and so that matching
hashes can never rescue a bad signature: the signature over the DER SET of signed
attributes, the contentType attribute equal to eContentType, and the messageDigest
attribute equal to the hash of the eContent octets as read.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from leveattest.emrtd.crypto import (
    PublicKey,
    SignatureScheme,
    digest,
    hash_name,
    key_description,
    resolve_scheme,
    verify_signature,
)


@dataclass(frozen=True, slots=True)
class SignerCheck:
    signature_valid: bool
    content_type_matches: bool
    message_digest_matches: bool
    scheme: SignatureScheme
    ecdsa_encoding: str | None
    computed_digest: bytes
    stored_digest: bytes | None
    key: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.content_type_matches and self.message_digest_matches

    def evidence(self) -> dict[str, Any]:
        return {
            **self.scheme.describe(),
            **self.key,
            "ecdsa_encoding": self.ecdsa_encoding,
            "signature_valid": self.signature_valid,
            "content_type_matches": self.content_type_matches,
            "message_digest_matches": self.message_digest_matches,
            "message_digest_stored": self.stored_digest.hex() if self.stored_digest else None,
            "message_digest_computed": self.computed_digest.hex(),
        }


def check_signer(
    signer_info: Any,
    key: PublicKey,
    *,
    signed_attrs_der: bytes,
    econtent_type: str,
    econtent: bytes,
    content_type_attr: str | None,
    message_digest_attr: bytes | None,
) -> SignerCheck:
    """Verify one SignerInfo; raises ChipUnsupportedAlgorithmError for unknown algorithms."""
    digest_oid = signer_info["digest_algorithm"]["algorithm"].dotted
    scheme = resolve_scheme(signer_info["signature_algorithm"], digest_oid)
    computed = digest(hash_name(digest_oid), econtent)
    signature = bytes(signer_info["signature"].native)
    valid, encoding = verify_signature(key, scheme, signature, signed_attrs_der)
    return SignerCheck(
        signature_valid=valid,
        content_type_matches=content_type_attr == econtent_type,
        message_digest_matches=message_digest_attr is not None
        and hmac.compare_digest(message_digest_attr, computed),
        scheme=scheme,
        ecdsa_encoding=encoding,
        computed_digest=computed,
        stored_digest=message_digest_attr,
        key=key_description(key),
    )
