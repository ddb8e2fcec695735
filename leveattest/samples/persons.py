"""A dozen synthetic pensioners and their documents. Every person here is invented.

Ages are 62-100 at the reference date. Faces come from ``samples/faces/`` (see
samples/README.md): several persons share a face identity; ``impostor_face`` always
names a source of a *different* identity, for face-mismatch tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from leveattest.mrz.compose import MRZFields, compose_td1, compose_td3
from leveattest.mrz.national.norway import make_norwegian_id

DocumentKind = Literal["TD3", "TD1"]
AAKind = Literal["rsa1024", "rsa2048", "p256"]

# face identity -> source files in samples/faces (first: printed/chip portrait)
FACE_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "obama": ("obama_a.jpg", "obama_b.jpg", "obama_c.jpg"),
    "biden": ("biden_a.jpg",),
    "astronaut": ("astronaut_a.jpg",),
}
IMPOSTOR_OF: Final = {"obama": "biden", "biden": "obama", "astronaut": "obama"}


@dataclass(frozen=True)
class PersonSpec:
    """The hand-written part of a person; the rest is derived from seed and reference date."""

    person_id: str
    surname: str
    given_names: str
    sex: str
    age: int
    birth_month_day: tuple[int, int]
    nationality: str
    residence: str  # ISO 3166-1 alpha-3 country of residence
    kind: DocumentKind
    dsc: str
    aa: AAKind
    sod_version: int
    face: str
    portrait_index: int = 0
    selfie_index: int = 1
    national_id: Literal["fnr", "dnr", "cpr", ""] = ""
    expired: bool = False
    note: str = ""


# fmt: off
SPECS: Final = [
    PersonSpec("p01", "Ødegård", "Kåre Magnus", "M", 67, (3, 14), "NOR", "NOR", "TD3",
               "dsc-nor-pss-01", "rsa1024", 0, "obama", 0, 1, "fnr"),
    PersonSpec("p02", "Bjørnstad", "Åse Marie", "F", 74, (11, 2), "NOR", "NOR", "TD1",
               "dsc-nor-ec-01", "p256", 1, "astronaut", 0, 0, "fnr"),
    PersonSpec("p03", "Åkesson", "Märta Ingrid", "F", 71, (6, 30), "SWE", "NOR", "TD3",
               "dsc-swe-01", "p256", 1, "astronaut", 0, 0, "dnr",
               note="Swedish citizen living in Norway, Norwegian D-nummer"),
    PersonSpec("p04", "Søndergaard", "Jørgen", "M", 81, (1, 9), "DNK", "DNK", "TD3",
               "dsc-dnk-01", "rsa2048", 0, "biden", 0, 0, "cpr"),
    PersonSpec("p05", "Kræmmer", "Bodil Ærø", "F", 90, (8, 21), "DNK", "DNK", "TD3",
               "dsc-dnk-01", "rsa1024", 1, "astronaut", 0, 0, "cpr"),
    PersonSpec("p06", "Hågensen", "Per Øyvind", "M", 69, (5, 17), "NOR", "ESP", "TD3",
               "dsc-nor-ec-01", "p256", 1, "obama", 2, 0, "fnr",
               note="Norwegian citizen living in Spain"),
    PersonSpec("p07", "Lindqvist", "Sven Åke", "M", 77, (12, 1), "SWE", "SWE", "TD3",
               "dsc-swe-01", "rsa1024", 0, "biden", 0, 0, "",
               note="Swedish resident in Sweden with a Norwegian pension"),
    PersonSpec("p08", "Hæreid", "Øystein", "M", 100, (2, 28), "NOR", "NOR", "TD1",
               "dsc-nor-ec-01", "rsa1024", 1, "biden", 0, 0, "fnr"),
    PersonSpec("p09", "Berg-Løvås", "Ragnhild", "F", 62, (9, 5), "NOR", "NOR", "TD3",
               "dsc-nor-pss-01", "p256", 0, "astronaut", 0, 0, "fnr"),
    PersonSpec("p10", "Nielsen", "Ejnar Østergaard", "M", 84, (4, 12), "DNK", "DEU", "TD3",
               "dsc-dnk-01", "p256", 1, "obama", 1, 2, "cpr",
               note="Danish citizen living in Germany"),
    PersonSpec("p11", "Strøm", "Liv Åsta", "F", 95, (7, 7), "NOR", "NOR", "TD3",
               "dsc-nor-pss-01", "rsa2048", 0, "astronaut", 0, 0, "fnr"),
    PersonSpec("p12", "Aasgård", "Tor Æsge", "M", 73, (10, 19), "NOR", "NOR", "TD3",
               "dsc-nor-pss-00", "rsa1024", 1, "obama", 0, 2, "fnr", expired=True,
               note="document expired: chip valid, MRZ expiry in the past"),
]

# Persons behind negative samples only (not in persons/): see negatives.py
NEGATIVE_SPECS: Final = {
    "unknown_csca": PersonSpec("n01", "Eriksen", "Anna Sofie", "F", 70, (4, 4), "UTO", "UTO",
                               "TD3", "dsc-uto-01", "p256", 1, "biden", 0, 0, ""),
    "revoked_dsc": PersonSpec("n02", "Lie", "Håkon", "M", 76, (9, 9), "NOR", "NOR", "TD3",
                              "dsc-nor-pss-02", "rsa1024", 0, "obama", 0, 1, "fnr"),
    "expired_dsc": PersonSpec("n03", "Holm", "Grethe", "F", 79, (6, 6), "DNK", "DNK", "TD3",
                              "dsc-dnk-02", "rsa1024", 0, "astronaut", 0, 0, "cpr"),
}
# fmt: on


@dataclass(frozen=True)
class Person:
    spec: PersonSpec
    birth_date: date
    issue_date: date
    expiry_date: date
    document_number: str
    national_id: str
    mrz_fields: MRZFields
    mrz: list[str]

    @property
    def person_id(self) -> str:
        return self.spec.person_id

    @property
    def portrait_source(self) -> str:
        sources = FACE_SOURCES[self.spec.face]
        return sources[self.spec.portrait_index % len(sources)]

    @property
    def selfie_source(self) -> str:
        sources = FACE_SOURCES[self.spec.face]
        return sources[self.spec.selfie_index % len(sources)]

    @property
    def impostor_face(self) -> str:
        return FACE_SOURCES[IMPOSTOR_OF[self.spec.face]][0]

    def to_json(self) -> dict[str, object]:
        s = self.spec
        return {
            "synthetic": True,
            "person_id": s.person_id,
            "surname": s.surname,
            "given_names": s.given_names,
            "sex": s.sex,
            "birth_date": self.birth_date.isoformat(),
            "age_at_reference": s.age,
            "nationality": s.nationality,
            "residence_country": s.residence,
            "national_id": {"kind": s.national_id, "value": self.national_id}
            if s.national_id
            else None,
            "document": {
                "type": "passport" if s.kind == "TD3" else "id_card",
                "format": s.kind,
                "issuing_state": _issuing_state(s),
                "number": self.document_number,
                "issue_date": self.issue_date.isoformat(),
                "expiry_date": self.expiry_date.isoformat(),
                "expired_at_reference": s.expired,
            },
            "mrz": self.mrz,
            "chip": {
                "dsc": s.dsc,
                "lds_security_object_version": s.sod_version,
                "active_authentication_key": s.aa,
            },
            "face": {
                "identity": s.face,
                "portrait_source": self.portrait_source,
                "selfie_source": self.selfie_source,
                "selfie_is_different_photo": self.portrait_source != self.selfie_source,
                "impostor_source": self.impostor_face,
            },
            "note": s.note,
        }


def _issuing_state(spec: PersonSpec) -> str:
    return spec.nationality


def _digits(seed: int, label: str, count: int) -> str:
    digest = hashlib.sha256(f"person/{seed}/{label}".encode()).digest()
    return str(int.from_bytes(digest, "big"))[-count:]


def _national_id(spec: PersonSpec, birth: date, seed: int) -> str:
    if spec.national_id in ("fnr", "dnr"):
        kind = "fodselsnummer" if spec.national_id == "fnr" else "d_number"
        start = int(_digits(seed, spec.person_id + "/individual", 3)) % 500
        for offset in range(500):
            try:
                return make_norwegian_id(birth, (start + offset) % 500, kind=kind)
            except ValueError:
                continue
        raise ValueError("no usable individual number")  # pragma: no cover
    if spec.national_id == "cpr":
        # Danish CPR: DDMMYY-SSSS; 7th digit 0-3 for births 1900-1999 (no modulus 11 since 2007)
        return (
            birth.strftime("%d%m%y")
            + "-"
            + str(int(_digits(seed, spec.person_id, 3)) % 4)
            + _digits(seed, spec.person_id + "/cpr", 3)
        )
    return ""


def _add_years(d: date, years: int) -> date:
    return d.replace(year=d.year + years, day=min(d.day, 28) if d.month == 2 else d.day)


def _birth_date(spec: PersonSpec, reference: date) -> date:
    month, day = spec.birth_month_day
    birth = date(reference.year - spec.age, month, day)
    if birth > reference.replace(year=reference.year - spec.age):
        birth = birth.replace(year=birth.year - 1)
    return birth


def build_person(spec: PersonSpec, seed: int, reference: date, dsc_start: date) -> Person:
    """``dsc_start``: the signing DSC's notBefore; the document is issued within 80 days of it."""
    birth = _birth_date(spec, reference)
    issue = dsc_start + timedelta(days=5 + int(_digits(seed, spec.person_id + "/i", 3)) % 75)
    expiry = _add_years(issue, 10) - timedelta(days=1)
    letters = "ABCDEFGHJKLMNPRSTUVWXZ"
    pick = int(_digits(seed, spec.person_id + "/doc", 6))
    prefix = letters[pick % len(letters)] + letters[(pick // 22) % len(letters)]
    number = prefix + _digits(seed, spec.person_id + "/no", 7)
    national = _national_id(spec, birth, seed)
    # Norwegian documents carry the national identity number in the optional data
    optional = national if spec.nationality == "NOR" and spec.national_id == "fnr" else ""
    fields = MRZFields(
        document_type="P" if spec.kind == "TD3" else "ID",
        issuing_state=_issuing_state(spec),
        surname=spec.surname,
        given_names=spec.given_names,
        document_number=number,
        nationality=spec.nationality,
        birth_date=birth,
        sex=spec.sex,
        expiry_date=expiry,
        optional_data=optional,
    )
    lines = compose_td3(fields) if spec.kind == "TD3" else compose_td1(fields)
    return Person(spec, birth, issue, expiry, number, national, fields, lines)


def build_persons(seed: int, reference: date, dsc_starts: dict[str, date]) -> list[Person]:
    return [build_person(s, seed, reference, dsc_starts[s.dsc]) for s in SPECS]
