"""Passive authentication (ICAO 9303-11 §5.1, 9303-12 §5-§7): one function per check.

Each check returns a ``CheckResult``; none raises for a bad document. The checks are
independent facts (signature, hashes, chain, validity, revocation): the policy in
``verify`` combines them, so a failed signature is never rescued by matching hashes.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from leveattest.core.checks import CheckName, CheckResult, Reason, Verdict
from leveattest.core.errors import ChipDataError, ChipUnsupportedAlgorithmError
from leveattest.core.evidence import DgHashesEvidence
from leveattest.core.settings import ChipSettings
from leveattest.emrtd.certs import CertRecord, extension_problems, signed_by
from leveattest.emrtd.cmssig import SignerCheck, check_signer
from leveattest.emrtd.crypto import digest
from leveattest.emrtd.names import match_names
from leveattest.emrtd.reftime import (
    CLOCK_SKEW,
    JUDGEMENT_REASONS,
    Judgement,
    judge_window,
    reference_window,
)
from leveattest.emrtd.sod import Sod
from leveattest.emrtd.trust import TrustStore

SOD_SIGNATURE = CheckName.SOD_SIGNATURE
DG_HASHES = CheckName.DG_HASHES
TRUST_CHAIN = CheckName.TRUST_CHAIN
DSC_VALIDITY = CheckName.DSC_VALIDITY
REVOCATION = CheckName.REVOCATION


def check_sod_signature(sod: Sod) -> tuple[CheckResult, SignerCheck | None]:
    """RFC 5652 §5.6 with ICAO 9303-10 §4.6.2: signature, contentType, messageDigest."""
    match = sod.signer_match()
    base: dict[str, Any] = {"deviations": list(sod.deviations)}
    if match is None:
        return CheckResult.failed(
            SOD_SIGNATURE, Reason.SOD_MALFORMED, "SOD holds no certificate for its signer", **base
        ), None
    dsc = match.certificate
    # how the SignerInfo named its certificate (cmssig.find_signer; docs/verification.md)
    base |= {"dsc_fingerprint_sha256": dsc.fingerprint, "signer_match": match.how}
    try:
        check = check_signer(
            sod.signer_info,
            dsc.public_key(),
            signed_attrs_der=sod.signed_attrs_der,
            econtent_type=sod.econtent_type,
            econtent=sod.econtent,
            content_type_attr=sod.content_type_attr,
            message_digest_attr=sod.message_digest_attr,
        )
    except ChipUnsupportedAlgorithmError as exc:
        return CheckResult.failed(
            SOD_SIGNATURE, Reason.UNSUPPORTED_ALGORITHM, exc.message, **base, **exc.context
        ), None
    except ChipDataError as exc:
        return CheckResult.failed(SOD_SIGNATURE, Reason.SOD_MALFORMED, exc.message, **base), None
    evidence = base | check.evidence()
    if not check.signature_valid:
        return CheckResult.failed(SOD_SIGNATURE, Reason.SIGNATURE_INVALID, **evidence), check
    if not check.content_type_matches:
        detail = "contentType attribute differs from eContentType"
        return CheckResult.failed(
            SOD_SIGNATURE, Reason.SIGNED_ATTRIBUTES_INVALID, detail, **evidence
        ), check
    if not check.message_digest_matches:
        detail = "messageDigest attribute differs from the hash of eContent"
        return CheckResult.failed(
            SOD_SIGNATURE, Reason.SIGNED_ATTRIBUTES_INVALID, detail, **evidence
        ), check
    return CheckResult.passed(SOD_SIGNATURE, **evidence), check


def dg_authenticated(dg_hashes: CheckResult, number: int) -> bool:
    """Whether data group ``number`` was presented and its hash matches a validly signed SOD."""
    evidence = dg_hashes.evidence_as(DgHashesEvidence)
    return (
        dg_hashes.verdict is not Verdict.NOT_CHECKED
        and evidence is not None
        and evidence.authenticated(number)
    )


def check_dg_hashes(
    sod: Sod,
    data_groups: Mapping[int, bytes],
    *,
    signature_ok: bool,
    required: Collection[int] = (),
) -> CheckResult:
    """9303-11 §5.1.1 step 3: hash of each presented DG (raw bytes as read) vs the SOD."""
    per_dg: dict[str, dict[str, Any]] = {}
    mismatched: list[int] = []
    unsigned: list[int] = []
    for number in sorted(data_groups):
        computed = digest(sod.hash_algorithm, bytes(data_groups[number])).hex()
        stored_bytes = sod.dg_hashes.get(number)
        stored = stored_bytes.hex() if stored_bytes is not None else None
        match = stored is not None and hmac.compare_digest(stored, computed)
        per_dg[f"DG{number}"] = {"stored": stored, "computed": computed, "match": match}
        if stored is None:
            unsigned.append(number)
        elif not match:
            mismatched.append(number)
    missing = sorted(set(required) - set(data_groups))
    evidence: dict[str, Any] = {
        "hash_algorithm": sod.hash_algorithm,
        "data_groups": per_dg,
        "listed_in_sod": sorted(sod.dg_hashes),
        "not_presented": sorted(set(sod.dg_hashes) - set(data_groups)),
    }
    if not signature_ok:
        return CheckResult.not_checked(
            DG_HASHES, detail="SOD signature not valid: its hashes authenticate nothing", **evidence
        )
    if mismatched:
        return CheckResult.failed(
            DG_HASHES, Reason.HASH_MISMATCH, mismatched=mismatched, **evidence
        )
    if unsigned:
        return CheckResult.failed(
            DG_HASHES, Reason.DATA_GROUP_NOT_SIGNED, not_in_sod=unsigned, **evidence
        )
    if missing:
        return CheckResult.failed(DG_HASHES, Reason.DATA_GROUP_MISSING, missing=missing, **evidence)
    if not data_groups:
        return CheckResult.not_present(DG_HASHES, Reason.DATA_GROUP_MISSING, **evidence)
    return CheckResult.passed(DG_HASHES, **evidence)


@dataclass(frozen=True, slots=True)
class Chain:
    dsc: CertRecord
    issuer: CertRecord  # the certificate whose key signed the DSC (anchor or link)
    path: tuple[CertRecord, ...]  # issuer first, anchor last


def _find_issuer(cert: CertRecord, trust: TrustStore) -> tuple[CertRecord | None, list[str]]:
    tried: list[str] = []
    for candidate in trust.issuer_candidates(cert):
        tried.append(candidate.fingerprint)
        try:
            if signed_by(cert.cert, candidate.public_key()):
                return candidate, tried
        except ChipDataError:
            continue
    return None, tried


def _path_to_anchor(issuer: CertRecord, trust: TrustStore) -> tuple[CertRecord, ...]:
    path = [issuer]
    current = issuer
    for _ in range(4):  # link certificate chains across several key roll-overs
        if current.source.get("kind") != "link" and "verified_by" not in current.source:
            break
        parent, _tried = _find_issuer(current, trust)
        if parent is None or parent in path:
            break
        path.append(parent)
        current = parent
    return tuple(path)


def check_trust_chain(sod: Sod, trust: TrustStore) -> tuple[CheckResult, Chain | None]:
    """9303-11 §5.1.1 step 1: DSC issued by a trusted CSCA (directly or via link certs),
    with the 9303-12 §7.1 certificate profile (key usage, CA flags)."""
    dsc = sod.signer_certificate()
    if dsc is None:
        return CheckResult.failed(TRUST_CHAIN, Reason.CHAIN_INVALID, "no DSC in SOD"), None
    evidence: dict[str, Any] = {"dsc": dsc.summary(), "dsc_issuer": dsc.cert.issuer.human_friendly}
    issuer, tried = _find_issuer(dsc, trust)
    evidence["candidates_tried"] = tried
    if issuer is None:
        # a certificate with the DSC's authority key id that does not verify it: broken chain;
        # only same-name CSCAs with other keys (or none at all): issuer unknown to this store
        same_key = [
            c.fingerprint
            for c in trust.issuer_candidates(dsc)
            if dsc.aki is None or c.ski is None or c.ski == dsc.aki
        ]
        reason = Reason.CHAIN_INVALID if same_key else Reason.UNKNOWN_ISSUER
        return CheckResult.failed(TRUST_CHAIN, reason, **evidence), None
    path = _path_to_anchor(issuer, trust)
    chain = Chain(dsc, issuer, path)
    name_match = match_names(dsc.cert.issuer, issuer.cert.subject)
    evidence["issuer_name_match"] = name_match.value if name_match is not None else None
    evidence["path"] = [
        {**record.summary(), "role": "link" if "verified_by" in record.source else "csca",
         "source": record.source.get("kind"), "file": record.source.get("file")}
        for record in path
    ]  # fmt: skip
    problems = extension_problems(dsc, "dsc")
    for record in path:
        problems += extension_problems(record, "csca")
    if problems:
        return CheckResult.failed(
            TRUST_CHAIN, Reason.CERTIFICATE_EXTENSIONS_INVALID, problems=problems, **evidence
        ), chain
    return CheckResult.passed(TRUST_CHAIN, **evidence), chain


def _window(record: CertRecord, at: datetime) -> Reason | None:
    if at < record.not_before:
        return Reason.CERTIFICATE_NOT_YET_VALID
    if at > record.not_after:
        return Reason.CERTIFICATE_EXPIRED
    return None


def _chain_problem(
    chain: Chain | None, at: datetime, evidence: dict[str, Any], expired_now: list[CertRecord]
) -> CheckResult | None:
    """Chain model: each CSCA/link certificate valid when the certificate below was issued."""
    if chain is None:
        return None
    issued = chain.dsc.not_before
    for record in chain.path:
        problem = _window(record, issued)
        key = "csca" if record is chain.path[-1] else "link"
        evidence[f"{key}_not_after"] = record.not_after.isoformat()
        evidence[f"{key}_expired_now"] = at > record.not_after
        if problem is not None:
            return CheckResult.failed(
                DSC_VALIDITY, problem, f"{key} not valid when the DSC was issued", **evidence
            )
        if at > record.not_after:
            expired_now.append(record)
        issued = record.not_before
    return None


def check_dsc_validity(
    sod: Sod,
    chain: Chain | None,
    *,
    at: datetime,
    settings: ChipSettings,
    data_groups: Mapping[int, bytes] | None = None,
    dg_hashes: CheckResult | None = None,
) -> CheckResult:
    """Validity in the chain model (9303-12 §5.3): the DSC when the SOD was signed — the
    reference time comes from the signingTime attribute, else the authenticated DG12 date
    of issue, else the DSC's private key usage period (``reftime``), else the check is
    inconclusive (``no_reference_time``) — and each CSCA at the DSC's issuance; "expired
    today" is a separate, policy-controlled fact."""
    dsc = chain.dsc if chain else sod.signer_certificate()
    if dsc is None:
        return CheckResult.not_checked(DSC_VALIDITY, detail="no DSC in SOD")
    groups = dict(data_groups or {})
    window, sources = reference_window(
        sod,
        dsc,
        data_groups=groups,
        dg12_authenticated=dg_hashes is not None and dg_authenticated(dg_hashes, 12),
        at=at,
    )
    evidence: dict[str, Any] = {
        "reference_time_source": None,
        "reference_sources": sources,
        "checked_at": at.isoformat(),
        "dsc_not_before": dsc.not_before.isoformat(),
        "dsc_not_after": dsc.not_after.isoformat(),
        "dsc_expired_now": at > dsc.not_after,
        "accept_expired_certificates_now": settings.accept_expired_certificates_now,
    }
    if window is not None:
        evidence |= window.evidence(dsc)
    if dsc.not_before > at + CLOCK_SKEW or (
        window is not None and window.earliest > at + CLOCK_SKEW
    ):
        return CheckResult.failed(
            DSC_VALIDITY, Reason.CERTIFICATE_NOT_YET_VALID, "signed after the check time",
            **evidence,
        )  # fmt: skip
    judgement = judge_window(dsc, window) if window is not None else None
    if judgement in JUDGEMENT_REASONS:
        return CheckResult.failed(
            DSC_VALIDITY, JUDGEMENT_REASONS[judgement], "DSC not valid at signing", **evidence
        )
    expired_now = [dsc] if at > dsc.not_after else []
    failed = _chain_problem(chain, at, evidence, expired_now)
    if failed is not None:
        return failed
    if expired_now and not settings.accept_expired_certificates_now:
        return CheckResult.failed(
            DSC_VALIDITY, Reason.CERTIFICATE_EXPIRED, "expired at the check time", **evidence
        )
    if judgement is None:
        return CheckResult.inconclusive(
            DSC_VALIDITY, Reason.NO_REFERENCE_TIME,
            "no signing time, authenticated DG12 date of issue or private key usage period",
            **evidence,
        )  # fmt: skip
    if judgement is Judgement.PARTLY:
        return CheckResult.inconclusive(
            DSC_VALIDITY, Reason.NO_REFERENCE_TIME,
            "the private key usage period reaches outside the DSC's validity", **evidence,
        )  # fmt: skip
    return CheckResult.passed(DSC_VALIDITY, **evidence)


def check_revocation(
    chain: Chain | None, trust: TrustStore, *, at: datetime, settings: ChipSettings
) -> CheckResult:
    """9303-12 §7.2 / RFC 5280 §6.3: the DSC against verified CRLs of its issuing CSCA."""
    if chain is None:
        return CheckResult.not_checked(REVOCATION, detail="no trusted chain")
    crls = trust.crls_for(chain.issuer)
    serial = chain.dsc.cert.serial_number
    evidence: dict[str, Any] = {"dsc_serial": format(serial, "x"), "crls": [c.file for c in crls]}
    if not crls:
        return CheckResult.inconclusive(
            REVOCATION, Reason.REVOCATION_UNKNOWN, "no CRL for the issuing CSCA", **evidence
        )
    for record in crls:
        if serial in record.revoked:
            revoked_at = record.revoked[serial]
            return CheckResult.failed(
                REVOCATION, Reason.REVOKED, crl=record.file,
                revocation_date=revoked_at.isoformat() if revoked_at else None, **evidence,
            )  # fmt: skip
    newest = max(crls, key=lambda c: c.this_update)
    max_age = timedelta(days=settings.crl_max_age_days)
    evidence |= {
        "crl_this_update": newest.this_update.isoformat(),
        "crl_next_update": newest.next_update.isoformat() if newest.next_update else None,
    }
    stale = (newest.next_update is not None and newest.next_update < at) or (
        at - newest.this_update > max_age
    )
    if stale:
        return CheckResult.inconclusive(REVOCATION, Reason.CRL_STALE, **evidence)
    return CheckResult.passed(REVOCATION, **evidence)
