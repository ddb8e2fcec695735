"""The CSCA trust store (ICAO 9303-12 §5-§9): anchors, link certificates, master lists, CRLs.

``TrustStore`` is the port the verifier depends on; ``FileTrustStore`` loads it from files
and directories (recursively): CSCA certificates (PEM/DER, bundles allowed), master
lists (``.ml``/``.mls``, accepted only when their signature verifies), link certificates
(kept only when an anchor verifies them) and CRLs (kept with the CSCA that verified
them). Lookups are dictionary hits by subject key identifier and by subject DN, so they
stay O(1) with thousands of anchors. ``refresh()`` builds a new index and swaps it in one
assignment: readers never see a half-loaded store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import pem

from leveattest.core.errors import LeveattestError, TrustStoreError
from leveattest.emrtd.certs import CertRecord, load_certificate, signed_by
from leveattest.emrtd.crl import MAX_CRL_BYTES, CrlRecord, load_crl, verify_crl
from leveattest.emrtd.masterlist import MAX_MASTER_LIST_BYTES, MasterList, load_master_list

CERT_SUFFIXES = {".pem", ".cer", ".crt", ".der"}
MASTER_LIST_SUFFIXES = {".ml", ".mls"}
CRL_SUFFIXES = {".crl"}


class TrustStore(Protocol):
    """What passive authentication needs from a trust store."""

    @property
    def anchor_count(self) -> int: ...

    def issuer_candidates(self, cert: CertRecord) -> Sequence[CertRecord]:
        """Trusted certificates (anchors or verified link certificates) that may have
        issued ``cert``: by authority key identifier first, then by issuer DN (X.500 name
        rules, RDNs in order or reversed)."""
        ...

    def crls_for(self, issuer: CertRecord) -> Sequence[CrlRecord]:
        """Verified CRLs issued by this CSCA."""
        ...


def is_link_certificate(record: CertRecord) -> bool:
    """A CSCA certificate signed by another CSCA key (new key under old, 9303-12 §5.1)."""
    if not record.self_issued:
        return True
    return record.ski is not None and record.aki is not None and record.ski != record.aki


@dataclass(slots=True)
class _Index:
    anchors: dict[str, CertRecord] = field(default_factory=dict)
    links: dict[str, CertRecord] = field(default_factory=dict)
    unverified_links: list[CertRecord] = field(default_factory=list)
    by_ski: dict[bytes, list[CertRecord]] = field(default_factory=dict)
    by_subject: dict[str, list[CertRecord]] = field(default_factory=dict)
    crls: dict[str, list[CrlRecord]] = field(default_factory=dict)
    all_crls: list[CrlRecord] = field(default_factory=list)
    master_lists: list[MasterList] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add_trusted(self, record: CertRecord, table: dict[str, CertRecord]) -> None:
        existing = self.anchors.get(record.fingerprint) or self.links.get(record.fingerprint)
        if existing is not None:
            existing.source.setdefault("also", []).append(record.source)
            return
        table[record.fingerprint] = record
        if record.ski is not None:
            self.by_ski.setdefault(record.ski, []).append(record)
        self.by_subject.setdefault(record.subject, []).append(record)

    def candidates(self, cert: CertRecord) -> list[CertRecord]:
        # subject DN = issuer DN by X.500 name rules, in either RDN order (names module)
        found: list[CertRecord] = []
        if cert.aki is not None:
            found = [c for c in self.by_ski.get(cert.aki, ()) if cert.issued_by_name(c)]
        for key in (cert.issuer, cert.issuer_reversed):
            for record in self.by_subject.get(key, ()):
                if record not in found:
                    found.append(record)
        return found


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.is_file():
            out.append(path)
        else:
            raise TrustStoreError("trust path does not exist", path=str(path))
    return out


def _split_pem(data: bytes) -> list[tuple[str, bytes]]:
    if not pem.detect(data):
        return [("CERTIFICATE", data)]
    try:
        return [(kind, der) for kind, _headers, der in pem.unarmor(data, multiple=True)]
    except ValueError:
        return [("CERTIFICATE", data)]


class FileTrustStore:
    """A trust store read from files and directories; see the module docstring."""

    def __init__(
        self,
        paths: Sequence[Path | str],
        *,
        max_file_bytes: int = MAX_MASTER_LIST_BYTES,
        trust_unverified_master_lists: bool = False,
    ) -> None:
        self._paths = [Path(p) for p in paths]
        self._max_file_bytes = max_file_bytes
        self._trust_unverified = trust_unverified_master_lists
        self._index = _Index()
        self.refresh()

    # --- the port -----------------------------------------------------------------
    @property
    def anchor_count(self) -> int:
        return len(self._index.anchors)

    def issuer_candidates(self, cert: CertRecord) -> Sequence[CertRecord]:
        return self._index.candidates(cert)

    def crls_for(self, issuer: CertRecord) -> Sequence[CrlRecord]:
        return [
            record
            for record in self._index.crls.get(issuer.subject, ())
            if record.aki is None or issuer.ski is None or record.aki == issuer.ski
        ]

    def trusted_certificates(self) -> list[CertRecord]:
        """Every anchor and verified link certificate (for reports and audits)."""
        index = self._index
        return [*index.anchors.values(), *index.links.values()]

    # --- loading ------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload every path and swap the new index in atomically."""
        if not self._paths:
            raise TrustStoreError("no trust paths configured")
        index = _Index()
        certs: list[CertRecord] = []
        lists: list[tuple[Path, bytes]] = []
        crls: list[CrlRecord] = []
        for path in _files(self._paths):
            suffix = path.suffix.lower()
            if suffix not in CERT_SUFFIXES | MASTER_LIST_SUFFIXES | CRL_SUFFIXES:
                continue
            try:
                if path.stat().st_size > self._max_file_bytes:
                    raise TrustStoreError("trust file too large", size=path.stat().st_size)
                data = path.read_bytes()
                if suffix in MASTER_LIST_SUFFIXES:
                    lists.append((path, data))
                    continue
                for kind, der in _split_pem(data):
                    if "CRL" in kind or suffix in CRL_SUFFIXES:
                        if len(der) > MAX_CRL_BYTES:
                            raise TrustStoreError("CRL too large")
                        crls.append(load_crl(der, file=str(path)))
                    else:
                        certs.append(load_certificate(der, {"kind": "file", "file": str(path)}))
            except LeveattestError as exc:
                index.errors.append({"file": str(path), "code": exc.code})
        links = [c for c in certs if is_link_certificate(c)]
        for record in certs:
            if not is_link_certificate(record):
                index.add_trusted(record, index.anchors)
        for path, data in lists:
            self._add_master_list(index, path, data, links)
        self._add_links(index, links)
        for crl_record in crls:
            verify_crl(crl_record, index.by_subject.get(crl_record.issuer, []))
            index.all_crls.append(crl_record)
            if crl_record.verified_by is not None:
                index.crls.setdefault(crl_record.issuer, []).append(crl_record)
        if not index.anchors:
            raise TrustStoreError("no trust anchors loaded", paths=[str(p) for p in self._paths])
        self._index = index

    def _add_master_list(
        self, index: _Index, path: Path, data: bytes, links: list[CertRecord]
    ) -> None:
        try:
            listing = load_master_list(data, file=str(path), trusted_issuers=index.candidates)
        except LeveattestError as exc:
            index.errors.append({"file": str(path), "code": exc.code})
            return
        index.master_lists.append(listing)
        if not (listing.verified or self._trust_unverified):
            return
        for record in listing.certificates:
            if is_link_certificate(record):
                links.append(record)
            else:
                index.add_trusted(record, index.anchors)

    @staticmethod
    def _add_links(index: _Index, links: list[CertRecord]) -> None:
        # a link certificate is trusted only once an anchor's key verifies it; a few passes
        # let a chain of roll-overs resolve in any file order
        pending = list(links)
        for _ in range(3):
            remaining: list[CertRecord] = []
            for record in pending:
                issuer = next((c for c in index.candidates(record) if _verifies(c, record)), None)
                if issuer is None:
                    remaining.append(record)
                    continue
                record.source["verified_by"] = issuer.fingerprint
                index.add_trusted(record, index.links)
            pending = remaining
        index.unverified_links.extend(pending)

    # --- reporting ----------------------------------------------------------------
    def coverage(self, at: datetime, within_days: int = 90) -> dict[str, Any]:
        """States covered and anchors expiring within ``within_days`` of ``at``."""
        index = self._index
        horizon = at + timedelta(days=within_days)
        states = sorted({a.country for a in index.anchors.values() if a.country})
        valid = [a for a in index.anchors.values() if a.valid_at(at)]
        expiring = sorted((a for a in valid if a.not_after <= horizon), key=lambda a: a.not_after)
        return {
            "anchors": len(index.anchors),
            "anchors_valid_now": len(valid),
            "states": states,
            "state_count": len(states),
            "states_with_valid_anchor": sorted({a.country for a in valid if a.country}),
            "expiring_within_days": within_days,
            "expiring_soon": [
                {"country": a.country, **a.summary(), "days_left": (a.not_after - at).days}
                for a in expiring
            ],
        }

    def summary(self, at: datetime, within_days: int = 90) -> dict[str, Any]:
        index = self._index
        sources: dict[str, int] = {}
        for anchor in index.anchors.values():
            kind = str(anchor.source.get("kind", "unknown"))
            sources[kind] = sources.get(kind, 0) + 1
        return {
            **self.coverage(at, within_days),
            "anchors_by_source": sources,
            "link_certificates": [
                {**r.summary(), "verified_by": r.source.get("verified_by")}
                for r in index.links.values()
            ],
            "unverified_link_certificates": [r.summary() for r in index.unverified_links],
            "master_lists": [m.summary() for m in index.master_lists],
            "crls": [c.summary() for c in index.all_crls],
            "errors": index.errors,
        }


def _verifies(issuer: CertRecord, child: CertRecord) -> bool:
    try:
        return signed_by(child.cert, issuer.public_key())
    except LeveattestError:
        return False
