"""Tiles of the disclosure log's Merkle tree (issue 15: a person's access report read
every entry's hash; at millions of entries it reads O(log n) tiles and one tile's
entries instead).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disclosure_tree_tiles",
        sa.Column("height", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("height", "index", name=op.f("pk_disclosure_tree_tiles")),
    )


def downgrade() -> None:
    op.drop_table("disclosure_tree_tiles")
