"""A person's own access report (GDPR art. 15 and 20), asked for with the letter's
reference and the person's birth date, with a proof that every disclosure shown is in the
register's hash-chained disclosure log.

What the register holds about the person is ``register.retention.person_report``; here
the identifiers are masked (whoever holds the letter and knows the birth date must not
learn the full national number from it), and the disclosures carry, each, the entry as it
was hashed into the chain and its audit path in a Merkle tree over all entry hashes
(``register.merkle``). The tree head — size, root, and the chain head it ends in — is
signed with the register's key (``typ: disclosure-head+jws``), so the proof verifies
offline against the register's published JWKS (``register.proofs.verify_access_proof``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.mrz.national import validate_norwegian_id
from register.audit import record_audit, subject_fingerprint
from register.db.models import Company, DisclosureEntry, Head, Person
from register.disclosure import subject_keys
from register.errors import RegisterInputError
from register.heads import DISCLOSURE_LOG, GENESIS_HASH
from register.identity import IdScheme, PersonId, person_id_from_ref
from register.keys import RegisterKeys
from register.log_tree import LogTree
from register.persons import identifiers_of, person_of_letter, person_ref
from register.proofs import TREE_HEAD_TYP
from register.retention import person_report
from register.settings import RegisterSettings, register_keyring

REPORT_FORMAT = "leveattest-register-access/1"


def possession_proof(body: Any) -> tuple[str, date]:
    """``{"reference": ..., "birth_date": "YYYY-MM-DD"}`` from a request body."""
    reference = body.get("reference") if isinstance(body, dict) else None
    birth = body.get("birth_date") if isinstance(body, dict) else None
    if (
        not isinstance(reference, str)
        or not 8 <= len(reference) <= 40
        or not (reference.isascii() and reference.isalnum())
    ):
        raise RegisterInputError(reason="reference")
    try:
        return reference, date.fromisoformat(birth if isinstance(birth, str) else "")
    except ValueError as exc:
        raise RegisterInputError(reason="birth_date") from exc


def mask_identifier(pid: PersonId) -> dict[str, str]:
    """An identifier as the report shows it: a Norwegian number keeps its birth-date
    digits, a foreign one its last three characters."""
    if pid.scheme is IdScheme.NORWEGIAN:
        return {"national_id": pid.value[:6] + "*" * (len(pid.value) - 6)}
    keep = pid.value[-3:]
    return {"foreign_id": "*" * (len(pid.value) - len(keep)) + keep, "issuing_state": pid.state}


def invited_by_possession(session: Session, reference: str, birth_date: date) -> Person | None:
    """The person the letter ``reference`` was sent to, if ``birth_date`` is theirs; None
    alike for an unknown reference, a wrong date, and a person without a known birth date."""
    person = person_of_letter(session, reference)
    if person is None:
        return None
    held = person.birth_date
    if held is None and person.id_scheme == IdScheme.NORWEGIAN.value:
        held = validate_norwegian_id(person.id_value).birth_date
    return person if held is not None and held == birth_date else None


def access_report(
    session: Session,
    clock: Clock,
    settings: RegisterSettings,
    keys: RegisterKeys,
    *,
    reference: str,
    birth_date: date,
    caller: str,
) -> dict[str, Any] | None:
    """The report with its disclosure proof, or None (no proof of possession). A report
    given is an audit event (``person:subject_access:reported``, by ``caller``)."""
    person = invited_by_possession(session, reference, birth_date)
    if person is None:
        return None
    secret = settings.secret.get_secret_value()
    pid = person_id_from_ref(person_ref(person))
    record_audit(
        session,
        clock,
        action="person:subject_access:reported",
        code="ok",
        client_id=caller,
        subject_fp=subject_fingerprint(secret, pid.ref),
    )
    ring = register_keyring(settings)  # entries made before a rotation are found too
    held = person_report(session, pid, ring)
    if held is None:  # pragma: no cover - the person was just found
        return None
    identifiers = identifiers_of(session, person)
    entries = session.execute(
        select(DisclosureEntry, Company.name)
        .join(Company, Company.client_id == DisclosureEntry.client_id, isouter=True)
        .where(
            DisclosureEntry.subject_key.in_(
                [key for i in identifiers for key in subject_keys(ring, i.ref)]
            )
        )
        .order_by(DisclosureEntry.seq)
    ).all()
    head_seq, head_hash = _head(session)
    tree = LogTree(session, head_seq, head_hash)  # tiles, not every entry (log_tree)
    root = tree.root()
    now = clock.now()
    tree_head = keys.sign_json(
        {
            "iss": settings.issuer,
            "iat": int(now.timestamp()),
            "tree_size": head_seq,
            "root_hash": root.hex(),
            "chain_head_seq": head_seq,
            "chain_head_hash": head_hash,
        },
        typ=TREE_HEAD_TYP,
    )
    disclosures = [
        {
            "at": entry.created_at.isoformat(),
            "company": name or entry.client_id,
            "action": entry.action,
            "entry": {
                "seq": entry.seq,
                "created_at": entry.created_at.isoformat(),
                "client_id": entry.client_id,
                "relationship_id": entry.relationship_id,
                "action": entry.action,
                "statement_sha256": entry.statement_sha256,
                "subject_commitment": entry.subject_commitment,
                "prev_hash": entry.prev_hash,
                "entry_hash": entry.entry_hash,
            },
            "inclusion_path": [h.hex() for h in tree.path(entry.seq - 1)],
        }
        for entry, name in entries
        if entry.seq <= head_seq
    ]
    chain_head_path = [h.hex() for h in tree.path(head_seq - 1)] if head_seq else []
    tree.save()  # the tiles made for this report serve the next
    return {
        "format": REPORT_FORMAT,
        "issued_at": now.isoformat(),
        "person": mask_identifier(pid),
        "document_aliases": [
            mask_identifier(i) | {"document_type": i.kind} for i in identifiers[1:]
        ],
        "full_name": held["full_name"],
        "birth_date": held["birth_date"],
        "objected_at": held["objected_at"],
        "certificates": held["certificates"],
        "requests": held["requests"],
        "relationships": held["relationships"],
        "disclosures": disclosures,
        "proof": {
            "tree_head": tree_head,
            "chain_head_path": chain_head_path,
            "jwks": keys.jwks(),
        },
    }


def _head(session: Session) -> tuple[int, str]:
    """The chain head, read first (the entries up to a committed head are all visible
    after it, as in ``verify_chain``)."""
    head = session.execute(
        select(Head.last_id, Head.last_hash).where(Head.name == DISCLOSURE_LOG)
    ).one()
    return int(head[0]), head[1] or GENESIS_HASH
