"""ASN.1 types from ICAO 9303 that asn1crypto does not define.

ICAO 9303-10 (LDS 1.7/1.8) and 9303-11 (security mechanisms), 9303-12 (PKI):
LDSSecurityObject (EF.SOD eContent), SecurityInfos (DG14), CscaMasterList.
Shared by the verifier (parsing) and the sample generator (writing).
"""

from __future__ import annotations

from asn1crypto import algos, cms, core, keys

# ICAO OIDs (9303-10 §4.6.2, 9303-11 §9.2, 9303-12 §9)
ID_ICAO_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
ID_ICAO_CSCA_MASTER_LIST = "2.23.136.1.1.2"
ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY = "2.23.136.1.1.3"
ID_ICAO_DEVIATION_LIST = "2.23.136.1.1.7"
ID_ICAO_LDS_VERSION_INFO_OID = "2.23.136.1.1.6"
ID_ICAO_MRTD_SECURITY_AA_PROTOCOL = "2.23.136.1.1.5"  # id-icao-mrtd-security-aaProtocolObject
ID_PK_DH = "0.4.0.127.0.7.2.2.1.1"
ID_PK_ECDH = "0.4.0.127.0.7.2.2.1.2"

# registering ICAO content types with asn1crypto
cms.ContentType._map.update(
    {
        ID_ICAO_LDS_SECURITY_OBJECT: "ldsSecurityObject",
        ID_ICAO_CSCA_MASTER_LIST: "cscaMasterList",
        ID_ICAO_DEVIATION_LIST: "deviationList",
    }
)


class DataGroupHash(core.Sequence):
    _fields = [  # noqa: RUF012 - asn1crypto declares fields as class attributes
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashes(core.SequenceOf):
    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LDSSecurityObject(core.Sequence):
    """LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues,
    ldsVersionInfo OPTIONAL }.

    version 0 (LDS 1.7) has no ldsVersionInfo; version 1 (LDS 1.8) must have it.
    """

    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashes),
        ("lds_version_info", LDSVersionInfo, {"optional": True}),
    ]


class SecurityInfo(core.Sequence):
    """SecurityInfo ::= SEQUENCE { protocol OID, requiredData ANY, optionalData ANY OPTIONAL }."""

    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("required_data", core.Any),
        ("optional_data", core.Any, {"optional": True}),
    ]


class SecurityInfos(core.SetOf):
    _child_spec = SecurityInfo


class ActiveAuthenticationInfo(core.Sequence):
    """9303-11 §9.2.8: ActiveAuthenticationInfo { protocol, version (1), signatureAlgorithm }."""

    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("signature_algorithm", core.ObjectIdentifier),
    ]


class CscaCertificates(core.SetOf):
    _child_spec = cms.Certificate


class CscaMasterList(core.Sequence):
    """9303-12 §9: CscaMasterList ::= SEQUENCE { version, certList SET OF Certificate }."""

    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("cert_list", CscaCertificates),
    ]


# SubjectPublicKeyInfo as found in DG15 (the AA key)
PublicKeyInfo = keys.PublicKeyInfo
