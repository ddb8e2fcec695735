"""``leveattest samples generate``: the whole synthetic sample set, reproducible from a seed.

Layout under the output directory::

    pki/{csca,dsc,link,crl,trust,untrusted}/   certificates (PEM), CRLs (DER), pki.json
    persons/<id>/                              person.json, mrz.txt, page*.png|jpg,
                                               portrait.jpg, selfie.jpg, aa_key.pem, chip/*.bin
    negatives/<name>/                          expected.json, person.json, mrz.txt,
                                               aa_key.pem, chip/*.bin
    manifest.json                              every file with its sha256 and size

Same seed and reference date → byte-identical output (PSS salts and ECDSA nonces are
derived deterministically as well).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from asn1crypto import pem
from PIL import Image, ImageOps

from leveattest.core.errors import SampleGenerationError
from leveattest.samples import chip, render
from leveattest.samples.negatives import Negative, build_negatives
from leveattest.samples.persons import (
    FACE_SOURCES,
    NEGATIVE_SPECS,
    SPECS,
    Person,
    PersonSpec,
    build_person,
)
from leveattest.samples.pki import TestPKI, build_test_pki, dsc_not_before
from leveattest.samples.signing import PrivateKey

DEFAULT_REFERENCE: Final = date(2026, 1, 1)
DEFAULT_SEED: Final = 20260101
FACES_DIR: Final = Path(__file__).resolve().parents[2] / "samples" / "faces"
GENERATOR: Final = "leveattest.samples/1"


@dataclass(frozen=True)
class GenerationSummary:
    out_dir: Path
    seed: int
    reference: date
    persons: int
    negatives: int
    files: int
    total_bytes: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "seed": self.seed,
            "reference_date": self.reference.isoformat(),
            "persons": self.persons,
            "negatives": self.negatives,
            "files": self.files,
            "total_bytes": self.total_bytes,
            "seconds": round(self.seconds, 2),
        }


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root

    def bytes(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def json(self, rel: str, payload: Any) -> None:
        text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        self.bytes(rel, text.encode("utf-8"))


def _sub_seed(seed: int, label: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}/{label}".encode()).digest()[:4], "big")


def _face(faces_dir: Path, name: str) -> Image.Image:
    path = faces_dir / name
    if not path.is_file():
        raise SampleGenerationError(
            "sample face missing: run scripts/import_sample_faces.py", file=name
        )
    with Image.open(path) as img:
        return ImageOps.exif_transpose(img).convert("RGB")


def _write_pki(w: _Writer, pki: TestPKI) -> None:
    def cert_pem(der: bytes) -> bytes:
        return bytes(pem.armor("CERTIFICATE", der))

    info: dict[str, Any] = {"reference_date": pki.reference.isoformat(), "certificates": []}
    for name, auth in pki.cscas.items():
        w.bytes(f"pki/csca/{name}.pem", cert_pem(auth.der))
        w.bytes(f"pki/{'trust' if auth.trusted else 'untrusted'}/{name}.pem", cert_pem(auth.der))
    for name, link in pki.link_certificates.items():
        w.bytes(f"pki/link/{name}.pem", cert_pem(link.dump()))
    for name, auth in pki.dscs.items():
        w.bytes(f"pki/dsc/{name}.pem", cert_pem(auth.der))
    for name, crl in pki.crls.items():
        w.bytes(f"pki/crl/{name}.crl", crl.dump())
    for role, items in (("csca", pki.cscas), ("dsc", pki.dscs)):
        for name, auth in items.items():
            tbs = auth.certificate["tbs_certificate"]
            info["certificates"].append(
                {
                    "name": name,
                    "role": role,
                    "country": auth.country,
                    "issuer": auth.issuer_name,
                    "scheme": auth.signer.scheme.value,
                    "subject": auth.certificate.subject.human_friendly,
                    "serial": str(tbs["serial_number"].native),
                    "not_before": tbs["validity"]["not_before"].native.isoformat(),
                    "not_after": tbs["validity"]["not_after"].native.isoformat(),
                    "sha256": hashlib.sha256(auth.der).hexdigest(),
                    "trusted": auth.trusted,
                    "revoked": name in pki.revoked,
                    "expired_at_reference": name in pki.expired,
                }
            )
    info["link_certificates"] = {"link-nor-1-to-2": "csca-nor-1 key certifies csca-nor-2"}
    w.json("pki/pki.json", info)


def _person_chip(
    person: Person, pki: TestPKI, faces_dir: Path, seed: int
) -> tuple[dict[int, bytes], dict[str, bytes], PrivateKey]:
    key = chip.aa_key(person.spec.aa, seed, person.person_id)
    groups = chip.data_groups(person, _face(faces_dir, person.portrait_source), key)
    files = chip.chip_files(
        groups,
        pki.dscs[person.spec.dsc],
        sod_version=person.spec.sod_version,
        when=chip.signing_time(person.issue_date),
    )
    return groups, files, key


def _write_person(
    w: _Writer, person: Person, pki: TestPKI, faces_dir: Path, *, seed: int, fonts: render.Fonts
) -> tuple[dict[int, bytes], dict[str, bytes], PrivateKey]:
    base = f"persons/{person.person_id}"
    groups, files, key = _person_chip(person, pki, faces_dir, seed)
    for name, raw in files.items():
        w.bytes(f"{base}/chip/{name}", raw)
    w.bytes(f"{base}/aa_key.pem", chip.aa_key_pem(key))
    w.json(f"{base}/person.json", person.to_json())
    w.bytes(f"{base}/mrz.txt", ("\n".join(person.mrz) + "\n").encode("ascii"))
    portrait = _face(faces_dir, person.portrait_source)
    w.bytes(f"{base}/portrait.jpg", render.jpeg_bytes(portrait, 90))
    selfie_src = _face(faces_dir, person.selfie_source)
    mirror = person.selfie_source == person.portrait_source
    selfie = render.selfie(selfie_src, _sub_seed(seed, base + "/selfie"), mirror=mirror)
    w.bytes(f"{base}/selfie.jpg", render.jpeg_bytes(selfie, 85))
    page_seed = _sub_seed(seed, base + "/page")
    page = render.render_page(person, portrait, fonts, page_seed)
    if person.spec.kind == "TD1":
        w.bytes(f"{base}/page_front.png", render.png_bytes(page))
        page = render.render_card_back(person, fonts, page_seed)
    for name, raw in render.page_variants(page, page_seed).items():
        w.bytes(f"{base}/{name}", raw)
    return groups, files, key


def _write_negative(w: _Writer, neg: Negative) -> None:
    base = f"negatives/{neg.name}"
    for file_name, raw in neg.files.items():
        w.bytes(f"{base}/chip/{file_name}", raw)
    w.bytes(f"{base}/aa_key.pem", chip.aa_key_pem(neg.aa_key))
    w.json(f"{base}/person.json", neg.person.to_json())
    w.bytes(f"{base}/mrz.txt", ("\n".join(neg.person.mrz) + "\n").encode("ascii"))
    w.json(f"{base}/expected.json", neg.expected)


def _manifest(root: Path, seed: int, reference: date) -> dict[str, Any]:
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == "manifest.json":
            continue
        data = path.read_bytes()
        files.append({"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    return {
        "generator": GENERATOR,
        "synthetic": True,
        "seed": seed,
        "reference_date": reference.isoformat(),
        "reproducible": "byte-identical for the same seed, reference date and samples/faces",
        "files": files,
    }


def _check_out_dir(out_dir: Path) -> None:
    """Refuse to replace a directory that is neither empty nor a set this generator wrote."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise SampleGenerationError("the output path is a file, not a directory", path=str(out_dir))
    if next(out_dir.iterdir(), None) is None:
        return
    try:
        generator = json.loads((out_dir / "manifest.json").read_text()).get("generator")
    except (OSError, ValueError, AttributeError):
        generator = None
    # any version of this generator wrote it: "leveattest.samples/<n>"
    if not (isinstance(generator, str) and generator.startswith(GENERATOR.split("/")[0] + "/")):
        raise SampleGenerationError(
            "the output directory is not empty and holds no generated sample set; "
            "give a new or empty directory",
            path=str(out_dir),
        )


def generate_samples(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    reference: date = DEFAULT_REFERENCE,
    faces_dir: Path = FACES_DIR,
) -> GenerationSummary:
    """Write the complete sample set into ``out_dir``.

    ``out_dir`` may be missing, empty or a sample set this generator wrote (which is
    replaced); any other non-empty directory is refused with ``SampleGenerationError``.
    """
    started = time.perf_counter()
    _check_out_dir(out_dir)
    fonts = render.load_fonts()
    face_names = sorted(
        {
            *(n for s in SPECS for n in _faces_of(s)),
            *(n for s in NEGATIVE_SPECS.values() for n in _faces_of(s)),
        }
    )
    faces = {name: _face(faces_dir, name) for name in face_names}
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    w = _Writer(out_dir)

    pki = build_test_pki(seed, reference)
    _write_pki(w, pki)
    persons: dict[str, Person] = {}
    chips: dict[str, tuple[dict[int, bytes], dict[str, bytes], PrivateKey]] = {}
    for spec in SPECS:
        person = build_person(spec, seed, reference, dsc_not_before(pki.dscs[spec.dsc]))
        persons[spec.person_id] = person
        chips[spec.person_id] = _write_person(w, person, pki, faces_dir, seed=seed, fonts=fonts)
    negatives = build_negatives(persons, chips, pki, faces, seed)
    for neg in negatives:
        _write_negative(w, neg)

    manifest = _manifest(out_dir, seed, reference)
    w.json("manifest.json", manifest)
    return GenerationSummary(
        out_dir=out_dir,
        seed=seed,
        reference=reference,
        persons=len(persons),
        negatives=len(negatives),
        files=len(manifest["files"]) + 1,
        total_bytes=sum(f["size"] for f in manifest["files"]),
        seconds=time.perf_counter() - started,
    )


def _faces_of(spec: PersonSpec) -> tuple[str, ...]:
    return FACE_SOURCES[spec.face]
