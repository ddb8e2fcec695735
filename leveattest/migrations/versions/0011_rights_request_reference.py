"""Rights requests keep the letter's reference sealed, so that an objection can be recorded
in the register from the ops console (issue 13, item 4).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("objection_recorded_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.drop_column("objection_recorded_at")
        batch_op.drop_column("reference_sealed")
