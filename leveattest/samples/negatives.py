"""Negative samples: chips that a verifier must reject, each for exactly one reason.

Every negative names the one check expected to fail (check names of the verifier:
sod_parse, sod_signature, dg_hashes, trust_chain, dsc_validity, revocation,
active_auth, document_validity) and the ``Reason`` it should report; all other checks
pass when evaluated at the reference date.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from PIL import Image

from leveattest.core.checks import Reason
from leveattest.mrz.compose import compose_td1, compose_td3
from leveattest.samples import chip, lds
from leveattest.samples.persons import NEGATIVE_SPECS, Person, build_person
from leveattest.samples.pki import TestPKI, dsc_not_before
from leveattest.samples.signing import PrivateKey


@dataclass(frozen=True)
class Negative:
    name: str
    person: Person
    files: dict[str, bytes]
    aa_key: PrivateKey
    expected: dict[str, Any]


def _expect(
    check: str,
    reason: Reason,
    description: str,
    reference: date,
    *,
    chip_result: str = "rejected",
    expected_result: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """``chip_result``: what chip verification alone must conclude (issue 3: a failed
    passive check rejects; failed clone detection is inconclusive, retries allowed).
    ``expected_result``: the decision for the whole verification under the default policy
    (rejected, or review when only a person may decide, e.g. clone detection failing
    again after retries)."""
    return {
        "expected_result": expected_result or chip_result,
        "chip_result": chip_result,
        "failed_check": check,
        "reason": reason.value,
        "description": description,
        "evaluate_at": reference.isoformat(),
        **extra,
    }


def build_negatives(
    persons: dict[str, Person],
    chips: dict[str, tuple[dict[int, bytes], dict[str, bytes], PrivateKey]],
    pki: TestPKI,
    faces: dict[str, Image.Image],
    seed: int,
) -> list[Negative]:
    """``chips``: person id -> (data groups, chip files, AA key) of the generated persons."""
    ref = pki.reference
    out: list[Negative] = []

    # 1. DG1 altered after signing: a forger changes the birth date (check digits redone)
    p01 = persons["p01"]
    _, files, key = chips["p01"]
    forged = replace(p01.mrz_fields, birth_date=p01.birth_date - timedelta(days=3 * 365))
    forged_lines = compose_td3(forged) if p01.spec.kind == "TD3" else compose_td1(forged)
    tampered = dict(files, **{"DG1.bin": lds.dg1(forged_lines)})
    out.append(
        Negative(
            "tampered_dg1",
            replace(p01, mrz=forged_lines, mrz_fields=forged),
            tampered,
            key,
            _expect(
                "dg_hashes",
                Reason.HASH_MISMATCH,
                "DG1 (MRZ, birth date) changed after the SOD was signed",
                ref,
                data_group=1,
                base_person="p01",
            ),
        )
    )

    # 2. DG2 swapped with another identity's portrait (p04: a different face)
    swapped = dict(files, **{"DG2.bin": chips["p04"][0][2]})
    out.append(
        Negative(
            "swapped_dg2",
            p01,
            swapped,
            key,
            _expect(
                "dg_hashes",
                Reason.HASH_MISMATCH,
                "DG2 replaced by another person's DG2 (different face identity)",
                ref,
                data_group=2,
                base_person="p01",
                dg2_from="p04",
            ),
        )
    )

    # 3.-5. whole chips signed under a bad DSC
    for name, check, reason, description, start in (
        (
            "unknown_csca",
            "trust_chain",
            Reason.UNKNOWN_ISSUER,
            "DSC issued by a CSCA that is not in the trust set (pki/untrusted/)",
            None,
        ),
        (
            "revoked_dsc",
            "revocation",
            Reason.REVOKED,
            "DSC listed on the issuing CSCA's CRL (pki/crl/csca-nor-1.crl)",
            None,
        ),
        (
            "expired_dsc",
            "dsc_validity",
            Reason.CERTIFICATE_EXPIRED,
            "SOD signed after the DSC certificate had expired",
            ref - timedelta(days=185),
        ),
    ):
        spec = NEGATIVE_SPECS[name]
        dsc = pki.dscs[spec.dsc]
        person = build_person(spec, seed, ref, start or dsc_not_before(dsc))
        neg_key = chip.aa_key(spec.aa, seed, spec.person_id)
        neg_groups = chip.data_groups(person, faces[person.portrait_source], neg_key)
        neg_files = chip.chip_files(
            neg_groups, dsc, sod_version=spec.sod_version, when=chip.signing_time(person.issue_date)
        )
        out.append(
            Negative(
                name,
                person,
                neg_files,
                neg_key,
                _expect(check, reason, description, ref, dsc=spec.dsc),
            )
        )

    # 6. expired document: chip valid in every respect, MRZ expiry before the reference date
    p12 = persons["p12"]
    out.append(
        Negative(
            "expired_document",
            p12,
            chips["p12"][1],
            chips["p12"][2],
            _expect(
                "document_validity",
                Reason.DOCUMENT_EXPIRED,
                "document expiry date (MRZ) before the reference date; chip checks pass",
                ref,
                chip_result="accepted",
                expected_result="rejected",
                base_person="p12",
                expiry_date=p12.expiry_date.isoformat(),
            ),
        )
    )

    # 7.-8. cloned chips: data copied from a genuine chip, but the clone cannot hold the
    # genuine AA private key; aa_key.pem is another key, so AA signatures fail under DG15
    for name, base in (("cloned_chip_rsa", "p04"), ("cloned_chip_ec", "p02")):
        person = persons[base]
        clone_key = chip.aa_key(person.spec.aa, seed, f"clone/{base}")
        out.append(
            Negative(
                name,
                person,
                chips[base][1],
                clone_key,
                _expect(
                    "active_auth",
                    Reason.AA_SIGNATURE_INVALID,
                    "AA private key does not match the DG15 public key (cloned chip)",
                    ref,
                    chip_result="inconclusive",
                    expected_result="review",
                    base_person=base,
                ),
            )
        )
    return out
