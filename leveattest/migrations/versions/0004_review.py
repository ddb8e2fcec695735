"""Review console: staff accounts and sessions, claims, rejection proposals, audit trail.

On PostgreSQL the audit table refuses UPDATE and DELETE (a trigger): it is append-only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION review_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'review_audit_events is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER review_audit_events_append_only
  BEFORE UPDATE OR DELETE ON review_audit_events
  FOR EACH ROW EXECUTE FUNCTION review_audit_append_only();
"""


def _fk(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [target],
        name=op.f(f"fk_{table}_{column}_{target.split('.', maxsplit=1)[0]}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "review_accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("totp_secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("last_totp_step", sa.Integer(), nullable=True),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_review_accounts_username")),
    )
    op.create_table(
        "review_staff_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        _fk("account_id", "review_accounts.id", "review_staff_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_staff_sessions")),
    )
    with op.batch_alter_table("review_staff_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_staff_sessions_account_id"), ["account_id"], unique=False
        )
    op.create_table(
        "review_claims",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        _fk("account_id", "review_accounts.id", "review_claims"),
        _fk("session_id", "verification_sessions.id", "review_claims"),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_review_claims")),
    )
    op.create_table(
        "review_rejection_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("proposer_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolved_by", sa.String(length=32), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        _fk("session_id", "verification_sessions.id", "review_rejection_proposals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_rejection_proposals")),
    )
    with op.batch_alter_table("review_rejection_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_rejection_proposals_session_id"), ["session_id"], unique=False
        )
    op.create_table(
        "review_audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_audit_events")),
    )
    with op.batch_alter_table("review_audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_audit_events_action"), ["action"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(_APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(
            "DROP TRIGGER IF EXISTS review_audit_events_append_only ON review_audit_events;"
            "DROP FUNCTION IF EXISTS review_audit_append_only();"
        )
    op.drop_table("review_audit_events")
    op.drop_table("review_rejection_proposals")
    op.drop_table("review_claims")
    op.drop_table("review_staff_sessions")
    op.drop_table("review_accounts")
