"""Every shared ICAO 9303 vector gives its documented outcome (../shared/data/emrtd/README).

Third-party data is read in place through the ``shared_data`` fixture, never copied.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from leveattest.core.checks import Reason, Verdict
from leveattest.emrtd.certs import load_certificate
from leveattest.emrtd.sod import parse_sod
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import ChipResult, ChipVerification, verify_chip

pytestmark = pytest.mark.shared_data
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def emrtd(shared_data: Path) -> Path:
    return shared_data / "emrtd"


@pytest.fixture(scope="module")
def full_store(emrtd: Path) -> FileTrustStore:
    trust = emrtd / "trust"
    return FileTrustStore([trust / "csca", trust / "masterlists", trust / "crl", trust / "link"])


@pytest.fixture(scope="module")
def etsi_store(emrtd: Path) -> FileTrustStore:
    return FileTrustStore([emrtd / "etsi" / "CSCA_test_de.der"])


@pytest.fixture(scope="module")
def slovenia_store(emrtd: Path) -> FileTrustStore:
    return FileTrustStore([emrtd / "slovenia" / "csca_si_448831f1.cer"])


def _groups(folder: Path) -> dict[int, bytes]:
    return {
        int(p.stem.removeprefix("Datagroup")): p.read_bytes() for p in folder.glob("Datagroup*.bin")
    }


def _verify(folder: Path, store: FileTrustStore, **kw) -> ChipVerification:
    return verify_chip((folder / "EF_SOD.bin").read_bytes(), _groups(folder), store, at=NOW, **kw)


def _dg_match(result: ChipVerification) -> dict[str, bool]:
    return {k: v["match"] for k, v in result.check("dg_hashes").evidence.data_groups.items()}


def test_bsi2013_signature_valid_dg15_mismatch_chain_untrusted(emrtd, full_store):
    result = _verify(emrtd / "bsi2013", full_store)
    assert result.check("sod_signature").verdict is Verdict.PASSED
    assert result.check("sod_signature").evidence.scheme == "rsassa_pss"
    assert _dg_match(result) == {"DG1": True, "DG2": True, "DG14": True, "DG15": False}
    assert result.check("dg_hashes").verdict is Verdict.FAILED
    assert result.check("trust_chain").reason is Reason.UNKNOWN_ISSUER
    assert result.result is ChipResult.REJECTED


def test_loes2006_signature_and_hashes_valid_chain_untrusted(emrtd, full_store):
    result = _verify(emrtd / "loes2006", full_store)
    assert result.check("sod_signature").verdict is Verdict.PASSED
    assert result.check("sod_signature").evidence.scheme == "rsa_pkcs1v15"
    assert result.check("dg_hashes").verdict is Verdict.PASSED
    assert _dg_match(result) == {"DG1": True, "DG2": True, "DG15": True}
    assert result.check("trust_chain").reason is Reason.UNKNOWN_ISSUER
    assert result.result is ChipResult.REJECTED


def test_etsi_without_a_reference_time_is_inconclusive_and_expired_now(emrtd, etsi_store):
    # the ETSI SOD has no signingTime, no DG12 and a DSC without a private key usage period:
    # nothing dates its signature, so dsc_validity cannot pass (9303-12 §5.3, chain model)
    result = _verify(emrtd / "etsi", etsi_store)
    for name in ("sod_parse", "sod_signature", "dg_hashes", "trust_chain"):
        assert result.check(name).verdict is Verdict.PASSED, name
    check = result.check("dsc_validity")
    assert (check.verdict, check.reason) == (Verdict.INCONCLUSIVE, Reason.NO_REFERENCE_TIME)
    assert check.evidence.reference_sources == {
        "signing_time_attribute": "absent",
        "dg12_date_of_issue": "not_presented",
        "dsc_private_key_usage_period": "absent",
    }
    validity = check.evidence
    assert validity.dsc_expired_now is True
    assert validity.csca_expired_now is True
    assert result.check("revocation").reason is Reason.REVOCATION_UNKNOWN
    assert result.result is ChipResult.INCONCLUSIVE  # no CRL, AA not performed


def test_etsi_expired_now_fails_when_policy_refuses_expired_certificates(emrtd, etsi_store):
    from leveattest.core.settings import ChipSettings  # noqa: PLC0415

    strict = ChipSettings(accept_expired_certificates_now=False)
    result = _verify(emrtd / "etsi", etsi_store, settings=strict)
    assert result.check("dsc_validity").reason is Reason.CERTIFICATE_EXPIRED
    assert result.result is ChipResult.REJECTED


@pytest.mark.parametrize("store_name", ["slovenia_store", "full_store"])
def test_slovenia_signature_chain_dg15_and_aa_pairs_verify(emrtd, store_name, request):
    store = request.getfixturevalue(store_name)
    folder = emrtd / "slovenia"
    pairs = json.loads((folder / "aa_signatures.json").read_text())
    for entry in pairs.values():
        challenge = bytes.fromhex(entry["challenge"])
        # four 8-byte challenges (ICAO 9303-11 §6.1: RND.IFD is 8 bytes), one signature each
        for index, signature in enumerate(entry["csigs"]):
            chunk = challenge[8 * index : 8 * index + 8]
            result = _verify(
                folder, store, aa_challenge=chunk, aa_signature=bytes.fromhex(signature)
            )
            for name in (
                "sod_signature",
                "dg_hashes",
                "trust_chain",
                "dsc_validity",
                "active_auth",
            ):
                assert result.check(name).verdict is Verdict.PASSED, (name, result.check(name))
            assert _dg_match(result) == {"DG15": True}
            assert result.check("active_auth").evidence.hash == "sha1"
            # no signingTime: the DSC's private key usage period dates the signature
            source = result.check("dsc_validity").evidence.reference_time_source
            assert source == "dsc_private_key_usage_period"
            wrong = _verify(
                folder, store, aa_challenge=bytes(8), aa_signature=bytes.fromhex(signature)
            )
            assert wrong.check("active_auth").reason is Reason.AA_SIGNATURE_INVALID


def test_slovenia_dsc_file_matches_the_dsc_inside_the_sod(emrtd):
    sod = parse_sod((emrtd / "slovenia" / "EF_SOD.bin").read_bytes())
    dsc = load_certificate((emrtd / "slovenia" / "dsc_si_448833b8.cer").read_bytes())
    assert sod.signer_certificate() is not None
    assert sod.signer_certificate().fingerprint == dsc.fingerprint


# ---- pymrtd negatives: each has exactly one expected failure --------------------------------
NEG = "pymrtd-negatives"
PARSE_FAILURES = {
    "L0559": Reason.SOD_UNEXPECTED_CONTENT,
    "L0564": Reason.SOD_UNEXPECTED_CONTENT,
    "L0569": Reason.SOD_UNEXPECTED_CONTENT,
    "L0574": Reason.SOD_UNEXPECTED_CONTENT,
    "L0579": Reason.SOD_UNEXPECTED_CONTENT,
    "L0584": Reason.SOD_UNEXPECTED_CONTENT,
    "L0589": Reason.SOD_UNEXPECTED_CONTENT,
    "L0594": Reason.SOD_UNEXPECTED_CONTENT,
    "L0599": Reason.SOD_UNEXPECTED_CONTENT,
    "L0604": Reason.SOD_UNEXPECTED_CONTENT,
    "L0609": Reason.SOD_MALFORMED,
    "L0386": Reason.SOD_UNEXPECTED_CONTENT,
}


def _neg(emrtd: Path, line: str, kind: str = "sod") -> bytes:
    return (emrtd / NEG / f"sod_test_{line}_tv_{kind}.bin").read_bytes()


def _failures(result: ChipVerification) -> list[tuple[str, Reason]]:
    return [(c.check, c.reason) for c in result.checks if c.verdict is Verdict.FAILED]


@pytest.mark.parametrize("line", sorted(PARSE_FAILURES))
def test_strict_parser_rejects_broken_sod(emrtd, etsi_store, line):
    result = verify_chip(_neg(emrtd, line), {}, etsi_store, at=NOW)
    assert _failures(result) == [("sod_parse", PARSE_FAILURES[line])]
    assert result.result is ChipResult.REJECTED


@pytest.mark.parametrize(
    ("line", "deviation"), [("L0584", "econtent_type_id_data"), ("L0609", "trailing_bytes")]
)
def test_relaxed_parser_accepts_named_deviation(emrtd, line, deviation):
    sod = parse_sod(_neg(emrtd, line), allow=[deviation])
    assert sod.deviations == (deviation,)


@pytest.mark.parametrize("line", ["L0589", "L0594", "L0599", "L0604", "L0569"])
def test_relaxed_parser_still_rejects_what_no_deviation_covers(emrtd, etsi_store, line):
    relaxed = ["econtent_type_id_data", "trailing_bytes"]
    result = verify_chip(_neg(emrtd, line), {}, etsi_store, at=NOW, allow_deviations=relaxed)
    assert result.check("sod_parse").verdict is Verdict.FAILED


def test_bsi_sod_with_id_data_parses_relaxed_but_its_signature_fails(emrtd, full_store):
    relaxed = ["econtent_type_id_data"]
    result = verify_chip(_neg(emrtd, "L0386"), {}, full_store, at=NOW, allow_deviations=relaxed)
    assert result.check("sod_parse").verdict is Verdict.PASSED
    assert result.check("sod_signature").verdict is Verdict.FAILED
    assert result.check("sod_parse").evidence.deviations == ["econtent_type_id_data"]


@pytest.mark.parametrize(
    ("sod", "dg", "kind", "expected"),
    [
        ("L0619", "L0621", "dg1", ("sod_signature", Reason.SIGNED_ATTRIBUTES_INVALID)),
        ("L0632", "L0634", "dg1", ("sod_signature", Reason.SIGNATURE_INVALID)),
        ("L0645", "L0647", "dg14", ("sod_signature", Reason.SIGNED_ATTRIBUTES_INVALID)),
        ("L0657", "L0659", "dg1", ("dg_hashes", Reason.HASH_MISMATCH)),
        ("L0669", "L0671", "dg15", ("dg_hashes", Reason.HASH_MISMATCH)),
    ],
)
def test_broken_etsi_vectors_fail_for_their_one_reason(emrtd, etsi_store, sod, dg, kind, expected):
    number = {"dg1": 1, "dg14": 14, "dg15": 15}[kind]
    result = verify_chip(_neg(emrtd, sod), {number: _neg(emrtd, dg, kind)}, etsi_store, at=NOW)
    assert _failures(result) == [expected]
    assert result.result is ChipResult.REJECTED


@pytest.mark.parametrize(
    ("sod", "dgs"),
    [("L0031", {1: "L0101", 14: "L0108"}), ("L0202", {1: "L0282", 14: "L0289", 15: "L0296"})],
)
def test_valid_pymrtd_vectors(emrtd, etsi_store, sod, dgs):
    kinds = {1: "dg1", 14: "dg14", 15: "dg15"}
    groups = {n: _neg(emrtd, line, kinds[n]) for n, line in dgs.items()}
    result = verify_chip(_neg(emrtd, sod), groups, etsi_store, at=NOW)
    assert result.check("sod_signature").verdict is Verdict.PASSED
    assert result.check("dg_hashes").verdict is Verdict.PASSED
    if sod == "L0202":
        assert result.check("trust_chain").verdict is Verdict.PASSED


def test_bsi_pymrtd_dg15_does_not_match(emrtd, etsi_store):
    result = verify_chip(
        _neg(emrtd, "L0031"), {15: _neg(emrtd, "L0113", "dg15")}, etsi_store, at=NOW
    )
    assert result.check("dg_hashes").verdict is Verdict.FAILED


def test_pymrtd_dsc_files_are_the_dscs_inside_the_sods(emrtd):
    for sod_line, name in (
        ("L0031", "dsc_de_0142fd5cf927.cer"),
        ("L0202", "dsc_de_0130846f2b3e.cer"),
    ):
        dsc = load_certificate((emrtd / NEG / "certs" / name).read_bytes())
        assert parse_sod(_neg(emrtd, sod_line)).signer_certificate().fingerprint == dsc.fingerprint


def test_dg15_with_wrong_outer_tag_is_refused(emrtd):
    from leveattest.core.errors import ChipUnexpectedTagError  # noqa: PLC0415
    from leveattest.emrtd.lds import parse_dg15  # noqa: PLC0415

    with pytest.raises(ChipUnexpectedTagError):
        parse_dg15((emrtd / NEG / "dg15_test_L0054_tv_dg15.bin").read_bytes())


# ---- trust material --------------------------------------------------------------------
def test_all_773_csca_pems_load(emrtd):
    store = FileTrustStore([emrtd / "trust" / "csca"])
    summary = store.summary(NOW)
    loaded = (
        summary["anchors"]
        + len(summary["link_certificates"])
        + len(summary["unverified_link_certificates"])
    )
    assert loaded == 773
    assert summary["errors"] == []
    assert summary["state_count"] >= 120


def test_dutch_master_list_verifies(full_store):
    (listing,) = full_store.summary(NOW)["master_lists"]
    assert listing["verified"] is True
    assert listing["chained_to"] == "in_list"
    assert "Netherlands" in listing["signer"]


def test_crls_parse_and_verify_against_their_csca(full_store):
    crls = full_store.summary(NOW)["crls"]
    assert len(crls) == 8
    assert all(c["verified_by"] for c in crls), [c["file"] for c in crls if not c["verified_by"]]


def test_link_certificates_chain_to_an_anchor(emrtd, full_store):
    verified = {r["fingerprint_sha256"] for r in full_store.summary(NOW)["link_certificates"]}
    for path in (emrtd / "trust" / "link").iterdir():
        record = load_certificate(path.read_bytes())
        assert record.fingerprint in verified, path.name


def test_coverage_reports_states_and_expiring_anchors(full_store):
    coverage = full_store.coverage(NOW, within_days=365)
    assert {"DE", "NL", "SI", "FR"} <= set(coverage["states"])
    assert all(0 <= e["days_left"] <= 365 for e in coverage["expiring_soon"])


# ---- CLI ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runner() -> CliRunner:
    _register_commands()
    return CliRunner()


def test_cli_chip_verify_json(runner, emrtd):
    folder = emrtd / "etsi"
    args = [
        "chip",
        "verify",
        "--sod",
        str(folder / "EF_SOD.bin"),
        "--trust",
        str(folder / "CSCA_test_de.der"),
        "--at",
        "2026-11-22",
        "--json",
    ]
    for n in (1, 14, 15):
        args += ["--dg", f"{n}={folder / f'Datagroup{n}.bin'}"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["result"] == "inconclusive"
    assert payload["checks"][0]["check"] == "sod_parse"
    assert {"check", "verdict", "reason", "evidence"} <= set(payload["checks"][0])


def test_cli_chip_verify_with_aa(runner, emrtd):
    folder = emrtd / "slovenia"
    entry = next(iter(json.loads((folder / "aa_signatures.json").read_text()).values()))
    args = [
        "chip",
        "verify",
        "--sod",
        str(folder / "EF_SOD.bin"),
        "--dg",
        f"15={folder / 'Datagroup15.bin'}",
        "--trust",
        str(folder / "csca_si_448831f1.cer"),
        "--challenge",
        entry["challenge"][:16],
        "--aa-signature",
        entry["csigs"][0],
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    checks = {c["check"]: c for c in json.loads(result.output)["checks"]}
    assert checks["active_auth"]["verdict"] == "passed"


def test_cli_exits_non_zero_when_input_cannot_be_processed(runner, emrtd, tmp_path):
    result = runner.invoke(
        app,
        [
            "chip",
            "verify",
            "--sod",
            str(tmp_path / "missing"),
            "--trust",
            str(emrtd / "etsi" / "CSCA_test_de.der"),
            "--json",
        ],
    )
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == "input_invalid"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(
        app,
        [
            "chip",
            "verify",
            "--sod",
            str(emrtd / "etsi" / "EF_SOD.bin"),
            "--trust",
            str(empty),
            "--json",
        ],
    )
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == "trust_store_unavailable"


def test_cli_trust_info(runner, emrtd):
    trust = emrtd / "trust"
    result = runner.invoke(
        app,
        [
            "trust",
            "info",
            str(trust / "csca"),
            str(trust / "masterlists"),
            str(trust / "crl"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["master_lists"][0]["verified"] is True
    assert payload["anchors"] > 500


def test_every_real_anchor_key_loads_including_explicit_ec_parameters(full_store):
    # ICAO 9303-12 §4.1.6.2: explicit domain parameters, mapped to named curves
    curves = set()
    for record in full_store.trusted_certificates():
        key = record.public_key()
        curves.add(getattr(getattr(key, "curve", None), "name", "rsa"))
    assert {"brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "secp521r1"} <= curves


def test_tampered_master_list_is_not_verified(emrtd):
    from leveattest.emrtd.masterlist import load_master_list  # noqa: PLC0415

    data = bytearray((emrtd / "trust" / "masterlists" / "NL_MASTERLIST_20211207.mls").read_bytes())
    data[-10] ^= 0x01  # inside the SignerInfo signature
    listing = load_master_list(bytes(data), file="tampered", trusted_issuers=lambda _c: [])
    assert listing.verified is False
    assert listing.problems == ["signature_invalid"]
