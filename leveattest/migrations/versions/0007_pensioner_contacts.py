"""The e-mail address a pensioner may give for the outcome (issue 13), sealed, one per
session, deleted with the session or as soon as the outcome e-mail was sent.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pensioner_contacts",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("email_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["verification_sessions.id"],
            name=op.f("fk_pensioner_contacts_session_id_verification_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_pensioner_contacts")),
    )


def downgrade() -> None:
    op.drop_table("pensioner_contacts")
