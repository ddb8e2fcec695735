"""Moving the disclosure log's keyed lookups to the register's current secret.

``leveattest keys rotate --register`` (docs/keys.md). ``subject_key`` is an HMAC of a
person reference; the register knows every reference it may be asked about (each
person's own identifier and document aliases), so for each one the lookups under the
previous secrets (and under the version-0 derivation) are replaced by the current one.
The chain does not cover ``subject_key``, so nothing about the chain changes.

Persons are taken ``batch`` at a time in id order, each batch in its own transaction (one
query finds which of the batch's stale lookups are still in the log);
an update only ever replaces a stale lookup, so a run that stops half-way is finished
by running it again, and a finished one changes nothing.

Not moved: the audit events' ``subject_fp`` (correlation of refusals, not a lookup; they
are not comparable across a rotation) and the companies' cursors (verified with every
secret of the ring; they go stale on their own as companies read on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.keys import KeyPurpose, KeyRing, keyed_digest
from register.db.models import DisclosureEntry, Person
from register.persons import identifiers_of

BATCH = 500


@dataclass
class RegisterRotationReport:
    key_id: str
    previous_key_ids: tuple[str, ...]
    persons: int = 0
    subject_keys_moved: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "previous_key_ids": list(self.previous_key_ids),
            "persons": self.persons,
            "subject_keys_moved": self.subject_keys_moved,
        }


def _no_progress(step: str) -> None:
    del step


def rotate_register(
    sessions: sessionmaker[Session],
    ring: KeyRing,
    *,
    batch: int = BATCH,
    progress: Callable[[str], None] = _no_progress,
) -> RegisterRotationReport:
    """Replace every stale ``subject_key`` of the disclosure log by the current one."""
    report = RegisterRotationReport(ring.current_id, ring.previous_ids)
    readers = ring.readers(KeyPurpose.REGISTER_SUBJECT_KEY)
    current, stale = readers[0].key, [reader.key for reader in readers[1:]]
    statement = (
        update(DisclosureEntry)
        .where(DisclosureEntry.subject_key == bindparam("old"))
        .values(subject_key=bindparam("new"))
        .execution_options(synchronize_session=False)
    )
    after = 0
    while True:
        with sessions() as db, db.begin():
            persons = list(
                db.scalars(select(Person).where(Person.id > after).order_by(Person.id).limit(batch))
            )
            if not persons:
                return report
            replacement: dict[str, str] = {}
            for person in persons:
                for pid in identifiers_of(db, person):
                    ref = pid.ref.encode()
                    new = keyed_digest(current, ref)
                    replacement.update({keyed_digest(key, ref): new for key in stale})
            # one look-up per batch for the stale lookups that are still there (after a
            # finished rotation: none), then one update per lookup found
            present = set(
                db.scalars(
                    select(DisclosureEntry.subject_key)
                    .where(DisclosureEntry.subject_key.in_(list(replacement)))
                    .distinct()
                )
            )
            connection = db.connection()
            for old in sorted(key for key in present if key is not None):
                result = connection.execute(statement, {"old": old, "new": replacement[old]})
                report.subject_keys_moved += int(getattr(result, "rowcount", 0) or 0)
            report.persons += len(persons)
            after = persons[-1].id
        progress("subject_keys")
