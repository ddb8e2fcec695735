"""The generated sample tree: reproducibility, chip files, SODs, negatives, persons."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from PIL import Image
from samples_fixture import generate_once

from leveattest.core.checks import Reason
from leveattest.emrtd.asn1 import ID_ICAO_LDS_SECURITY_OBJECT, LDSSecurityObject
from leveattest.mrz.national.norway import validate_norwegian_id
from leveattest.samples.generate import DEFAULT_REFERENCE, DEFAULT_SEED, generate_samples
from leveattest.samples.signing import load_public_key

CHECK_NAMES = {
    "sod_parse",
    "sod_signature",
    "dg_hashes",
    "trust_chain",
    "dsc_validity",
    "revocation",
    "active_auth",
    "document_validity",
}
DG_FILES = {1: "DG1.bin", 2: "DG2.bin", 14: "DG14.bin", 15: "DG15.bin"}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return generate_once(tmp_path_factory)


def _tlv_value(raw: bytes) -> tuple[int, bytes]:
    """(tag, value) of one BER-TLV, checking that the length covers the file exactly."""
    tag_len = 2 if raw[0] & 0x1F == 0x1F else 1
    tag = int.from_bytes(raw[:tag_len], "big")
    first = raw[tag_len]
    if first < 0x80:
        length, offset = first, tag_len + 1
    else:
        n = first & 0x7F
        length = int.from_bytes(raw[tag_len + 1 : tag_len + 1 + n], "big")
        offset = tag_len + 1 + n
    assert offset + length == len(raw)
    return tag, raw[offset:]


def _sod(chip: Path) -> tuple[cms.SignedData, LDSSecurityObject]:
    tag, value = _tlv_value((chip / "EF_SOD.bin").read_bytes())
    assert tag == 0x77
    signed = cms.ContentInfo.load(value)["content"]
    encap = signed["encap_content_info"]
    assert encap["content_type"].dotted == ID_ICAO_LDS_SECURITY_OBJECT
    return signed, LDSSecurityObject.load(encap["content"].contents)


def _verify(spki, data: bytes, signature: bytes, algorithm) -> None:
    key = load_public_key(spki)
    name = algorithm["algorithm"].native
    if isinstance(key, ec.EllipticCurvePublicKey):
        assert name == "sha256_ecdsa"
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    elif name == "rsassa_pss":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        key.verify(signature, data, pss, hashes.SHA256())
    else:
        assert name == "sha256_rsa"
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def _chips(root: Path) -> list[Path]:
    return sorted(root.glob("persons/*/chip")) + sorted(root.glob("negatives/*/chip"))


def test_manifest_lists_every_file_with_its_sha256(root):
    manifest = json.loads((root / "manifest.json").read_text())
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    assert set(listed) == on_disk
    for rel, digest in listed.items():
        assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == digest
    assert manifest["synthetic"] is True


@pytest.mark.slow
def test_same_seed_over_an_old_set_gives_byte_identical_tree(root, tmp_path):
    # all signatures are reproducible too: PSS salts and ECDSA nonces derive from the seed;
    # a set the generator wrote is replaced whole (a stray file in it goes)
    again = tmp_path / "again"
    shutil.copytree(root, again)
    (again / "persons" / "stray.txt").write_text("left over")
    generate_samples(again, seed=DEFAULT_SEED, reference=DEFAULT_REFERENCE)
    assert (again / "manifest.json").read_bytes() == (root / "manifest.json").read_bytes()
    assert not (again / "persons" / "stray.txt").exists()


def test_layout(root):
    assert len(list(root.glob("persons/*/person.json"))) == 12
    for person in root.glob("persons/*"):
        for name in ("mrz.txt", "page.png", "page_phone.jpg", "page_glare.jpg",
                     "page_rot90.jpg", "page_dark.jpg", "portrait.jpg", "selfie.jpg",
                     "aa_key.pem", "chip/EF_COM.bin", "chip/EF_SOD.bin", "chip/DG1.bin",
                     "chip/DG2.bin", "chip/DG14.bin", "chip/DG15.bin"):  # fmt: skip
            assert (person / name).is_file(), f"{person.name}/{name}"
    for sub in ("csca", "dsc", "crl", "trust", "untrusted", "link"):
        assert any((root / "pki" / sub).iterdir()), sub
    assert {p.stem for p in (root / "pki/untrusted").iterdir()} == {"csca-uto-1"}


def test_dg1_holds_the_mrz_of_mrz_txt(root):
    for chip in _chips(root):
        tag, value = _tlv_value((chip / "DG1.bin").read_bytes())
        assert tag == 0x61
        inner_tag, mrz = _tlv_value(value)
        assert inner_tag == 0x5F1F
        lines = (chip.parent / "mrz.txt").read_text().split()
        assert mrz.decode("ascii") == "".join(lines)
        assert len(lines) in (2, 3)


def test_sod_hashes_equal_the_data_group_files(root):
    for chip in sorted(root.glob("persons/*/chip")):
        _, lso = _sod(chip)
        stored = {h["data_group_number"].native: h["data_group_hash_value"].native
                  for h in lso["data_group_hash_values"]}  # fmt: skip
        assert set(stored) == set(DG_FILES)
        for n, name in DG_FILES.items():
            assert stored[n] == hashlib.sha256((chip / name).read_bytes()).digest(), chip


def test_sod_signature_verifies_with_the_embedded_dsc(root):
    versions = set()
    for chip in _chips(root):
        signed, lso = _sod(chip)
        versions.add(lso["version"].native)
        signer = signed["signer_infos"][0]
        attrs = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
        econtent = signed["encap_content_info"]["content"].contents
        assert attrs["message_digest"].native == hashlib.sha256(econtent).digest()
        assert attrs["content_type"].dotted == ID_ICAO_LDS_SECURITY_OBJECT
        der = signer["signed_attrs"].dump()
        signed_attrs = b"\x31" + der[1:]  # RFC 5652 §5.4: signed as an explicit SET OF
        dsc = signed["certificates"][0].chosen
        _verify(
            dsc["tbs_certificate"]["subject_public_key_info"],
            signed_attrs,
            signer["signature"].native,
            signer["signature_algorithm"],
        )
    assert versions == {0, 1}


def test_dg2_is_a_cbeff_wrapped_19794_5_record_with_a_jpeg2000_portrait(root):
    raw = (root / "persons/p01/chip/DG2.bin").read_bytes()
    tag, value = _tlv_value(raw)
    assert tag == 0x75
    start = raw.index(b"FAC\x00010\x00")
    record = raw[start:]
    assert int.from_bytes(record[8:12], "big") == len(record)
    assert int.from_bytes(record[12:14], "big") == 1
    image_data_type = record[14 + 20 + 1]
    assert image_data_type == 1  # JPEG 2000
    image = record[14 + 20 + 12 :]
    with Image.open(io.BytesIO(image)) as img:
        assert img.format == "JPEG2000"
        assert img.size == (240, 300)
    for element in (b"\x5f\x2e", b"\x87\x02\x01\x01", b"\x88\x02\x00\x08"):
        assert element in value  # BDB tag, format owner 0101, format type 0008


def _aa_public(chip: Path):
    _, spki = _tlv_value((chip / "DG15.bin").read_bytes())
    return serialization.load_der_public_key(spki)


def _aa_private(folder: Path):
    pem = (folder / "aa_key.pem").read_bytes()
    assert pem.startswith(b"SYNTHETIC TEST KEY")
    return serialization.load_pem_private_key(pem, password=None)


def test_aa_keys_match_dg15_except_for_cloned_chips(root):
    kinds = set()
    for chip in _chips(root):
        public, private = _aa_public(chip), _aa_private(chip.parent)
        kinds.add((type(public).__name__, getattr(public, "key_size", 0)))
        same = public.public_numbers() == private.public_key().public_numbers()
        assert same == (not chip.parent.name.startswith("cloned_chip")), chip.parent.name
        has_aa_info = b"\x06\x06\x67\x81\x08\x01\x01\x05" in (chip / "DG14.bin").read_bytes()
        assert has_aa_info == isinstance(public, ec.EllipticCurvePublicKey)
    sizes = {public.key_size for chip in _chips(root)
             if isinstance(public := _aa_public(chip), rsa.RSAPublicKey)}  # fmt: skip
    assert sizes == {1024, 2048}
    assert any(isinstance(_aa_public(c), ec.EllipticCurvePublicKey) for c in _chips(root))


def test_each_negative_names_one_expected_failure(root):
    names = set()
    for expected_file in root.glob("negatives/*/expected.json"):
        expected = json.loads(expected_file.read_text())
        names.add(expected_file.parent.name)
        # clone detection failing is inconclusive for the chip (retries allowed); an
        # expired document has a good chip and is rejected by the document policy
        name = expected_file.parent.name
        chip_result = {"expired_document": "accepted"}.get(
            name, "inconclusive" if name.startswith("cloned_chip") else "rejected"
        )
        assert expected["chip_result"] == chip_result
        assert expected["expected_result"] == (
            "review" if chip_result == "inconclusive" else "rejected"
        )
        assert expected["failed_check"] in CHECK_NAMES
        Reason(expected["reason"])  # a member of the closed enum
    assert names >= {"tampered_dg1", "swapped_dg2", "unknown_csca", "expired_document",
                     "revoked_dsc", "expired_dsc", "cloned_chip_rsa", "cloned_chip_ec"}  # fmt: skip


@pytest.mark.parametrize(("negative", "bad_dg"), [("tampered_dg1", 1), ("swapped_dg2", 2)])
def test_tampered_negatives_mismatch_in_exactly_one_data_group(root, negative, bad_dg):
    chip = root / "negatives" / negative / "chip"
    _, lso = _sod(chip)
    for h in lso["data_group_hash_values"]:
        n = h["data_group_number"].native
        actual = hashlib.sha256((chip / DG_FILES[n]).read_bytes()).digest()
        assert (actual == h["data_group_hash_value"].native) == (n != bad_dg)


def test_persons_cover_the_required_cases(root):
    persons = [json.loads(p.read_text()) for p in sorted(root.glob("persons/*/person.json"))]
    assert all(p["synthetic"] for p in persons)
    reference = DEFAULT_REFERENCE
    for p in persons:
        born = date.fromisoformat(p["birth_date"])
        age = (
            reference.year - born.year - ((reference.month, reference.day) < (born.month, born.day))
        )
        assert 62 <= age <= 100
        assert age == p["age_at_reference"]
        nid = p["national_id"]
        if nid and nid["kind"] in ("fnr", "dnr"):
            assert validate_norwegian_id(nid["value"]).valid
        assert p["face"]["impostor_source"].split("_")[0] != p["face"]["identity"]
    assert any(p["national_id"] and p["national_id"]["kind"] == "dnr" for p in persons)
    assert sum(p["document"]["format"] == "TD1" for p in persons) >= 2
    assert sum(p["document"]["expired_at_reference"] for p in persons) == 1
    assert {p["nationality"] for p in persons} >= {"NOR", "DNK", "SWE"}
    assert any(p["nationality"] == "NOR" and p["residence_country"] != "NOR" for p in persons)
    assert any(p["face"]["selfie_is_different_photo"] for p in persons)
    assert any(ch in "".join(p["surname"] for p in persons) for ch in "ÆØÅ")
