"""Signature schemes of the synthetic PKI, and SubjectPublicKeyInfo writing.

A ``Signer`` pairs a private key with one of the schemes ICAO 9303-12 allows for CSCA,
DSC and SOD signatures and produces both the signature and its AlgorithmIdentifier.
All signatures are reproducible: RSA-PSS uses a salt derived from the seed and the
message (see ``rsa_seeded.sign_pss_sha256``), ECDSA uses RFC 6979 deterministic nonces.

brainpoolP256r1 keys are written with *explicit* (specifiedCurve) domain parameters, as
ICAO 9303-12 §7.1.2 requires for CSCA/DSC keys; ``cryptography`` does not write those,
so the SPKI is assembled with asn1crypto.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from asn1crypto import algos, keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from leveattest.samples.rsa_seeded import sign_pss_sha256

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

# RFC 5639 §3.4 brainpoolP256r1 (checked against cryptography's curve in the tests)
BRAINPOOL_P256R1: Final = {
    "p": 0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
    "a": 0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
    "b": 0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
    "x": 0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
    "y": 0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
    "n": 0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
    "h": 1,
}
P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
PSS_SALT_LENGTH: Final = 32


class Scheme(StrEnum):
    """Signature schemes used in the sample PKI (all with SHA-256)."""

    RSA_PSS = "rsassa_pss"
    RSA_PKCS1 = "sha256_rsa"
    ECDSA = "sha256_ecdsa"


@dataclass(frozen=True)
class Signer:
    """A private key with its scheme; ``seed`` makes PSS salts reproducible."""

    key: PrivateKey
    scheme: Scheme
    seed: int

    def algorithm(self) -> algos.SignedDigestAlgorithm:
        """The AlgorithmIdentifier for certificates, CRLs and SignerInfo."""
        if self.scheme is Scheme.RSA_PSS:
            return algos.SignedDigestAlgorithm(
                {"algorithm": "rsassa_pss", "parameters": pss_parameters()}
            )
        return algos.SignedDigestAlgorithm({"algorithm": self.scheme.value})

    def sign(self, data: bytes) -> bytes:
        key = self.key
        if self.scheme is Scheme.ECDSA:
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise TypeError("ECDSA needs an EC key")
            return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("RSA scheme needs an RSA key")
        if self.scheme is Scheme.RSA_PKCS1:
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        salt = hashlib.sha256(f"pss-salt/{self.seed}/".encode() + data).digest()
        return sign_pss_sha256(key, data, salt[:PSS_SALT_LENGTH])


def pss_parameters() -> algos.RSASSAPSSParams:
    """RSASSA-PSS-params: SHA-256, MGF1 with SHA-256, salt 32, trailer 1 (RFC 4055)."""
    return algos.RSASSAPSSParams(
        {
            "hash_algorithm": {"algorithm": "sha256"},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
            "salt_length": PSS_SALT_LENGTH,
            "trailer_field": "trailer_field_bc",
        }
    )


def _explicit_brainpool_parameters() -> keys.ECDomainParameters:
    c = BRAINPOOL_P256R1
    base = b"\x04" + c["x"].to_bytes(32, "big") + c["y"].to_bytes(32, "big")
    return keys.ECDomainParameters(
        name="specified",
        value=keys.SpecifiedECDomain(
            {
                "version": "ecdpVer1",
                "field_id": {"field_type": "prime_field", "parameters": c["p"]},
                "curve": {"a": c["a"].to_bytes(32, "big"), "b": c["b"].to_bytes(32, "big")},
                "base": base,
                "order": c["n"],
                "cofactor": c["h"],
            }
        ),
    )


def public_key_info(public_key: PublicKey, *, explicit: bool = False) -> keys.PublicKeyInfo:
    """SubjectPublicKeyInfo; brainpoolP256r1 with ``explicit`` gets specifiedCurve params."""
    if explicit:
        if not (
            isinstance(public_key, ec.EllipticCurvePublicKey)
            and isinstance(public_key.curve, ec.BrainpoolP256R1)
        ):
            raise ValueError("explicit parameters are written for brainpoolP256r1 only")
        point = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return keys.PublicKeyInfo(
            {
                "algorithm": {
                    "algorithm": "ec",
                    "parameters": _explicit_brainpool_parameters(),
                },
                "public_key": point,
            }
        )
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return keys.PublicKeyInfo.load(der)


def load_public_key(spki: keys.PublicKeyInfo) -> PublicKey:
    """A ``cryptography`` public key from an SPKI, mapping explicit brainpoolP256r1 params."""
    params = spki["algorithm"]["parameters"]
    if spki["algorithm"]["algorithm"].native == "ec" and params.name == "specified":
        spec = params.chosen
        c = BRAINPOOL_P256R1
        if (
            spec["field_id"]["parameters"].native != c["p"]
            or int.from_bytes(spec["curve"]["a"].native, "big") != c["a"]
            or int.from_bytes(spec["curve"]["b"].native, "big") != c["b"]
            or spec["order"].native != c["n"]
        ):
            raise ValueError("explicit curve parameters are not brainpoolP256r1")
        point = bytes(spki["public_key"])
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.BrainpoolP256R1(), point)
    key = serialization.load_der_public_key(spki.dump())
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise TypeError("unsupported public key type")
    return key


def private_key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM (synthetic test keys only)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
