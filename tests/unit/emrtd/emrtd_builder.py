"""A tiny synthetic eMRTD PKI for tests and the benchmark (test keys only, generated on the fly).

``Pki`` makes a CSCA and a DSC (RSA or EC); ``build_sod`` writes an EF.SOD over given data
groups with one optional mutation (a named change, so each mutation test changes one
thing); ``build_master_list`` likewise a CSCA master list. The data groups are written by
the sample generator's own writers (``leveattest.samples.lds``): ``make_*`` only choose
their contents.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import algos, cms, core, keys
from asn1crypto import crl as a_crl
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID

from leveattest.emrtd.asn1 import LDSSecurityObject
from leveattest.emrtd.tlv import encode_tlv
from leveattest.samples import lds

T0 = datetime(2020, 1, 1, tzinfo=UTC)
AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
MRZ_TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
_HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_KEYS: dict[str, object] = {}


def _key(name: str, kind: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    cache_key = f"{name}:{kind}"
    if cache_key not in _KEYS:
        if kind == "rsa":
            _KEYS[cache_key] = rsa.generate_private_key(65537, 2048)
        elif kind == "rsa1024":
            _KEYS[cache_key] = rsa.generate_private_key(65537, 1024)
        elif kind == "brainpool":
            _KEYS[cache_key] = ec.generate_private_key(ec.BrainpoolP256R1())
        else:
            _KEYS[cache_key] = ec.generate_private_key(ec.SECP256R1())
    return _KEYS[cache_key]  # type: ignore[return-value]


def _name(cn: str, country: str = "UT") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@dataclass
class Pki:
    kind: str = "rsa"
    csca_not_before: datetime = T0
    csca_not_after: datetime = T0 + timedelta(days=365 * 15)
    dsc_not_before: datetime = T0 + timedelta(days=30)
    dsc_not_after: datetime = T0 + timedelta(days=365 * 11)
    dsc_key_usage_ok: bool = True
    csca_cn: str = "Test CSCA"
    country: str = "UT"
    # the DSC's private key usage period from its notBefore (9303-12 §7.1.1; about three
    # months in practice); None: no such extension, so only a signingTime or DG12 dates a SOD
    dsc_pkup_days: int | None = 92
    dsc_issuer: x509.Name | None = None  # None: the CSCA's subject, as it should be
    dsc_ski: bool = False
    csca_ski: bool = True  # False: no subjectKeyIdentifier (older CSCAs omit it)
    csca_key: object = field(init=False)
    dsc_key: object = field(init=False)
    csca: x509.Certificate = field(init=False)
    dsc: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        self.csca_key = _key(f"csca-{self.csca_cn}", self.kind)
        self.dsc_key = _key("dsc", self.kind)
        self.csca = self._csca()
        self.dsc = self.issue_dsc(self.dsc_key)  # type: ignore[arg-type]

    def _csca(self) -> x509.Certificate:
        key = self.csca_key
        name = _name(self.csca_cn, self.country)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())  # type: ignore[attr-defined]
            .serial_number(1000)
            .not_valid_before(self.csca_not_before)
            .not_valid_after(self.csca_not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(cert_sign=True), critical=True)
        )
        if self.csca_ski:
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()),  # type: ignore[attr-defined]
                critical=False,
            )
        return builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]

    def issue_dsc(self, public: object, *, serial: int = 4242) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name("Test DSC", self.country))
            .issuer_name(self.dsc_issuer or self.csca.subject)
            .public_key(public.public_key())  # type: ignore[attr-defined]
            .serial_number(serial)
            .not_valid_before(self.dsc_not_before)
            .not_valid_after(self.dsc_not_after)
            .add_extension(_usage(cert_sign=not self.dsc_key_usage_ok), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.csca_key.public_key()),  # type: ignore[attr-defined]
                critical=False,
            )
        )
        if self.dsc_pkup_days is not None:
            period = x509.PrivateKeyUsagePeriod(
                self.dsc_not_before, self.dsc_not_before + timedelta(days=self.dsc_pkup_days)
            )
            builder = builder.add_extension(period, critical=False)
        if self.dsc_ski:
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(public.public_key()),  # type: ignore[attr-defined]
                critical=False,
            )
        return builder.sign(self.csca_key, hashes.SHA256())  # type: ignore[arg-type]

    def csca_pem(self) -> bytes:
        return self.csca.public_bytes(serialization.Encoding.PEM)

    def crl(
        self,
        *,
        revoked: tuple[int, ...] = (),
        last: datetime = AT - timedelta(days=10),
        next_: datetime = AT + timedelta(days=20),
    ) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.csca.subject)
            .last_update(last)
            .next_update(next_)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.csca_key.public_key()),  # type: ignore[attr-defined]
                critical=False,
            )
        )
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(T0 + timedelta(days=100))
                .build()
            )
        crl = builder.sign(self.csca_key, hashes.SHA256())  # type: ignore[arg-type]
        return crl.public_bytes(serialization.Encoding.DER)

    def write_store(self, folder: Path, *, crl: bytes | None = None) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "csca.pem").write_bytes(self.csca_pem())
        if crl is not None:
            (folder / "csca.crl").write_bytes(crl)
        return folder


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# ---- data groups: the sample generator's writers (leveattest.samples.lds) -----------------
def make_dg1(mrz: str = MRZ_TD3) -> bytes:
    return lds.dg1([mrz])


def make_face_record(image: bytes | None = None, width: int = 240, height: int = 320) -> bytes:
    """A facial record around ``image`` (default: JPEG markers around random bytes)."""
    image = image if image is not None else b"\xff\xd8\xff\xe0" + os.urandom(200) + b"\xff\xd9"
    return lds.facial_record(image, width, height, gender="F", image_type="jpeg")


def make_dg2(image: bytes | None = None) -> bytes:
    return lds.dg2(make_face_record(image))


def make_dg14(aa_algorithm: str | None = lds.ECDSA_PLAIN_SHA256) -> bytes:
    return lds.dg14(aa_algorithm, chip_authentication=True)


def make_dg15(private_key: object) -> bytes:
    return lds.dg15(private_key.public_key())  # type: ignore[attr-defined]


def aa_key(kind: str = "rsa1024") -> object:
    return _key("aa", kind)


def sign_iso9796_2(key: rsa.RSAPrivateKey, challenge: bytes, hash_name: str = "sha1") -> bytes:
    """ISO/IEC 9796-2 scheme 1, partial recovery, as a chip does it (test helper)."""
    numbers = key.private_numbers()
    size = key.key_size // 8
    h_len = hashlib.new(hash_name).digest_size
    ids = {"sha256": 0x34, "sha512": 0x35, "sha384": 0x36, "sha224": 0x38}
    trailer = b"\xbc" if hash_name == "sha1" else bytes([ids[hash_name], 0xCC])
    m1 = os.urandom(size - 1 - h_len - len(trailer))
    digest = hashlib.new(hash_name, m1 + challenge).digest()
    representative = int.from_bytes(b"\x6a" + m1 + digest + trailer, "big")
    n = numbers.public_numbers.n
    return pow(representative, numbers.d, n).to_bytes(size, "big")


def sign_ecdsa(key: ec.EllipticCurvePrivateKey, data: bytes, *, plain: bool) -> bytes:
    der = key.sign(data, ec.ECDSA(hashes.SHA256()))
    if not plain:
        return der
    r, s = utils.decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def full_document(aa_kind: str = "rsa1024") -> dict[int, bytes]:
    key = aa_key(aa_kind)
    aa_alg = "0.4.0.127.0.7.1.1.4.1.3" if aa_kind not in ("rsa", "rsa1024") else None
    return {1: make_dg1(), 2: make_dg2(), 14: make_dg14(aa_alg), 15: make_dg15(key)}


# ---- EF.SOD ----------------------------------------------------------------------------
def build_sod(
    pki: Pki,
    data_groups: dict[int, bytes],
    *,
    hash_name: str = "sha256",
    scheme: str = "pkcs1",
    lds_version: int = 0,
    signing_time: datetime | None = None,
    mutation: str | None = None,
    signer_issuer: a_x509.Name | None = None,
    signer_id: str = "issuer_and_serial_number",
    attributes_length_octets: int | None = None,
) -> bytes:
    """An EF.SOD over ``data_groups``; ``mutation`` names the one thing to get wrong.

    ``signer_issuer`` names the issuer in the SignerInfo's issuerAndSerialNumber (default:
    the DSC's issuer, byte for byte); ``signer_id="subject_key_identifier"`` uses the [0]
    SKI choice instead. ``attributes_length_octets`` writes the signed attributes' length in
    that many octets (a non-minimal, still definite length) and signs them as written.
    """
    hashes_list = [
        {"data_group_number": n, "data_group_hash_value": hashlib.new(hash_name, b).digest()}
        for n, b in sorted(data_groups.items())
    ]
    if mutation == "dg1_hash":
        hashes_list[0]["data_group_hash_value"] = bytes(
            len(hashes_list[0]["data_group_hash_value"])
        )
    if mutation == "repeated_dg":
        hashes_list.append(dict(hashes_list[0]))
    elif mutation == "dg_number_17":
        hashes_list[-1] = {**hashes_list[-1], "data_group_number": 17}
    elif mutation == "no_dgs":
        hashes_list = []
    version = {"lds_version": 2, "lds_v1_without_info": 1}.get(mutation or "", lds_version)
    lso_fields: dict[str, object] = {
        "version": version,
        "hash_algorithm": {"algorithm": "1.2.3.4" if mutation == "lso_hash_oid" else hash_name},
        "data_group_hash_values": hashes_list,
    }
    if (lds_version == 1 and mutation != "lds_v1_without_info") or mutation == "lds_v0_with_info":
        lso_fields["lds_version_info"] = {"lds_version": "0108", "unicode_version": "040000"}
    econtent = LDSSecurityObject(lso_fields).dump()
    econtent_type = "1.2.840.113549.1.7.1" if mutation == "econtent_type" else "2.23.136.1.1.1"
    md = hashlib.new(hash_name, econtent).digest()
    if mutation == "message_digest":
        md = bytes(len(md))
    content_type = "1.2.840.113549.1.7.1" if mutation == "content_type_attr" else "2.23.136.1.1.1"
    attrs = [
        {"type": "content_type", "values": [content_type]},
        {"type": "message_digest", "values": [md]},
    ]
    if signing_time is not None:
        attrs.append(
            {"type": "signing_time", "values": [cms.Time(name="utc_time", value=signing_time)]}
        )
    if mutation == "repeated_attribute":
        attrs.append({"type": "content_type", "values": [content_type]})
    elif mutation == "other_attribute":  # RFC 6211 algorithm protection: read past, not used
        attrs.append(
            {
                "type": "cms_algorithm_protection",
                "values": [{"digest_algorithm": {"algorithm": hash_name}}],
            }
        )
    elif mutation == "two_valued_attribute":
        attrs[1] = {"type": "message_digest", "values": [md, md]}
    signed_attrs = cms.CMSAttributes(attrs)
    to_sign = signed_attrs.dump()
    if attributes_length_octets is not None:
        body = signed_attrs.contents
        length = len(body).to_bytes(attributes_length_octets, "big")
        to_sign = b"\x31" + bytes([0x80 | attributes_length_octets]) + length + body
    key = pki.dsc_key
    h = _HASHES[hash_name]()
    if scheme == "pkcs1":
        signature = key.sign(to_sign, padding.PKCS1v15(), h)  # type: ignore[attr-defined]
        sig_alg: dict[str, object] = {"algorithm": f"{hash_name}_rsa"}
    elif scheme == "pss":
        signature = key.sign(to_sign, padding.PSS(padding.MGF1(h), h.digest_size), h)  # type: ignore[attr-defined]
        sig_alg = {
            "algorithm": "rsassa_pss",
            "parameters": algos.RSASSAPSSParams(
                {
                    "hash_algorithm": {"algorithm": hash_name},
                    "mask_gen_algorithm": {
                        "algorithm": "mgf1",
                        "parameters": {"algorithm": hash_name},
                    },
                    "salt_length": h.digest_size,
                }
            ),
        }
    else:
        plain = scheme == "ecdsa_plain"
        der = key.sign(to_sign, ec.ECDSA(h))  # type: ignore[attr-defined]
        signature = der
        if plain:
            r, s = utils.decode_dss_signature(der)
            size = (key.curve.key_size + 7) // 8  # type: ignore[attr-defined]
            signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
            oid = {"sha1": 1, "sha224": 2, "sha256": 3, "sha384": 4, "sha512": 5}[hash_name]
            sig_alg = {"algorithm": f"0.4.0.127.0.7.1.1.4.1.{oid}"}
        else:
            sig_alg = {"algorithm": f"{hash_name}_ecdsa"}
    if mutation == "signature_flip":
        signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
    if mutation == "signature_algorithm":
        sig_alg = {"algorithm": "1.2.3.4.5"}
    dsc = a_x509.Certificate.load(pki.dsc.public_bytes(serialization.Encoding.DER))
    if signer_id == "subject_key_identifier":
        sid = cms.SignerIdentifier({"subject_key_identifier": dsc.key_identifier})
    else:
        issuer = signer_issuer if signer_issuer is not None else dsc.issuer
        sid = cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": issuer, "serial_number": dsc.serial_number}}
        )
    signer_fields = {
        "version": "v3" if signer_id == "subject_key_identifier" else "v1",
        "sid": sid,
        "digest_algorithm": {"algorithm": hash_name},
        "signed_attrs": signed_attrs,
        "signature_algorithm": sig_alg,
        "signature": signature,
    }
    if mutation == "no_signed_attrs":
        del signer_fields["signed_attrs"]
    signer = cms.SignerInfo(signer_fields)
    if attributes_length_octets is not None:  # the same attributes, written as signed
        written = b"\xa0" + to_sign[1:]
        contents = signer.contents.replace(b"\xa0" + signed_attrs.dump()[1:], written, 1)
        signer = cms.SignerInfo.load(encode_tlv(0x30, contents))
    certificates = [] if mutation == "no_dsc" else [dsc]
    if mutation == "other_certificate_format":  # RFC 5652 §10.2.2 OtherCertificateFormat
        other = {"other_cert_format": "1.2.3.4", "other_cert": core.Null()}
        certificates.append(cms.CertificateChoices(name="other", value=other))
    if mutation == "csca_too":  # another certificate before the signer's: not the signer
        certificates.insert(
            0, a_x509.Certificate.load(pki.csca.public_bytes(serialization.Encoding.DER))
        )
    signed = cms.SignedData(
        {
            "version": "v1" if mutation == "signed_data_version" else "v3",
            "digest_algorithms": [{"algorithm": hash_name}],
            "encap_content_info": {"content_type": econtent_type}
            if mutation == "no_econtent"
            else {
                "content_type": econtent_type,
                "content": cms.ParsableOctetString(econtent),
            },
            "certificates": certificates,
            "signer_infos": [signer, signer] if mutation == "two_signers" else [signer],
        }
    )
    if mutation == "with_crl":  # RevocationInfoChoices [1]: allowed, not read
        signed["crls"] = [a_crl.CertificateList.load(pki.crl())]
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed})
    if mutation == "not_signed_data":
        info = cms.ContentInfo({"content_type": "data", "content": econtent})
    sod = encode_tlv(0x77, info.dump())
    if mutation == "trailing_byte":
        sod += b"\x00"
    return sod


def spki_with_explicit_curve(public: ec.EllipticCurvePublicKey, *, tamper: bool = False) -> bytes:
    """SubjectPublicKeyInfo with explicit domain parameters (as ICAO 9303-12 requires)."""
    from leveattest.emrtd.curves import KNOWN_CURVES  # noqa: PLC0415

    known = next(k for k in KNOWN_CURVES if k.name == public.curve.name)
    size = (known.p.bit_length() + 7) // 8
    specified = keys.SpecifiedECDomain(
        {
            "version": "ecdpVer1",
            "field_id": {"field_type": "prime_field", "parameters": known.p},
            "curve": {
                "a": known.a.to_bytes(size, "big"),
                "b": (known.b + (1 if tamper else 0)).to_bytes(size, "big"),
            },
            "base": known.g,
            "order": known.n,
            "cofactor": 1,
        }
    )
    point = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    info = keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": keys.ECDomainParameters({"specified": specified}),
            },
            "public_key": point,
        }
    )
    return info.dump()


# ---- CSCA master list ------------------------------------------------------------------
def build_master_list(
    pki: Pki,
    listed: list[x509.Certificate],
    *,
    signer: x509.Certificate | None = None,
    mutation: str | None = None,
) -> bytes:
    """A CSCA master list (ICAO 9303-12 §9) of ``listed``, signed with the DSC key of
    ``pki`` (``signer``: the certificate to carry for that key, by default the DSC);
    ``mutation`` names the one thing to get wrong."""
    from leveattest.emrtd.asn1 import ID_ICAO_CSCA_MASTER_LIST, CscaMasterList  # noqa: PLC0415

    def der(cert: x509.Certificate) -> a_x509.Certificate:
        return a_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    econtent = CscaMasterList({"version": 0, "cert_list": [der(c) for c in listed]}).dump()
    if mutation == "not_a_listing":
        econtent = core.Integer(1).dump()
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [ID_ICAO_CSCA_MASTER_LIST]},
            {"type": "message_digest", "values": [hashlib.sha256(econtent).digest()]},
        ]
    )
    signature = pki.dsc_key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))  # type: ignore[attr-defined]
    if mutation == "signature_flip":
        signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
    signer_cert = der(signer or pki.dsc)
    info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": {
                "issuer_and_serial_number": {
                    "issuer": signer_cert.issuer,
                    "serial_number": signer_cert.serial_number,
                }
            },
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        }
    )
    signed = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {
                "content_type": "1.2.840.113549.1.7.1"
                if mutation == "econtent_type"
                else ID_ICAO_CSCA_MASTER_LIST,
                "content": cms.ParsableOctetString(econtent),
            },
            "certificates": [] if mutation == "no_signer_certificate" else [signer_cert],
            "signer_infos": [info, info] if mutation == "two_signers" else [info],
        }
    )
    if mutation == "not_signed_data":
        return cms.ContentInfo({"content_type": "data", "content": econtent}).dump()
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()
