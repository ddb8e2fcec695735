"""Requests whose deadline passed unfulfilled are marked once by the scheduled deadline
job (issue 12, item 3): companies then see ``outstanding_request.state =
deadline_passed`` and the changes feed announces it once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
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
    with op.batch_alter_table("certificate_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deadline_passed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate_requests", schema=None) as batch_op:
        batch_op.drop_column("deadline_passed_at")
