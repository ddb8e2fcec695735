"""Signer and chain matching by X.500 name rules (RFC 5280 §7.1, RFC 4518 string preparation).

Issued documents name the same issuer in more than one way: RDNs in reverse order,
PrintableString here and UTF8String there, other case, extra spaces. Each quirk must still
find the signer (and the issuing CSCA), and say how it matched; another name must not.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from asn1crypto import core
from asn1crypto import x509 as a_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from emrtd_builder import AT, Pki, build_sod, full_document
from hypothesis import given, settings
from hypothesis import strategies as st

from leveattest.core.checks import Reason, Verdict
from leveattest.emrtd.certs import load_certificate
from leveattest.emrtd.names import NameMatch, match_names, name_key, prepare_string
from leveattest.emrtd.verify import ChipResult, verify_chip


def _dsc_issuer(pki: Pki) -> a_x509.Name:
    der = pki.dsc.public_bytes(serialization.Encoding.DER)
    return a_x509.Certificate.load(der).issuer


def _name(rdns: list[list[tuple[str, str, str]]]) -> a_x509.Name:
    """A Name from RDNs of (attribute, string type, value)."""
    return a_x509.Name(
        name="",
        value=a_x509.RDNSequence(
            [
                a_x509.RelativeDistinguishedName(
                    [
                        a_x509.NameTypeAndValue(
                            {"type": kind, "value": a_x509.DirectoryString(name=st_, value=text)}
                        )
                        for kind, st_, text in rdn
                    ]
                )
                for rdn in rdns
            ]
        ),
    )


def _variant(
    pki: Pki,
    *,
    reverse: bool = False,
    text: Callable[[str], str] = lambda s: s,
    cn_type: str = "utf8_string",
) -> a_x509.Name:
    """The DSC's issuer name (C=UT, CN=<csca>) written another way."""
    rdns = [
        [("country_name", "printable_string", text(pki.country))],
        [("common_name", cn_type, text(pki.csca_cn))],
    ]
    return _name(rdns[::-1] if reverse else rdns)


@pytest.fixture(scope="module")
def dgs():
    return full_document("ec")


def _verify(pki, store, dgs, **kw):
    return verify_chip(build_sod(pki, dgs, scheme="ecdsa", **kw), dgs, store, at=AT)


# ---- SignerInfo ↔ certificate ------------------------------------------------------------
def test_signer_named_byte_for_byte_matches_exactly(ec_pki, ec_store, dgs):
    result = _verify(ec_pki, ec_store, dgs)
    assert result.check("sod_signature").evidence.signer_match == "exact"


@pytest.mark.parametrize(
    ("quirk", "how"),
    [
        ({"reverse": True}, "name_order_reversed"),
        ({"cn_type": "printable_string"}, "normalised"),  # PrintableString vs UTF8String
        ({"cn_type": "teletex_string"}, "normalised"),
        ({"text": str.swapcase}, "normalised"),  # case
        ({"text": str.title}, "normalised"),
        ({"text": lambda s: f"  {s.replace(' ', '   ')} "}, "normalised"),  # spaces
        (
            {"text": str.swapcase, "reverse": True, "cn_type": "printable_string"},
            "name_order_reversed",
        ),
    ],
)
def test_signer_named_another_way_is_found_and_the_way_recorded(quirk, how, ec_pki, ec_store,
                                                                dgs):  # fmt: skip
    issuer = _variant(ec_pki, **quirk)
    assert issuer.dump() != _dsc_issuer(ec_pki).dump()
    result = _verify(ec_pki, ec_store, dgs, signer_issuer=issuer)
    signature = result.check("sod_signature")
    assert signature.verdict is Verdict.PASSED, signature
    assert signature.evidence.signer_match == how
    assert result.check("trust_chain").verdict is Verdict.PASSED


def test_signer_identified_by_subject_key_identifier(ec_store, dgs):
    pki = Pki(kind="ec", csca_cn="EC CSCA", dsc_ski=True)
    result = _verify(pki, ec_store, dgs, signer_id="subject_key_identifier")
    signature = result.check("sod_signature")
    assert signature.verdict is Verdict.PASSED
    assert signature.evidence.signer_match == "subject_key_identifier"


@pytest.mark.parametrize(
    "issuer",
    [
        [[("country_name", "printable_string", "UT")], [("common_name", "utf8_string", "EC CSCB")]],
        [[("country_name", "printable_string", "UX")], [("common_name", "utf8_string", "EC CSCA")]],
        [[("common_name", "utf8_string", "EC CSCA")]],  # an RDN missing
        [[("country_name", "printable_string", "UT"), ("common_name", "utf8_string", "EC CSCA")]],
        [
            [("country_name", "printable_string", "UT")],
            [("organization_name", "utf8_string", "EC CSCA")],
        ],
    ],
)
def test_signer_with_another_issuer_name_is_not_matched(issuer, ec_pki, ec_store, dgs):
    result = _verify(ec_pki, ec_store, dgs, signer_issuer=_name(issuer))
    signature = result.check("sod_signature")
    assert signature.reason is Reason.SOD_MALFORMED
    assert "no certificate for its signer" in (signature.detail or "")
    assert result.result is ChipResult.REJECTED


def test_signer_with_subject_key_identifier_of_another_key_is_not_matched(ec_store, dgs):
    pki = Pki(kind="ec", csca_cn="EC CSCA", dsc_ski=True)
    sod = build_sod(pki, dgs, scheme="ecdsa", signer_id="subject_key_identifier")
    own = pki.dsc.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    other = x509.SubjectKeyIdentifier.from_public_key(pki.csca_key.public_key()).digest
    assert sod.count(b"\x80\x14" + own) == 1
    result = verify_chip(sod.replace(b"\x80\x14" + own, b"\x80\x14" + other), dgs, ec_store, at=AT)
    assert result.check("sod_signature").reason is Reason.SOD_MALFORMED


# ---- DSC issuer ↔ CSCA subject -----------------------------------------------------------
def _c(value: str = "UT") -> x509.NameAttribute:
    return x509.NameAttribute(NameOID.COUNTRY_NAME, value)


def _cn(
    value: str = "EC CSCA", string_type: _ASN1Type = _ASN1Type.UTF8String
) -> x509.NameAttribute:
    return x509.NameAttribute(NameOID.COMMON_NAME, value, _type=string_type)


@pytest.mark.parametrize(
    ("issuer", "how"),
    [
        (x509.Name([_cn(), _c()]), "name_order_reversed"),
        (x509.Name([_c(), _cn("ec  csca ", _ASN1Type.PrintableString)]), "normalised"),
        (x509.Name([_cn(" EC CSCA", _ASN1Type.PrintableString), _c("ut")]), "name_order_reversed"),
        (x509.Name([_c(), _cn()]), "exact"),
    ],
)
def test_dsc_whose_issuer_names_the_csca_another_way_chains(issuer, how, ec_store, dgs):
    result = _verify(Pki(kind="ec", csca_cn="EC CSCA", dsc_issuer=issuer), ec_store, dgs)
    chain = result.check("trust_chain")
    assert chain.verdict is Verdict.PASSED, chain
    assert chain.evidence.issuer_name_match == how
    assert result.check("sod_signature").evidence.signer_match == "exact"


@pytest.mark.parametrize(
    "issuer",
    [
        x509.Name([_cn(), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UT")]),
        x509.Name([_c(), _cn("EC CSCA 2")]),
        x509.Name([_c(), _cn(), _c()]),
    ],
)
def test_dsc_whose_issuer_names_another_csca_does_not_chain(issuer, ec_store, dgs):
    result = _verify(Pki(kind="ec", csca_cn="EC CSCA", dsc_issuer=issuer), ec_store, dgs)
    assert result.check("trust_chain").reason is Reason.UNKNOWN_ISSUER
    assert result.result is ChipResult.REJECTED


def test_trust_store_offers_the_csca_for_a_reversed_issuer(ec_pki, ec_store):
    pki = Pki(kind="ec", csca_cn="EC CSCA", dsc_issuer=x509.Name([_cn(), _c()]))
    dsc = load_certificate(pki.dsc.public_bytes(serialization.Encoding.DER))
    csca = load_certificate(ec_pki.csca_pem())
    assert [c.fingerprint for c in ec_store.issuer_candidates(dsc)] == [csca.fingerprint]


# ---- the string preparation itself (RFC 4518 §2) -----------------------------------------
@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Test CSCA", "test csca"),
        ("  Test \t CSCA ", "Test CSCA"),
        ("ＴＥＳＴ", "test"),  # fullwidth: NFKC
        ("ﬁnland", "finland"),  # ligature: NFKC
        ("Stra\u00dfe", "STRASSE"),  # case folding, not lower-casing
        ("So\u00adft", "Soft"),  # soft hyphen maps to nothing
        ("A\u00a0B", "A B"),  # no-break space is a space
        ("e\u0301", "\u00e9"),  # combining sequence: NFKC
    ],
)
def test_prepared_strings_compare_equal(left, right):
    assert prepare_string(left) == prepare_string(right)


@pytest.mark.parametrize(("left", "right"), [("CSCA", "CSCB"), ("A B", "AB"), ("NL", "N L")])
def test_prepared_strings_that_differ_stay_different(left, right):
    assert prepare_string(left) != prepare_string(right)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_string_preparation_is_idempotent_and_never_raises(text):
    once = prepare_string(text)
    assert prepare_string(once) == once


_ATTRS = st.sampled_from(["common_name", "organization_name", "organizational_unit_name",
                          "locality_name"])  # fmt: skip
_RDN = st.lists(st.tuples(_ATTRS, st.sampled_from(["utf8_string", "printable_string"]),
                          st.from_regex(r"[A-Za-z0-9 ]{1,12}", fullmatch=True)),
                min_size=1, max_size=2)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_RDN, min_size=1, max_size=4))
def test_a_name_matches_itself_and_its_reversal(rdns):
    name = _name(rdns)
    assert match_names(name, _name(rdns)) is NameMatch.EXACT
    reversed_match = match_names(_name(rdns[::-1]), name)
    assert reversed_match in (NameMatch.EXACT, NameMatch.NORMALISED, NameMatch.NAME_ORDER_REVERSED)
    changed = [[(a, s, t + "x") for a, s, t in rdn] for rdn in rdns]
    assert match_names(_name(changed), name) is None


def _name_with_integer_attribute(cn: str, number: int) -> a_x509.Name:
    common = a_x509.NameTypeAndValue(
        {"type": "2.5.4.3", "value": a_x509.DirectoryString(name="utf8_string", value=cn)}
    )
    other = a_x509.NameTypeAndValue({"type": "1.2.3.4", "value": core.Integer(number)})
    sequence = a_x509.RDNSequence(
        [a_x509.RelativeDistinguishedName([common]), a_x509.RelativeDistinguishedName([other])]
    )
    return a_x509.Name.load(a_x509.Name(name="", value=sequence).dump())


def test_non_string_attribute_values_are_compared_by_their_encoding():
    # RFC 5280 §7.1: string values are prepared (case folded); other values match exactly
    same = _name_with_integer_attribute("Test CSCA", 5)
    assert name_key(_name_with_integer_attribute("TEST csca", 5)) == name_key(same)
    assert name_key(_name_with_integer_attribute("Test CSCA", 6)) != name_key(same)
    assert match_names(_name_with_integer_attribute("Test CSCA", 6), same) is None
