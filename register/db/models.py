"""The register's tables (SQLAlchemy 2 typed models).

Ids of ``change_events`` and ``disclosure_log`` are allocated under a row lock on
``register_heads`` (see ``register.heads``), so their order is commit order: a changes
cursor never skips an event committed late, and the hash chain has no forks.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from register.db.base import Base, UTCDateTime


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, granted scopes
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CompanyKey(Base):
    __tablename__ = "company_keys"
    __table_args__ = (UniqueConstraint("company_id", "kid", name="uq_company_keys_company_kid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kid: Mapped[str] = mapped_column(String(100))
    jwk: Mapped[str] = mapped_column(Text)  # public JWK as JSON
    status: Mapped[str] = mapped_column(String(10))  # active | retired
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AssertionJti(Base):
    """Replay cache for client assertions (RFC 7523 §3, item 7): kept until exp + skew."""

    __tablename__ = "assertion_jtis"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("id_scheme", "id_state", "id_value", name="uq_persons_identity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_scheme: Mapped[str] = mapped_column(String(10))  # no | foreign
    id_state: Mapped[str] = mapped_column(String(3))
    id_value: Mapped[str] = mapped_column(String(40))
    id_kind: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    objected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # the language the person chose on the pensioner's pages, for the next letters
    letter_language: Mapped[str | None] = mapped_column(String(8), nullable=True)


class PersonAlias(Base):
    """Another identifier of a person: a verified travel document (type, issuing state,
    number) linked through an invitation (docs/identity.md). Looked up like a foreign id,
    so a company that knows the person by that document finds the same person."""

    __tablename__ = "person_aliases"
    __table_args__ = (
        UniqueConstraint("id_scheme", "id_state", "id_value", name="uq_person_aliases_identity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    id_scheme: Mapped[str] = mapped_column(String(10))
    id_state: Mapped[str] = mapped_column(String(3))
    id_value: Mapped[str] = mapped_column(String(40))
    id_kind: Mapped[str] = mapped_column(String(20))  # the document type, e.g. P, ID
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Certificate(Base):
    """The person's last life certificate (one row per person; a newer one replaces it)."""

    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_person_certified", "person_id", "certified_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), unique=True
    )
    certified_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    document_type: Mapped[str] = mapped_column(String(20))
    issuing_state: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(40))
    session_reference: Mapped[str] = mapped_column(String(100), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # a manual certificate: the paper's reference and the operator who recorded it
    paper_reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Invitation(Base):
    """A letter's QR code: valid while one of its requests is open and its deadline has
    not passed; every session started from it is in ``invitation_sessions``."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[date] = mapped_column(Date)


class InvitationSession(Base):
    """A verification session started from an invitation (the latest is the current one)."""

    __tablename__ = "invitation_sessions"
    __table_args__ = (Index("ix_invitation_sessions_started", "invitation_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    session_reference: Mapped[str] = mapped_column(String(100), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CertificateRequest(Base):
    __tablename__ = "certificate_requests"
    __table_args__ = (
        CheckConstraint("company_id IS NOT NULL OR schedule IS NOT NULL", name="requester_present"),
        Index("ix_certificate_requests_person_open", "person_id", "fulfilled_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), nullable=True, index=True
    )
    schedule: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[date] = mapped_column(Date)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # set once by the scheduled deadline job when the deadline passed unfulfilled
    deadline_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), nullable=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), nullable=True
    )


class Relationship(Base):
    """A pension relationship proven by a payment statement signed by the company."""

    __tablename__ = "pension_relationships"
    __table_args__ = (
        UniqueConstraint(
            "company_id", "person_id", "agreement_reference", name="uq_pension_relationships_key"
        ),
        Index("ix_pension_relationships_person_company", "person_id", "company_id", "valid_to"),
        Index("ix_pension_relationships_company_valid", "company_id", "valid_to"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    agreement_reference: Mapped[str] = mapped_column(String(100))
    # the document alias the company knows the person by (None: the person's own identifier)
    alias_id: Mapped[int | None] = mapped_column(
        ForeignKey("person_aliases.id", ondelete="CASCADE"), nullable=True
    )
    evidence_jws: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    latest_payment_period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChangeEvent(Base):
    __tablename__ = "change_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DisclosureEntry(Base):
    """Append-only, hash-chained: entry_hash = sha256(prev_hash || canonical content).

    The person is in the content only as ``subject_commitment`` = sha256(salt || ref); no
    plain identifier is stored. ``subject_key`` (an HMAC of the identifier under the
    register secret) lets the person's report find the entries; retention drops it and
    the salt, and the chain still verifies.
    """

    __tablename__ = "disclosure_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    relationship_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    statement_sha256: Mapped[str] = mapped_column(String(64))
    subject_commitment: Mapped[str] = mapped_column(String(64))
    subject_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    subject_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class DisclosureTreeTile(Base):
    """The hash of a perfect subtree of the disclosure log's Merkle tree: ``2**height``
    leaves from leaf ``index * 2**height`` (``register.log_tree``). The log is append-only,
    so a tile never changes once its leaves exist; an access report reads tiles instead
    of every entry's hash."""

    __tablename__ = "disclosure_tree_tiles"

    height: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditEvent(Base):
    """Refusals and other security events; persons appear only as keyed fingerprints."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    action: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(80))
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    subject_fp: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class Head(Base):
    """Counters and chain heads, one locked row each (``change_events``, ``disclosure_log``)."""

    __tablename__ = "register_heads"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
