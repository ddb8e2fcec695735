"""Initial leveattest schema: sessions, nonces, uploads, check results, deletion receipts, jobs.

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
        "verification_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("expected_person_fp", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("consent_notice_version", sa.String(length=20), nullable=True),
        sa.Column("consent_language", sa.String(length=8), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("advice", sa.JSON(), nullable=False),
        sa.Column("document_type", sa.String(length=4), nullable=True),
        sa.Column("document_issuing_state", sa.String(length=3), nullable=True),
        sa.Column("person_facts", sa.JSON(), nullable=True),
        sa.Column("register_certificate_id", sa.Integer(), nullable=True),
        sa.Column("register_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("biometrics_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_verification_sessions_token_hash")),
    )
    with op.batch_alter_table("verification_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_sessions_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_verification_sessions_state"), ["state"], unique=False)

    op.create_table(
        "attempt_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.Column("challenge", sa.JSON(), nullable=True),
        sa.Column("challenge_id", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["verification_sessions.id"],
            name=op.f("fk_attempt_nonces_session_id_verification_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_nonces")),
    )
    with op.batch_alter_table("attempt_nonces", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempt_nonces_session_attempt", ["session_id", "attempt"], unique=False
        )

    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=60), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["verification_sessions.id"],
            name=op.f("fk_check_results_session_id_verification_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
    )
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_results_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "deletion_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("keys_destroyed", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["verification_sessions.id"],
            name=op.f("fk_deletion_receipts_session_id_verification_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_receipts")),
    )
    with op.batch_alter_table("deletion_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deletion_receipts_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "leveattest_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_token", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=60), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["verification_sessions.id"],
            name=op.f("fk_leveattest_jobs_session_id_verification_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leveattest_jobs")),
        sa.UniqueConstraint("kind", "session_id", "attempt", name=op.f("uq_leveattest_jobs_kind")),
    )
    with op.batch_alter_table("leveattest_jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leveattest_jobs_status_run_after", ["status", "run_after"], unique=False
        )

    op.create_table(
        "session_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("captured_at_ms", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["verification_sessions.id"],
            name=op.f("fk_session_uploads_session_id_verification_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_uploads")),
        sa.UniqueConstraint(
            "session_id", "attempt", "slot", name=op.f("uq_session_uploads_session_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("session_uploads")
    with op.batch_alter_table("leveattest_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_leveattest_jobs_status_run_after")

    op.drop_table("leveattest_jobs")
    with op.batch_alter_table("deletion_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_receipts_session_id"))

    op.drop_table("deletion_receipts")
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_results_session_id"))

    op.drop_table("check_results")
    with op.batch_alter_table("attempt_nonces", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_nonces_session_attempt")

    op.drop_table("attempt_nonces")
    with op.batch_alter_table("verification_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_sessions_state"))
        batch_op.drop_index(batch_op.f("ix_verification_sessions_created_at"))

    op.drop_table("verification_sessions")
