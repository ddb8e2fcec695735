"""Audit events for refusals (``source:subject:action``) and keyed person fingerprints.

A fingerprint is an HMAC of the person reference under a key derived from the register
secret (``KeyPurpose.REGISTER_AUDIT_FINGERPRINT``): stable enough to correlate refusals
about one person, useless to anyone without the secret. Fingerprints are not recomputed
when the secret is rotated: refusals before and after a rotation do not correlate.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.core.keys import KeyPurpose, derive_key, keyed_digest
from register.db.models import AuditEvent


def subject_fingerprint(secret: str, value: str) -> str:
    key = derive_key(secret, KeyPurpose.REGISTER_AUDIT_FINGERPRINT)
    return "hfp:" + keyed_digest(key, value.encode())[:32]


def record_audit(
    session: Session,
    clock: Clock,
    *,
    action: str,
    code: str,
    client_id: str | None = None,
    subject_fp: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        created_at=clock.now(),
        action=action,
        code=code,
        client_id=client_id,
        subject_fp=subject_fp,
        detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
    )
    session.add(event)
    return event
