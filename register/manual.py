"""Manual certificates: a paper or in-person life certificate recorded by a register
operator (ops console or ``leveattest register record-manual``), audited. Companies then
see ``certified`` with method ``manual``; requests are fulfilled by it like by any
certificate. An objection stays — it is why a manual certificate is needed — and the
status points to the certificate (``register.statuses``).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from register.audit import record_audit, subject_fingerprint
from register.certificates import CertificateReceipt, receipt_of, store_certificate
from register.db.models import Certificate
from register.errors import CertificateRecordError
from register.identity import PersonId
from register.persons import emit_changes, find_person
from register.requests import fulfil_open_requests

MANUAL_METHOD = "manual"
MANUAL_KINDS = ("paper", "in_person")
_CODE = re.compile(r"^[A-Z][A-Z<]{2}$")


def record_manual_certificate(
    session: Session,
    clock: Clock,
    pid: PersonId,
    *,
    certified_on: date,
    paper_reference: str,
    recorded_by: str,
    kind: str = "paper",
    issuing_state: str = "NOR",
    secret: str,
) -> CertificateReceipt:
    """A paper or in-person certificate recorded by a register operator (audited); the
    caller commits. Companies see ``certified`` with method ``manual``; an objection
    stays (it is the reason for a manual certificate) and points to it."""
    reference, operator = paper_reference.strip(), recorded_by.strip()
    if not reference or len(reference) > 100:
        raise CertificateRecordError(reason="paper_reference")
    if not operator or len(operator) > 64:
        raise CertificateRecordError(reason="recorded_by")
    if kind not in MANUAL_KINDS:
        raise CertificateRecordError(reason="kind", expected=list(MANUAL_KINDS))
    if not _CODE.match(issuing_state):
        raise CertificateRecordError(reason="document_issuing_state")
    if certified_on > clock.today():
        raise CertificateRecordError(reason="certified_at")
    person = find_person(session, pid)
    if person is None:
        raise CertificateRecordError(reason="person_unknown")
    now = clock.now()
    written = store_certificate(
        session,
        person,
        Certificate(
            certified_at=datetime.combine(certified_on, time(12, 0), tzinfo=UTC),
            document_type=kind,
            issuing_state=issuing_state,
            method=MANUAL_METHOD,
            session_reference="manual-" + secrets.token_hex(12),
            recorded_at=now,
            paper_reference=reference,
            recorded_by=operator,
        ),
    )
    if written is None:
        raise CertificateRecordError(reason="certificate_conflict")
    cert, replaced = written
    if not replaced:
        raise CertificateRecordError(reason="newer_certificate_held")
    person.updated_at = now
    fulfilled = fulfil_open_requests(session, clock, person.id, cert.id)
    emit_changes(session, clock, [person.id], "certificate")
    record_audit(
        session,
        clock,
        action="operator:certificate:recorded_manual",
        code="manual_certificate",
        subject_fp=subject_fingerprint(secret, pid.ref),
        detail={"paper_reference": reference, "recorded_by": operator, "kind": kind},
    )
    return receipt_of(cert, created=True, fulfilled=fulfilled)
