"""Public keys and signature schemes used in eMRTD PKI (ICAO 9303-12 §4.1, -11 §6.1).

Keys come from asn1crypto ``PublicKeyInfo`` (so explicit EC parameters can be mapped,
see ``curves``). Supported: RSA PKCS#1 v1.5 and RSASSA-PSS (parameters parsed: hash, MGF1
hash, salt length, trailer) with ``cryptography``; ECDSA with DER or plain (r||s, BSI
TR-03111) encoding on every Brainpool r1 and NIST curve ICAO allows (``ecverify``); hashes
SHA-1/224/256/384/512. Anything else raises ``ChipUnsupportedAlgorithmError``: an unknown
algorithm or curve is never guessed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from leveattest.core.errors import ChipDataError, ChipUnsupportedAlgorithmError
from leveattest.emrtd.curves import curve_for_oid, curve_for_parameters
from leveattest.emrtd.ecverify import (
    HASH_CLASSES,
    Backend,
    EcPublicKey,
    backend_name,
    verify_ecdsa,
)

PublicKey = rsa.RSAPublicKey | EcPublicKey

HASH_NAMES = ("sha1", "sha224", "sha256", "sha384", "sha512")
_HASH_OIDS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
RSASSA_PSS = "1.2.840.113549.1.1.10"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_RSA_PKCS1 = {
    "1.2.840.113549.1.1.5": "sha1",
    "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
}
_ECDSA_DER = {
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
# BSI TR-03111 §5.2.1 ecdsa-plain-signatures: r || s, fixed length
_ECDSA_PLAIN = {
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}


def hash_name(oid: str) -> str:
    """Our hash name for a digest algorithm OID (dotted), or an unsupported-algorithm error."""
    name = _HASH_OIDS.get(oid)
    if name is None:
        raise ChipUnsupportedAlgorithmError("unsupported hash algorithm", oid=oid)
    return name


def digest(name: str, data: bytes) -> bytes:
    if name not in HASH_CLASSES:
        raise ChipUnsupportedAlgorithmError("unsupported hash algorithm", hash=name)
    return hashlib.new(name, data).digest()


def load_public_key(info: keys.PublicKeyInfo) -> PublicKey:
    """An RSA or EC key from a SubjectPublicKeyInfo; EC points are checked on their curve,
    explicit EC parameters are mapped to a known curve or refused."""
    try:
        oid = info["algorithm"]["algorithm"].dotted
        if oid in (RSA_ENCRYPTION, RSASSA_PSS):
            parsed = info["public_key"].parsed
            numbers = rsa.RSAPublicNumbers(
                parsed["public_exponent"].native, parsed["modulus"].native
            )
            return numbers.public_key()
        if oid == EC_PUBLIC_KEY:
            params = info["algorithm"]["parameters"]
            if params.name == "named":
                curve = curve_for_oid(params.chosen.dotted)
            elif params.name == "specified":
                curve = curve_for_parameters(params.chosen)
            else:
                raise ChipUnsupportedAlgorithmError("implicitly-CA curve parameters")
            point = bytes(info["public_key"].native)
            return EcPublicKey.from_encoded(curve, point)
    except ChipDataError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise ChipDataError("malformed public key") from exc
    raise ChipUnsupportedAlgorithmError("unsupported public key algorithm", oid=oid)


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """What a signature algorithm identifier means, fully resolved."""

    kind: str  # "rsa_pkcs1v15" | "rsassa_pss" | "ecdsa"
    hash: str
    mgf_hash: str | None = None
    salt_length: int | None = None
    plain_ecdsa: bool = False

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scheme": self.kind, "hash": self.hash}
        if self.kind == "rsassa_pss":
            out |= {"mgf1_hash": self.mgf_hash, "salt_length": self.salt_length}
        return out


def _pss_scheme(params: Any) -> SignatureScheme:
    if params is None or params.native is None:
        # RFC 4055 §3.1 defaults: SHA-1, MGF1-SHA-1, salt 20, trailer 1
        return SignatureScheme("rsassa_pss", "sha1", "sha1", 20)
    parsed = (
        params
        if isinstance(params, algos.RSASSAPSSParams)
        else algos.RSASSAPSSParams.load(params.dump())
    )
    hash_alg = hash_name(parsed["hash_algorithm"]["algorithm"].dotted)
    mgf = parsed["mask_gen_algorithm"]
    if mgf["algorithm"].dotted != "1.2.840.113549.1.1.8":
        raise ChipUnsupportedAlgorithmError("unsupported PSS mask generation function")
    mgf_hash = hash_name(mgf["parameters"]["algorithm"].dotted)
    if parsed["trailer_field"].native not in (1, "trailer_field_bc"):
        raise ChipUnsupportedAlgorithmError("unsupported PSS trailer field")
    return SignatureScheme("rsassa_pss", hash_alg, mgf_hash, int(parsed["salt_length"].native))


def resolve_scheme(signature_algorithm: Any, digest_oid: str | None = None) -> SignatureScheme:
    """Resolve an asn1crypto signature AlgorithmIdentifier (CMS or X.509).

    ``digest_oid`` is the CMS SignerInfo digestAlgorithm, needed when the signature
    algorithm names only the key type (rsaEncryption, id-ecPublicKey), as many SODs do.
    """
    try:
        oid = signature_algorithm["algorithm"].dotted
        params = signature_algorithm["parameters"]
        if oid in _RSA_PKCS1:
            return SignatureScheme("rsa_pkcs1v15", _RSA_PKCS1[oid])
        if oid in _ECDSA_DER:
            return SignatureScheme("ecdsa", _ECDSA_DER[oid])
        if oid in _ECDSA_PLAIN:
            return SignatureScheme("ecdsa", _ECDSA_PLAIN[oid], plain_ecdsa=True)
        if oid == RSASSA_PSS:
            return _pss_scheme(params)
        if oid in (RSA_ENCRYPTION, EC_PUBLIC_KEY) and digest_oid is not None:
            kind = "rsa_pkcs1v15" if oid == RSA_ENCRYPTION else "ecdsa"
            return SignatureScheme(kind, hash_name(digest_oid))
    except ChipDataError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ChipUnsupportedAlgorithmError("malformed signature algorithm") from exc
    raise ChipUnsupportedAlgorithmError("unsupported signature algorithm", oid=oid)


# a DER ECDSA-Sig-Value is at most two INTEGERs of order_size + 1 bytes plus headers
_DER_OVERHEAD = 12


def _ecdsa_rs(signature: bytes, key: EcPublicKey, plain: bool) -> tuple[int, int, str] | None:
    """(r, s, encoding) of an ECDSA signature, or None when it is neither encoding.

    Both encodings occur in the field whatever the OID says; the OID only decides which
    reading is tried first when a signature could be either. Sizes are checked before
    anything is parsed."""
    size = key.curve.order_size
    if len(signature) > 2 * size + _DER_OVERHEAD:
        return None
    is_plain_length = len(signature) == 2 * size
    if not (plain and is_plain_length) and signature[:1] == b"\x30":
        try:
            r, s = utils.decode_dss_signature(signature)
        except ValueError:
            pass
        else:
            if utils.encode_dss_signature(r, s) == signature:
                return r, s, "der"
    if not is_plain_length:
        return None
    return int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"), "plain"


def verify_signature(
    key: PublicKey,
    scheme: SignatureScheme,
    signature: bytes,
    data: bytes,
    *,
    ecdsa_backend: Backend = "auto",
) -> tuple[bool, str | None]:
    """(valid, ECDSA encoding seen) — never raises for a wrong signature, only for
    an unusable key/algorithm combination. ``ecdsa_backend="pure"`` verifies ECDSA with
    the pure-Python implementation even where ``cryptography`` has the curve."""
    hash_alg = HASH_CLASSES[scheme.hash]()
    if scheme.kind == "ecdsa":
        if not isinstance(key, EcPublicKey):
            raise ChipUnsupportedAlgorithmError("ECDSA signature with a non-EC key")
        parsed = _ecdsa_rs(signature, key, scheme.plain_ecdsa)
        if parsed is None:
            return False, None
        r, s, encoding = parsed
        if not verify_ecdsa(key, scheme.hash, r, s, data, backend=ecdsa_backend):
            return False, None
        return True, encoding
    if scheme.kind not in ("rsa_pkcs1v15", "rsassa_pss"):
        raise ChipUnsupportedAlgorithmError("unsupported signature scheme", scheme=scheme.kind)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ChipUnsupportedAlgorithmError("RSA signature with a non-RSA key")
    try:
        if scheme.kind == "rsa_pkcs1v15":
            key.verify(signature, data, padding.PKCS1v15(), hash_alg)
        else:
            mgf_hash = HASH_CLASSES[scheme.mgf_hash or scheme.hash]()
            pss = padding.PSS(padding.MGF1(mgf_hash), scheme.salt_length or 0)
            key.verify(signature, data, pss, hash_alg)
    except (InvalidSignature, ValueError):
        return False, None
    return True, None


def key_description(key: PublicKey) -> dict[str, Any]:
    """Key type and size for evidence (no key material)."""
    if isinstance(key, rsa.RSAPublicKey):
        return {"key_type": "rsa", "key_bits": key.key_size}
    return {
        "key_type": "ec",
        "curve": key.curve.name,
        "key_bits": key.curve.bits,
        "ecdsa_backend": backend_name(key.curve),
    }


def ecdsa_scheme_for_oid(oid: str) -> SignatureScheme:
    """The ECDSA scheme an ActiveAuthenticationInfo signatureAlgorithm names (9303-11 §9.2.8)."""
    if oid in _ECDSA_PLAIN:
        return SignatureScheme("ecdsa", _ECDSA_PLAIN[oid], plain_ecdsa=True)
    if oid in _ECDSA_DER:
        return SignatureScheme("ecdsa", _ECDSA_DER[oid])
    raise ChipUnsupportedAlgorithmError("unsupported AA signature algorithm", oid=oid)


def default_ecdsa_hash(key: EcPublicKey) -> str:
    """Hash matching the curve size when DG14 names none (BSI TR-03111 §4.1.1)."""
    bits = key.curve.bits
    if bits <= 192:
        return "sha1"
    if bits <= 224:
        return "sha224"
    if bits <= 256:
        return "sha256"
    if bits <= 384:
        return "sha384"
    return "sha512"
