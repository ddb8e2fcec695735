"""Recording a verified document as an alias of the person it was linked to.

A person the register knows *only* by that document (a company registered them by
passport number before anyone linked it) is the same human: that record is merged into
the linked person — its relationships keep the identifier the company used (the alias),
its requests, invitations and change events move over — so that no second person is
left behind. A document that is another person's own national-id record or another
person's alias is never taken over (``document_of_other_person``).
"""

from __future__ import annotations

from sqlalchemy import delete, exists, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from leveattest.core.clock import Clock
from register.db.models import (
    Certificate,
    CertificateRequest,
    ChangeEvent,
    Invitation,
    Person,
    PersonAlias,
    Relationship,
)
from register.errors import CertificateRecordError
from register.identity import IdScheme, PersonId
from register.linking import DocumentOwner
from register.persons import find_identity


def document_owner(session: Session, subject: Person, alias: PersonId | None) -> DocumentOwner:
    """Whom the register already knows ``alias`` as (for the linking engine)."""
    if alias is None:
        return DocumentOwner.NOBODY
    found = find_identity(session, alias)
    if found is None:
        return DocumentOwner.NOBODY
    owner, via = found
    if owner.id == subject.id:
        return DocumentOwner.SUBJECT
    return DocumentOwner.NOBODY if mergeable(owner, via) else DocumentOwner.OTHER


def mergeable(owner: Person, via: PersonAlias | None) -> bool:
    """A record that is nothing but this foreign document (its own identifier)."""
    return via is None and owner.id_scheme == IdScheme.FOREIGN.value


def record_alias(session: Session, clock: Clock, person: Person, alias: PersonId) -> bool:
    """Make ``alias`` an identifier of ``person``; True when something changed."""
    found = find_identity(session, alias)
    if found is not None:
        owner, via = found
        if owner.id == person.id:
            return False
        if not mergeable(owner, via):
            raise CertificateRecordError(reason="document_of_other_person")
        _merge(session, clock, owner, person, alias)
        return True
    try:
        with session.begin_nested():
            session.add(_alias_row(clock, person, alias))
    except IntegrityError:
        again = find_identity(session, alias)  # linked concurrently
        if again is None or again[0].id != person.id:
            raise CertificateRecordError(reason="document_of_other_person") from None
        return False
    return True


def _alias_row(clock: Clock, person: Person, alias: PersonId) -> PersonAlias:
    return PersonAlias(
        person_id=person.id,
        id_scheme=alias.scheme.value,
        id_state=alias.state,
        id_value=alias.value,
        id_kind=alias.kind,
        created_at=clock.now(),
    )


def _merge(session: Session, clock: Clock, old: Person, into: Person, alias: PersonId) -> None:
    """Fold ``old`` (known only by ``alias``) into ``into``; ``old`` is deleted."""
    gone, keep = old.id, into.id
    session.execute(
        update(PersonAlias)
        .where(PersonAlias.person_id == gone)
        .values(person_id=keep)
        .execution_options(synchronize_session=False)
    )
    row = _alias_row(clock, into, alias)
    session.add(row)
    session.flush()
    # one agreement the company proved for both records: the linked person's row stays
    same = aliased(Relationship)
    session.execute(
        delete(Relationship)
        .where(
            Relationship.person_id == gone,
            exists().where(
                same.person_id == keep,
                same.company_id == Relationship.company_id,
                same.agreement_reference == Relationship.agreement_reference,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    # the companies that knew ``old`` keep knowing them by that document
    session.execute(
        update(Relationship)
        .where(Relationship.person_id == gone, Relationship.alias_id.is_(None))
        .values(alias_id=row.id)
        .execution_options(synchronize_session=False)
    )
    for model in (Relationship, CertificateRequest, Invitation, ChangeEvent):
        session.execute(
            update(model)
            .where(model.person_id == gone)
            .values(person_id=keep)
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(Certificate).where(Certificate.person_id == gone))
    if into.objected_at is None and old.objected_at is not None:
        into.objected_at = old.objected_at
    if into.full_name is None:
        into.full_name = old.full_name
    if into.birth_date is None:
        into.birth_date = old.birth_date
    session.expunge(old)
    session.execute(delete(Person).where(Person.id == gone))
