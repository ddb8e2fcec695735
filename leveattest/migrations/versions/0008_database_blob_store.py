"""The blob store on the database (issue 15): wrapped data keys and sealed chunks, so API
nodes and workers on different machines need no shared disk. Used only when
``storage.backend`` is ``database``; empty otherwise.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blob_owners",
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_blob_owners")),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner"],
            ["blob_owners.owner"],
            name=op.f("fk_blob_chunks_owner_blob_owners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner", "name", "seq", name=op.f("pk_blob_chunks")),
    )


def downgrade() -> None:
    op.drop_table("blob_chunks")
    op.drop_table("blob_owners")
