"""Outcomes reach the pensioner (notification outbox, deadline passed) and uploads keep
a keyed MAC instead of a plain SHA-256 (which would link a session to the passport).

Existing plain hashes are dropped, not converted (the key is not available here): an
upload row without a MAC is treated as different bytes on a repeated upload.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verification_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deadline_passed_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("session_uploads", schema=None) as batch_op:
        batch_op.drop_column("sha256")
        batch_op.add_column(sa.Column("content_mac", sa.String(length=64), nullable=True))
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["verification_sessions.id"],
            name=op.f("fk_notification_outbox_session_id_verification_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint(
            "session_id", "outcome", name=op.f("uq_notification_outbox_session_id")
        ),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_outbox_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_outbox_created_at"))
    op.drop_table("notification_outbox")
    with op.batch_alter_table("session_uploads", schema=None) as batch_op:
        batch_op.drop_column("content_mac")
        batch_op.add_column(
            sa.Column("sha256", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("verification_sessions", schema=None) as batch_op:
        batch_op.drop_column("deadline_passed_at")
