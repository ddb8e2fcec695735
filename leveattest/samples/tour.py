"""Check a generated sample set end to end with the real engines.

For every synthetic person: the printed MRZ parses; the MRZ is read back from each
data-page photo; the chip passes passive and Active Authentication against the set's
own trust store; DG1 on the chip equals the printed MRZ; the selfie matches the chip
portrait and a different identity's selfie does not. For every negative: the chip
verdict and the failing check are the ones its ``expected.json`` names.

Used by ``leveattest demo`` and by the tests; reports carry fingerprints and verdicts,
never names or document numbers.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from leveattest.core.errors import LeveattestError
from leveattest.core.logging import fingerprint, get_logger
from leveattest.emrtd.dg2 import parse_dg2
from leveattest.emrtd.lds import parse_dg1
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import ChipVerification, verify_chip
from leveattest.face import FaceEngine, ImageKind
from leveattest.mrz import parse_mrz
from leveattest.mrz.reader import read_mrz
from leveattest.samples.aa import sign_aa_challenge

log = get_logger("leveattest.samples.tour")

PAGE_VARIANTS = ("page.png", "page_phone.jpg", "page_glare.jpg", "page_dark.jpg", "page_rot90.jpg")
DG_FILES = {1: "DG1.bin", 2: "DG2.bin", 14: "DG14.bin", 15: "DG15.bin"}


@dataclass
class PersonReport:
    person_id: str
    document: str
    issuing_state: str
    age: int
    printed_mrz_valid: bool
    page_reads: dict[str, str] = field(default_factory=dict)  # variant -> exact|valid|wrong|error
    chip_result: str = ""
    chip_failures: list[str] = field(default_factory=list)
    dg1_equals_print: bool = False
    selfie_distance: float | None = None
    selfie_decision: str = ""
    impostor_distance: float | None = None
    impostor_decision: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def exact_reads(self) -> int:
        return sum(1 for v in self.page_reads.values() if v == "exact")


@dataclass
class NegativeReport:
    name: str
    expected_chip_result: str
    expected_check: str
    expected_reason: str
    chip_result: str
    failed: list[tuple[str, str]]

    @property
    def as_expected(self) -> bool:
        if self.expected_check not in {c for c, _ in self.failed} and self.expected_check in {
            "sod_parse",
            "sod_signature",
            "dg_hashes",
            "trust_chain",
            "dsc_validity",
            "revocation",
            "active_auth",
        }:
            return False
        return self.chip_result == self.expected_chip_result


def load_trust(root: Path) -> FileTrustStore:
    pki = root / "pki"
    return FileTrustStore([pki / "trust", pki / "crl", pki / "link"])


def _chip(chip_dir: Path, key_file: Path, trust: FileTrustStore, at: datetime) -> ChipVerification:
    groups = {
        n: (chip_dir / f).read_bytes() for n, f in DG_FILES.items() if (chip_dir / f).exists()
    }
    key = load_pem_private_key(key_file.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise LeveattestError("sample AA key has an unexpected type")
    challenge = os.urandom(8)  # in production the server issues it; here we play both sides
    return verify_chip(
        (chip_dir / "EF_SOD.bin").read_bytes(),
        groups,
        trust,
        at=at,
        aa_challenge=challenge,
        aa_signature=sign_aa_challenge(key, challenge),
        required_data_groups=(1, 2),
    )


def _read_page(path: Path, expected: list[str], today: date) -> str:
    try:
        read = read_mrz(path.read_bytes(), today=today)
    except LeveattestError:
        return "error"
    if list(read.result.lines) == expected:
        return "exact"
    return "valid" if read.result.valid else "wrong"


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def tour_person(
    person_dir: Path,
    trust: FileTrustStore,
    engine: FaceEngine | None,
    impostor_selfie: Path | None,
    *,
    at_date: date,
) -> PersonReport:
    """Check one person's documents as of ``at_date`` (the sample set's reference date)."""
    meta: dict[str, Any] = json.loads((person_dir / "person.json").read_text())
    at = _noon(at_date)
    printed = [line.strip() for line in (person_dir / "mrz.txt").read_text().splitlines() if line]
    report = PersonReport(
        person_id=meta["person_id"],
        document=meta["document"]["type"],
        issuing_state=meta["document"]["issuing_state"],
        age=int(meta.get("age_at_reference", 0)),
        printed_mrz_valid=parse_mrz(printed, today=at_date).valid,
    )
    started = time.perf_counter()
    for variant in PAGE_VARIANTS:
        if (person_dir / variant).exists():
            report.page_reads[variant] = _read_page(person_dir / variant, printed, at_date)
    report.seconds["mrz"] = time.perf_counter() - started

    started = time.perf_counter()
    chip = _chip(person_dir / "chip", person_dir / "aa_key.pem", trust, at)
    report.chip_result = chip.result.value
    report.chip_failures = [c.check for c in chip.checks if not c.ok and c.verdict != "not_present"]
    dg1 = parse_dg1((person_dir / "chip" / "DG1.bin").read_bytes())
    report.dg1_equals_print = list(dg1.lines) == printed
    report.seconds["chip"] = time.perf_counter() - started

    if engine is not None:
        started = time.perf_counter()
        portrait = parse_dg2((person_dir / "chip" / "DG2.bin").read_bytes())[0].image
        chip_face = engine.analyse_bytes(portrait, ImageKind.CHIP)
        selfie = engine.analyse_bytes((person_dir / "selfie.jpg").read_bytes(), ImageKind.SELFIE)
        match = engine.compare(selfie, chip_face)
        report.selfie_distance, report.selfie_decision = match.distance, match.decision.value
        if impostor_selfie is not None:
            other = engine.analyse_bytes(impostor_selfie.read_bytes(), ImageKind.SELFIE)
            wrong = engine.compare(other, chip_face)
            report.impostor_distance, report.impostor_decision = (
                wrong.distance,
                wrong.decision.value,
            )
        report.seconds["faces"] = time.perf_counter() - started
    log.info(
        "sample_person_checked",
        person=fingerprint(report.person_id),
        mrz_exact=report.exact_reads,
        chip=report.chip_result,
        chip_failures=report.chip_failures,
        selfie=report.selfie_decision,
        seconds={k: round(v, 3) for k, v in report.seconds.items()},
    )
    return report


def tour_negative(neg_dir: Path, trust: FileTrustStore) -> NegativeReport:
    expected: dict[str, Any] = json.loads((neg_dir / "expected.json").read_text())
    at = _noon(date.fromisoformat(expected["evaluate_at"]))
    chip = _chip(neg_dir / "chip", neg_dir / "aa_key.pem", trust, at)
    return NegativeReport(
        name=neg_dir.name,
        expected_chip_result=expected["chip_result"],
        expected_check=expected["failed_check"],
        expected_reason=expected["reason"],
        chip_result=chip.result.value,
        failed=[(c.check, c.reason.value) for c in chip.checks if c.verdict == "failed"],
    )


def tour(
    root: Path,
    *,
    engine: FaceEngine | None,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[PersonReport], list[NegativeReport]]:
    trust = load_trust(root)
    manifest: dict[str, Any] = json.loads((root / "manifest.json").read_text())
    at_date = date.fromisoformat(manifest["reference_date"])
    persons = sorted(p for p in (root / "persons").iterdir() if (p / "person.json").exists())
    identities = {
        p.name: json.loads((p / "person.json").read_text())["face"]["identity"] for p in persons
    }
    people: list[PersonReport] = []
    for person in persons:
        other = next((p for p in persons if identities[p.name] != identities[person.name]), None)
        if progress:
            progress(person.name)
        impostor = other / "selfie.jpg" if other else None
        people.append(tour_person(person, trust, engine, impostor, at_date=at_date))
    negatives = [
        tour_negative(n, trust)
        for n in sorted((root / "negatives").iterdir())
        if (n / "expected.json").exists() and (n / "chip" / "EF_SOD.bin").exists()
    ]
    return people, negatives
