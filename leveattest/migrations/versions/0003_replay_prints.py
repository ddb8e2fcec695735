"""Liveness replay prints: perceptual hashes of earlier captures, per person.

Shared by every worker process (the in-memory index of one process missed replays that
another worker had seen) and scoped to the invited person, so that a genuine capture of
one pensioner is never compared with another pensioner's.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay_prints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("frame_hashes", sa.JSON(), nullable=False),
        sa.Column("face_hashes", sa.JSON(), nullable=False),
        sa.Column("selfie_hash", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replay_prints")),
    )
    with op.batch_alter_table("replay_prints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replay_prints_scope"), ["scope"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_replay_prints_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_replay_prints_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("replay_prints")
