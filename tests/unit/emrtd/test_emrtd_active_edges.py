"""Active Authentication inputs at the edges: an EC key with no algorithm in DG14, a
challenge without its signature, a signature with no DG15, a challenge of no bytes, an
algorithm we do not support and an authenticated DG15 that holds no key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from emrtd_builder import (
    AT,
    Pki,
    aa_key,
    build_sod,
    make_dg1,
    make_dg2,
    make_dg14,
    make_dg15,
    sign_ecdsa,
)

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.core.errors import ChipDataError, TrustStoreError
from leveattest.emrtd.active import check_active_auth
from leveattest.emrtd.sod import parse_sod
from leveattest.emrtd.tlv import encode_tlv
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import verify_chip

CHALLENGE = b"\x01\x02\x03\x04\x05\x06\x07\x08"


def _aa(
    pki: Pki, store: FileTrustStore, dgs: dict[int, bytes], **kw: object
) -> tuple[Verdict, Reason | None, dict[str, object]]:
    sod = build_sod(pki, dgs, scheme="ecdsa")
    check = verify_chip(sod, dgs, store, at=AT, **kw).check("active_auth")  # type: ignore[arg-type]
    return check.verdict, check.reason, check.evidence.model_dump(exclude_unset=True)


def test_an_ec_key_without_a_dg14_algorithm_takes_the_hash_of_its_curve_size(
    ec_pki: Pki, ec_store: FileTrustStore
) -> None:
    key = aa_key("ec")
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    dgs = {1: make_dg1(), 2: make_dg2(), 15: make_dg15(key)}
    signature = sign_ecdsa(key, CHALLENGE, plain=True)
    verdict, _, evidence = _aa(
        ec_pki, ec_store, dgs, aa_challenge=CHALLENGE, aa_signature=signature
    )
    assert verdict is Verdict.PASSED
    assert evidence["hash_chosen_by"] == "key_size_default"
    assert evidence["hash"] == "sha256"


def test_a_challenge_without_its_signature_cannot_be_processed(
    ec_pki: Pki, ec_store: FileTrustStore
) -> None:
    dgs = {1: make_dg1(), 15: make_dg15(aa_key("ec"))}
    with pytest.raises(ChipDataError, match="together"):
        _aa(ec_pki, ec_store, dgs, aa_challenge=CHALLENGE)


def test_a_signature_without_dg15_is_inconclusive(ec_pki: Pki, ec_store: FileTrustStore) -> None:
    verdict, reason, _ = _aa(
        ec_pki, ec_store, {1: make_dg1()}, aa_challenge=CHALLENGE, aa_signature=b"\x01" * 64
    )
    assert (verdict, reason) == (Verdict.INCONCLUSIVE, Reason.DATA_GROUP_MISSING)


def test_an_empty_challenge_fails(ec_pki: Pki, ec_store: FileTrustStore) -> None:
    dgs = {1: make_dg1(), 15: make_dg15(aa_key("ec"))}
    verdict, reason, _ = _aa(ec_pki, ec_store, dgs, aa_challenge=b"", aa_signature=b"\x01" * 64)
    assert (verdict, reason) == (Verdict.FAILED, Reason.AA_CHALLENGE_INVALID)


def test_an_aa_algorithm_we_do_not_support_fails_as_unsupported(
    ec_pki: Pki, ec_store: FileTrustStore
) -> None:
    key = aa_key("ec")
    dgs = {1: make_dg1(), 14: make_dg14("1.2.840.113549.1.1.11"), 15: make_dg15(key)}
    signature = sign_ecdsa(key, CHALLENGE, plain=True)  # type: ignore[arg-type]
    verdict, reason, _ = _aa(ec_pki, ec_store, dgs, aa_challenge=CHALLENGE, aa_signature=signature)
    assert (verdict, reason) == (Verdict.FAILED, Reason.UNSUPPORTED_ALGORITHM)


def test_an_authenticated_dg15_without_a_key_fails_as_malformed(
    ec_pki: Pki, ec_store: FileTrustStore
) -> None:
    no_key = encode_tlv(0x6F, encode_tlv(0x30, encode_tlv(0x02, b"\x01")))
    dgs = {1: make_dg1(), 15: no_key}
    verdict, reason, _ = _aa(
        ec_pki, ec_store, dgs, aa_challenge=CHALLENGE, aa_signature=b"\x01" * 64
    )
    assert (verdict, reason) == (Verdict.FAILED, Reason.DATA_GROUP_MALFORMED)


def test_the_check_itself_refuses_a_challenge_without_its_signature(ec_pki: Pki) -> None:
    # verify_chip refuses it first; the check keeps its own guard for other callers
    dgs = {1: make_dg1(), 15: make_dg15(aa_key("ec"))}
    sod = parse_sod(build_sod(ec_pki, dgs, scheme="ecdsa"))
    with pytest.raises(ChipDataError, match="together"):
        check_active_auth(
            sod,
            dgs,
            signature_check=CheckResult.passed("sod_signature"),
            dg_hashes=CheckResult.passed("dg_hashes"),
            challenge=CHALLENGE,
            signature=None,
        )


def test_a_verification_lists_its_checks_as_json_and_knows_only_those(
    ec_pki: Pki, ec_store: FileTrustStore
) -> None:
    dgs = {1: make_dg1()}
    result = verify_chip(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, ec_store, at=AT)
    payload = result.to_json_dict()
    assert payload["result"] == result.result.value
    assert [c["check"] for c in payload["checks"]] == [c.check for c in result.checks]
    with pytest.raises(KeyError):
        result.check("no_such_check")


class _NoAnchors:
    """A trust store (the port) that has loaded no anchor; the file store refuses to be one."""

    anchor_count = 0


def test_verifying_without_any_trust_anchor_is_a_trust_store_error(
    ec_pki: Pki, tmp_path: Path
) -> None:
    dgs = {1: make_dg1()}
    with pytest.raises(TrustStoreError):
        FileTrustStore([tmp_path]).anchor_count  # noqa: B018
    with pytest.raises(TrustStoreError):
        verify_chip(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, _NoAnchors(), at=AT)  # type: ignore[arg-type]


def test_a_sod_over_its_own_limit_is_refused_before_parsing(
    ec_pki: Pki, ec_store: FileTrustStore
) -> None:
    from leveattest.core.errors import ChipDataTooLargeError  # noqa: PLC0415
    from leveattest.emrtd.sod import MAX_SOD_BYTES  # noqa: PLC0415

    # under the per-file cap of the settings, over the SOD's own
    too_big = encode_tlv(0x77, bytes(MAX_SOD_BYTES))
    with pytest.raises(ChipDataTooLargeError):
        verify_chip(too_big, {1: make_dg1()}, ec_store, at=AT)
