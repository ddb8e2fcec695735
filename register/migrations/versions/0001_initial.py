"""Initial register schema: companies and keys, persons, certificates, requests,
invitations, pension relationships, change events, disclosure log, audit, heads.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assertion_jtis",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "jti", name=op.f("pk_assertion_jtis")),
    )
    op.create_index(
        op.f("ix_assertion_jtis_expires_at"), "assertion_jtis", ["expires_at"], unique=False
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("subject_fp", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_client_id"), "audit_events", ["client_id"], unique=False)
    op.create_index(
        op.f("ix_audit_events_created_at"), "audit_events", ["created_at"], unique=False
    )

    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("client_id", name=op.f("uq_companies_client_id")),
    )
    op.create_table(
        "disclosure_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("relationship_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("statement_sha256", sa.String(length=64), nullable=False),
        sa.Column("subject_commitment", sa.String(length=64), nullable=False),
        sa.Column("subject_salt", sa.String(length=32), nullable=True),
        sa.Column("subject_ref", sa.String(length=80), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_disclosure_log")),
    )
    op.create_index(
        op.f("ix_disclosure_log_client_id"), "disclosure_log", ["client_id"], unique=False
    )
    op.create_index(
        op.f("ix_disclosure_log_created_at"), "disclosure_log", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_disclosure_log_subject_ref"), "disclosure_log", ["subject_ref"], unique=False
    )

    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_scheme", sa.String(length=10), nullable=False),
        sa.Column("id_state", sa.String(length=3), nullable=False),
        sa.Column("id_value", sa.String(length=40), nullable=False),
        sa.Column("id_kind", sa.String(length=20), nullable=False),
        sa.Column("full_name", sa.String(length=300), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("objected_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("id_scheme", "id_state", "id_value", name="uq_persons_identity"),
    )
    op.create_index(op.f("ix_persons_updated_at"), "persons", ["updated_at"], unique=False)

    heads = op.create_table(
        "register_heads",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_register_heads")),
    )
    # one locked row per counter (register.heads): change-event ids, disclosure chain head
    op.bulk_insert(
        heads,
        [
            {"name": "change_events", "last_id": 0, "last_hash": None},
            {"name": "disclosure_log", "last_id": 0, "last_hash": "0" * 64},
        ],
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("certified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("issuing_state", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("session_reference", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_certificates_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("session_reference", name=op.f("uq_certificates_session_reference")),
    )
    op.create_index(
        op.f("ix_certificates_certified_at"), "certificates", ["certified_at"], unique=False
    )
    op.create_index(
        "ix_certificates_person_certified",
        "certificates",
        ["person_id", "certified_at"],
        unique=False,
    )

    op.create_table(
        "change_events",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_change_events_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_events")),
    )
    op.create_index(
        op.f("ix_change_events_person_id"), "change_events", ["person_id"], unique=False
    )

    op.create_table(
        "company_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=100), nullable=False),
        sa.Column("jwk", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_keys_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_keys")),
        sa.UniqueConstraint("company_id", "kid", name="uq_company_keys_company_kid"),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_reference", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_invitations_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("reference", name=op.f("uq_invitations_reference")),
    )
    op.create_index(op.f("ix_invitations_person_id"), "invitations", ["person_id"], unique=False)

    op.create_table(
        "pension_relationships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("agreement_reference", sa.String(length=100), nullable=False),
        sa.Column("evidence_jws", sa.Text(), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("latest_payment_period", sa.String(length=7), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_pension_relationships_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_pension_relationships_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pension_relationships")),
        sa.UniqueConstraint(
            "company_id", "person_id", "agreement_reference", name="uq_pension_relationships_key"
        ),
    )
    op.create_index(
        "ix_pension_relationships_company_valid",
        "pension_relationships",
        ["company_id", "valid_to"],
        unique=False,
    )
    op.create_index(
        "ix_pension_relationships_person_company",
        "pension_relationships",
        ["person_id", "company_id", "valid_to"],
        unique=False,
    )

    op.create_table(
        "certificate_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("schedule", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("last_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "company_id IS NOT NULL OR schedule IS NOT NULL",
            name=op.f("ck_certificate_requests_requester_present"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_requests_certificate_id_certificates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_certificate_requests_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_certificate_requests_invitation_id_invitations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_certificate_requests_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_requests")),
    )
    op.create_index(
        op.f("ix_certificate_requests_company_id"),
        "certificate_requests",
        ["company_id"],
        unique=False,
    )
    op.create_index(
        "ix_certificate_requests_person_open",
        "certificate_requests",
        ["person_id", "fulfilled_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_certificate_requests_person_open", table_name="certificate_requests")
    op.drop_index(op.f("ix_certificate_requests_company_id"), table_name="certificate_requests")

    op.drop_table("certificate_requests")
    op.drop_index("ix_pension_relationships_person_company", table_name="pension_relationships")
    op.drop_index("ix_pension_relationships_company_valid", table_name="pension_relationships")

    op.drop_table("pension_relationships")
    op.drop_index(op.f("ix_invitations_person_id"), table_name="invitations")

    op.drop_table("invitations")
    op.drop_table("company_keys")
    op.drop_index(op.f("ix_change_events_person_id"), table_name="change_events")

    op.drop_table("change_events")
    op.drop_index("ix_certificates_person_certified", table_name="certificates")
    op.drop_index(op.f("ix_certificates_certified_at"), table_name="certificates")

    op.drop_table("certificates")
    op.drop_table("register_heads")
    op.drop_index(op.f("ix_persons_updated_at"), table_name="persons")

    op.drop_table("persons")
    op.drop_index(op.f("ix_disclosure_log_subject_ref"), table_name="disclosure_log")
    op.drop_index(op.f("ix_disclosure_log_created_at"), table_name="disclosure_log")
    op.drop_index(op.f("ix_disclosure_log_client_id"), table_name="disclosure_log")

    op.drop_table("disclosure_log")
    op.drop_table("companies")
    op.drop_index(op.f("ix_audit_events_created_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_client_id"), table_name="audit_events")

    op.drop_table("audit_events")
    op.drop_index(op.f("ix_assertion_jtis_expires_at"), table_name="assertion_jtis")

    op.drop_table("assertion_jtis")
