"""The only interface ``leveattest`` uses to reach the register.

``RegisterClient`` is the port; ``InProcessRegisterClient`` implements it over the
register's own database. The verification service asks whether a verified document's
holder is the person an invitation names (``link_identity``, docs/identity.md), records
*confirmed* certificates and nothing else (a write is idempotent per verification session
reference), and starts sessions from invitations. Each call is its own unit of work (like
a remote call would be).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Exists, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from leveattest.mrz.national import validate_norwegian_id
from register.aliases import document_owner, record_alias
from register.audit import record_audit, subject_fingerprint
from register.certificates import CertificateReceipt as CertificateReceipt  # noqa: PLC0414 (re-exported)
from register.certificates import receipt_of, store_certificate
from register.db.models import (
    Certificate,
    CertificateRequest,
    Invitation,
    InvitationSession,
    Person,
)
from register.errors import CertificateRecordError
from register.identity import (
    IdScheme,
    PersonId,
    foreign_id,
    norwegian_id,
    person_id_from_json,
    person_id_from_ref,
)
from register.keys import RegisterKeys
from register.linking import DocumentHolder, LinkOutcome, RegisterSubject, decide_link
from register.manual import record_manual_certificate
from register.persons import (
    document_alias,
    emit_changes,
    get_or_create_person,
    person_json,
    person_of_letter,
    person_ref,
)
from register.proofs import ProofVerification as ProofVerification  # noqa: PLC0414
from register.proofs import verify_access_proof as verify_access_proof  # noqa: PLC0414
from register.requests import fulfil_open_requests
from register.retention import record_objection
from register.settings import RegisterSettings
from register.subject_access import access_report

SERVICE_CALLER = "leveattest"  # the in-process caller, as audit events name it
_CODE = re.compile(r"^[A-Z][A-Z<]{2}$")


class HolderFacts(BaseModel):
    """The holder of a verified document as its chip (DG1) states them."""

    model_config = ConfigDict(frozen=True)

    national_id: str | None = None  # a Norwegian number from the chip, else None
    surname: str = Field(default="", max_length=1_000)
    given_names: str = Field(default="", max_length=1_000)
    birth_date: str | None = Field(default=None, max_length=20)  # ISO date or YYMMDD
    name_truncated: bool = False
    document_type: str = Field(default="P", max_length=20)
    document_issuing_state: str = Field(default="", max_length=3)
    document_number: str | None = Field(default=None, max_length=40)


class CertificateRecord(BaseModel):
    """A confirmed life certificate from a verification session.

    For a session started from an invitation the certificate goes to the invited person
    (the identity fields only describe the document); otherwise to the person the
    identity fields name."""

    model_config = ConfigDict(frozen=True)

    national_id: str | None = None
    foreign_id: str | None = None
    foreign_id_state: str | None = None
    full_name: str = Field(min_length=1, max_length=300)
    birth_date: date | None
    certified_at: datetime
    document_type: str = Field(min_length=1, max_length=20)  # e.g. P, ID
    document_issuing_state: str = Field(min_length=3, max_length=3)
    method: str = Field(min_length=1, max_length=40)  # e.g. chip_face_liveness
    session_reference: str = Field(min_length=8, max_length=100)
    holder: HolderFacts | None = None  # for linking (and the alias) through the invitation
    reviewed_by: str | None = Field(default=None, max_length=64)  # a reviewer approved


class InvitationInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    reference: str
    person: dict[str, str]  # {"national_id": ...} or {"foreign_id": ..., "issuing_state": ...}
    full_name: str | None
    deadline: date
    open: bool  # a request of it is still outstanding
    expired: bool
    sessions: list[str] = Field(default_factory=list)  # started from it, oldest first


class ManualCertificate(BaseModel):
    """A paper or in-person certificate a register operator records (register.manual)."""

    model_config = ConfigDict(frozen=True)

    person: dict[str, str]  # {"national_id": ...} or {"foreign_id": ..., "issuing_state": ...}
    certified_on: date
    paper_reference: str = Field(max_length=100)
    recorded_by: str = Field(max_length=64)
    kind: str = Field(default="paper", max_length=20)  # paper | in_person
    issuing_state: str = Field(default="NOR", max_length=3)


class SessionStart(StrEnum):
    STARTED = "started"
    UNKNOWN = "unknown"
    CLOSED = "closed"  # fulfilled or past its deadline
    DAILY_LIMIT = "daily_limit"


class IdentityLink(BaseModel):
    """Whether a verified holder is the invited person, with both sides for a reviewer."""

    model_config = ConfigDict(frozen=True)

    outcome: str  # link | review | no_invitation
    reasons: list[str] = Field(default_factory=list)
    session_reason: str | None = None  # identity_partial_match | person_differs_from_invitation
    differences: list[str] = Field(default_factory=list)
    register_full_name: str | None = None
    register_birth_date: str | None = None


class RegisterClient(Protocol):
    def record_certificate(self, record: CertificateRecord) -> CertificateReceipt: ...

    def lookup_invitation(self, reference: str) -> InvitationInfo | None: ...

    def start_invitation_session(
        self, reference: str, session_reference: str, *, per_day: int
    ) -> SessionStart: ...

    def link_identity(self, session_reference: str, holder: HolderFacts) -> IdentityLink: ...

    def record_manual_certificate(self, manual: ManualCertificate) -> CertificateReceipt: ...

    def access_report(self, reference: str, birth_date: date) -> dict[str, Any] | None: ...

    def remember_letter_language(self, reference: str, language: str) -> bool: ...

    def record_objection(self, reference: str, recorded_by: str) -> bool: ...


LETTER_LANGUAGES = ("nb", "nn", "en", "se", "sv", "de", "es", "pl")


def remember_letter_language(session: Session, clock: Clock, reference: str, language: str) -> bool:
    """The language the invited person chose (on the pages of the letter ``reference``)
    becomes the language of their next letters; False for an unknown reference or a
    language the letters are not written in."""
    if language not in LETTER_LANGUAGES:
        return False
    person = person_of_letter(session, reference)
    if person is None:
        return False
    if person.letter_language != language:
        person.letter_language, person.updated_at = language, clock.now()
    return True


def _identity(record: CertificateRecord, settings: RegisterSettings) -> PersonId:
    if record.national_id is not None and record.foreign_id is None:
        pid = norwegian_id(record.national_id, accept_synthetic=settings.accept_synthetic_ids)
        derived = validate_norwegian_id(pid.value).birth_date
        if derived is not None and record.birth_date is not None and derived != record.birth_date:
            raise CertificateRecordError(reason="birth_date_mismatch")
        return pid
    if record.foreign_id is not None and record.foreign_id_state is not None:
        return foreign_id(record.foreign_id, record.foreign_id_state)
    raise CertificateRecordError(reason="identity_missing")


def invited_person(session: Session, session_reference: str) -> Person | None:
    """The person whose invitation started this verification session, if any."""
    return session.scalars(
        select(Person)
        .join(Invitation, Invitation.person_id == Person.id)
        .join(InvitationSession, InvitationSession.invitation_id == Invitation.id)
        .where(InvitationSession.session_reference == session_reference)
    ).one_or_none()


def register_subject(person: Person) -> RegisterSubject:
    national = person.id_value if person.id_scheme == IdScheme.NORWEGIAN.value else None
    birth: date | None = person.birth_date
    if birth is None and national is not None:
        birth = validate_norwegian_id(national).birth_date
    return RegisterSubject(national_id=national, full_name=person.full_name, birth_date=birth)


def _holder_alias(holder: HolderFacts) -> PersonId | None:
    if not holder.document_number or holder.document_issuing_state == "NOR":
        return None
    return document_alias(
        holder.document_number, holder.document_issuing_state, holder.document_type
    )


def decide_for(session: Session, person: Person, holder: HolderFacts) -> IdentityLink:
    subject = register_subject(person)
    decision = decide_link(
        subject,
        DocumentHolder(
            national_id=holder.national_id,
            surname=holder.surname,
            given_names=holder.given_names,
            birth_date=holder.birth_date,
            name_truncated=holder.name_truncated,
            document_owner=document_owner(session, person, _holder_alias(holder)),
        ),
    )
    birth = subject.birth_date
    return IdentityLink(
        outcome=decision.outcome.value,
        reasons=[reason.value for reason in decision.reasons],
        session_reason=decision.session_reason,
        differences=list(decision.differences),
        register_full_name=subject.full_name,
        register_birth_date=birth.isoformat() if isinstance(birth, date) else birth,
    )


def link_identity(session: Session, session_reference: str, holder: HolderFacts) -> IdentityLink:
    person = invited_person(session, session_reference)
    if person is None:
        return IdentityLink(outcome="no_invitation")
    return decide_for(session, person, holder)


def _subject(
    session: Session, clock: Clock, settings: RegisterSettings, record: CertificateRecord
) -> Person:
    """Whom the certificate is about: the invited person (never a second one), linked by
    the engine or approved by a reviewer; without an invitation, the identity fields."""
    invited = invited_person(session, record.session_reference)
    if invited is None:
        return get_or_create_person(session, clock, _identity(record, settings))
    if record.reviewed_by is None:
        link = decide_for(session, invited, record.holder or HolderFacts())
        if link.outcome != LinkOutcome.LINK.value:
            raise CertificateRecordError(reason="identity_not_linked")
    return invited


def record_certificate(
    session: Session, clock: Clock, settings: RegisterSettings, record: CertificateRecord
) -> CertificateReceipt:
    """Record a confirmed certificate; the caller commits. Idempotent per session."""
    existing = session.scalars(
        select(Certificate).where(Certificate.session_reference == record.session_reference)
    ).one_or_none()
    if existing is not None:
        return receipt_of(existing, created=False, fulfilled=0)
    now = clock.now()
    certified_at = record.certified_at
    if certified_at.tzinfo is None or certified_at > now + timedelta(
        seconds=settings.clock_skew_seconds
    ):
        raise CertificateRecordError(reason="certified_at")
    if not _CODE.match(record.document_issuing_state):
        raise CertificateRecordError(reason="document_issuing_state")
    person = _subject(session, clock, settings, record)
    alias = _holder_alias(record.holder) if record.holder is not None else None
    if alias is not None:
        record_alias(session, clock, person, alias)
    written = store_certificate(
        session,
        person,
        Certificate(
            certified_at=certified_at,
            document_type=record.document_type,
            issuing_state=record.document_issuing_state,
            method=record.method,
            session_reference=record.session_reference,
            recorded_at=now,
        ),
    )
    if written is None:
        existing = session.scalars(
            select(Certificate).where(Certificate.session_reference == record.session_reference)
        ).one_or_none()
        if existing is not None:  # recorded concurrently by a retried job
            return receipt_of(existing, created=False, fulfilled=0)
        raise CertificateRecordError(reason="certificate_conflict")
    cert, replaced = written
    if not replaced:  # the person already has a newer certificate: nothing to change
        return receipt_of(cert, created=False, fulfilled=0)
    # the name the verified document states becomes the register's when it had none, or
    # when a reviewer accepted a difference (a change by marriage, say)
    if person.full_name is None or record.reviewed_by is not None:
        person.full_name = record.full_name
    if person.birth_date is None and record.birth_date is not None:
        person.birth_date = record.birth_date
    person.updated_at = now
    # the person confirmed life through the digital service themself: an objection lapses
    person.objected_at = None
    fulfilled = fulfil_open_requests(session, clock, person.id, cert.id)
    emit_changes(session, clock, [person.id], "certificate")
    return receipt_of(cert, created=True, fulfilled=fulfilled)


def _open_request(invitation_id: Any) -> Exists:
    """Whether a request of the invitation is still outstanding."""
    return exists().where(
        CertificateRequest.invitation_id == invitation_id,
        CertificateRequest.fulfilled_at.is_(None),
    )


def lookup_invitation(session: Session, clock: Clock, reference: str) -> InvitationInfo | None:
    row = session.execute(
        select(Invitation, Person, _open_request(Invitation.id))
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.reference == reference)
    ).one_or_none()
    if row is None:
        return None
    invitation, person, is_open = row
    sessions = session.scalars(
        select(InvitationSession.session_reference)
        .where(InvitationSession.invitation_id == invitation.id)
        .order_by(InvitationSession.started_at, InvitationSession.id)
    ).all()
    return InvitationInfo(
        reference=invitation.reference,
        person=person_json(person),
        full_name=person.full_name,
        deadline=invitation.deadline,
        open=bool(is_open),
        expired=invitation.deadline < clock.today(),
        sessions=list(sessions),
    )


def start_invitation_session(
    session: Session, clock: Clock, reference: str, session_reference: str, *, per_day: int
) -> SessionStart:
    """Record a session started from the invitation, if it is still valid and the day's
    limit is not reached. The invitation row is locked first, so two phones scanning the
    same letter at once are counted one after the other (no read-then-write race)."""
    invitation = session.scalars(
        select(Invitation).where(Invitation.reference == reference).with_for_update()
    ).one_or_none()
    if invitation is None:
        return SessionStart.UNKNOWN
    is_open = session.scalar(select(_open_request(invitation.id)))
    if not is_open or invitation.deadline < clock.today():
        return SessionStart.CLOSED
    now = clock.now()
    day_start = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    today = session.scalar(
        select(func.count())
        .select_from(InvitationSession)
        .where(
            InvitationSession.invitation_id == invitation.id,
            InvitationSession.started_at >= day_start,
        )
    )
    if (today or 0) >= per_day:
        return SessionStart.DAILY_LIMIT
    session.add(
        InvitationSession(
            invitation_id=invitation.id, session_reference=session_reference, started_at=now
        )
    )
    session.flush()
    return SessionStart.STARTED


class InProcessRegisterClient:
    """``RegisterClient`` over the register database; each call commits its own work."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        settings: RegisterSettings,
        keys: RegisterKeys | None = None,
    ) -> None:
        self._sessions, self._clock, self._settings = session_factory, clock, settings
        self._keys = keys  # the register's signing keys: loaded when first needed

    @property
    def keys(self) -> RegisterKeys:
        if self._keys is None:
            self._keys = RegisterKeys.from_settings(self._settings)
        return self._keys

    @contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def record_certificate(self, record: CertificateRecord) -> CertificateReceipt:
        with self._unit_of_work() as session:
            return record_certificate(session, self._clock, self._settings, record)

    def lookup_invitation(self, reference: str) -> InvitationInfo | None:
        with self._unit_of_work() as session:
            return lookup_invitation(session, self._clock, reference)

    def start_invitation_session(
        self, reference: str, session_reference: str, *, per_day: int
    ) -> SessionStart:
        with self._unit_of_work() as session:
            return start_invitation_session(
                session, self._clock, reference, session_reference, per_day=per_day
            )

    def link_identity(self, session_reference: str, holder: HolderFacts) -> IdentityLink:
        with self._unit_of_work() as session:
            return link_identity(session, session_reference, holder)

    def record_manual_certificate(self, manual: ManualCertificate) -> CertificateReceipt:
        pid = person_id_from_json(
            manual.person, accept_synthetic=self._settings.accept_synthetic_ids
        )
        with self._unit_of_work() as session:
            return record_manual_certificate(
                session,
                self._clock,
                pid,
                certified_on=manual.certified_on,
                paper_reference=manual.paper_reference,
                recorded_by=manual.recorded_by,
                kind=manual.kind,
                issuing_state=manual.issuing_state,
                secret=self._settings.secret.get_secret_value(),
            )

    def access_report(self, reference: str, birth_date: date) -> dict[str, Any] | None:
        """The person's own report with the disclosure proof (``register.subject_access``),
        for the pensioner's pages: the letter's reference and the birth date are the proof
        of possession; None alike for every way they do not fit."""
        with self._unit_of_work() as session:
            report = access_report(
                session,
                self._clock,
                self._settings,
                self.keys,
                reference=reference,
                birth_date=birth_date,
                caller=SERVICE_CALLER,
            )
            if report is None:
                record_audit(
                    session,
                    self._clock,
                    action="person:subject_access:refused",
                    code="register_not_found",
                    client_id=SERVICE_CALLER,
                )
            return report

    def remember_letter_language(self, reference: str, language: str) -> bool:
        with self._unit_of_work() as session:
            return remember_letter_language(session, self._clock, reference, language)

    def record_objection(self, reference: str, recorded_by: str) -> bool:
        """The objection the invited person of ``reference`` filed (handled by a person in
        the ops console): their data is removed, companies are told to use a manual
        certificate; the letter keeps opening "my data" until retention. Audited
        (``operator:person:objection_recorded``, keyed fingerprint and operator)."""
        with self._unit_of_work() as session:
            person = person_of_letter(session, reference)
            if person is None:
                return False
            pid = person_id_from_ref(person_ref(person))
            secret = self._settings.secret.get_secret_value()
            record_audit(
                session,
                self._clock,
                action="operator:person:objection_recorded",
                code="ok",
                subject_fp=subject_fingerprint(secret, pid.ref),
                detail={"recorded_by": recorded_by},
            )
            return record_objection(session, self._clock, pid, keep_letters=True)
