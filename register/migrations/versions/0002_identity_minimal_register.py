"""Identity linking and a register that holds what the notice says (issue 12, items 1, 2,
5, 6): document aliases, the identifier a company knows a person by, one certificate per
person (manual ones with their paper reference and operator), the sessions started from
an invitation, and a keyed lookup instead of a plain identifier in the disclosure log.

Data: older certificates of a person are deleted (only the last is kept); each used
invitation's session moves to ``invitation_sessions``; ``disclosure_log.subject_ref`` is
replaced by ``subject_key`` = HMAC of the same reference under the register secret
(``LEVEATTEST_REGISTER__SECRET``, as the running register reads it), so the person's
report still finds the entries. Downgrading cannot bring back deleted certificates or the
plain references (the key is one-way): ``subject_ref`` comes back empty.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from register.disclosure import subject_key
from register.settings import load_register_settings

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("id_scheme", sa.String(length=10), nullable=False),
        sa.Column("id_state", sa.String(length=3), nullable=False),
        sa.Column("id_value", sa.String(length=40), nullable=False),
        sa.Column("id_kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_aliases_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_aliases")),
        sa.UniqueConstraint("id_scheme", "id_state", "id_value", name="uq_person_aliases_identity"),
    )
    op.create_index(
        op.f("ix_person_aliases_person_id"), "person_aliases", ["person_id"], unique=False
    )
    with op.batch_alter_table("pension_relationships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alias_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_pension_relationships_alias_id_person_aliases"),
            "person_aliases",
            ["alias_id"],
            ["id"],
            ondelete="CASCADE",
        )

    bind = op.get_bind()
    # only the last certificate per person is kept
    op.execute(
        "DELETE FROM certificates WHERE EXISTS (SELECT 1 FROM certificates newer "
        "WHERE newer.person_id = certificates.person_id "
        "AND (newer.certified_at > certificates.certified_at "
        "OR (newer.certified_at = certificates.certified_at AND newer.id > certificates.id)))"
    )
    # SQLite rebuilds a table to drop a column (batch mode), and dropping the old table
    # fires the ON DELETE actions of the foreign keys pointing at it: the requests' links
    # to their certificate and invitation are kept aside and put back afterwards
    links = [
        dict(row._mapping)
        for row in bind.execute(
            sa.text(
                "SELECT id, certificate_id, invitation_id FROM certificate_requests "
                "WHERE certificate_id IS NOT NULL OR invitation_id IS NOT NULL"
            )
        )
    ]
    used = [
        dict(row._mapping)
        for row in bind.execute(
            sa.text(
                "SELECT id AS invitation_id, session_reference, used_at AS started_at "
                "FROM invitations WHERE used_at IS NOT NULL AND session_reference IS NOT NULL"
            )
        )
    ]
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("outcome")
        batch_op.add_column(sa.Column("paper_reference", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("recorded_by", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_certificates_person_id"), ["person_id"])

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("used_at")
        batch_op.drop_column("session_reference")

    op.create_table(
        "invitation_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("session_reference", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_invitation_sessions_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_sessions")),
        sa.UniqueConstraint(
            "session_reference", name=op.f("uq_invitation_sessions_session_reference")
        ),
    )
    op.create_index(
        "ix_invitation_sessions_started",
        "invitation_sessions",
        ["invitation_id", "started_at"],
        unique=False,
    )
    if used:
        bind.execute(
            sa.text(
                "INSERT INTO invitation_sessions (invitation_id, session_reference, started_at) "
                "VALUES (:invitation_id, :session_reference, :started_at)"
            ),
            used,
        )
    if links:
        bind.execute(
            sa.text(
                "UPDATE certificate_requests SET certificate_id = :certificate_id, "
                "invitation_id = :invitation_id WHERE id = :id"
            ),
            links,
        )

    with op.batch_alter_table("disclosure_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_key", sa.String(length=64), nullable=True))
    secret = load_register_settings().secret.get_secret_value()
    refs: list[str] = list(
        bind.execute(
            sa.text("SELECT DISTINCT subject_ref FROM disclosure_log WHERE subject_ref IS NOT NULL")
        ).scalars()
    )
    for ref in refs:
        bind.execute(
            sa.text("UPDATE disclosure_log SET subject_key = :key WHERE subject_ref = :ref"),
            {"key": subject_key(secret, ref), "ref": ref},
        )
    with op.batch_alter_table("disclosure_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_log_subject_ref"))
        batch_op.drop_column("subject_ref")
        batch_op.create_index(batch_op.f("ix_disclosure_log_subject_key"), ["subject_key"])


def downgrade() -> None:
    with op.batch_alter_table("disclosure_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_log_subject_key"))
        batch_op.add_column(sa.Column("subject_ref", sa.String(length=80), nullable=True))
        batch_op.drop_column("subject_key")
        batch_op.create_index(batch_op.f("ix_disclosure_log_subject_ref"), ["subject_ref"])

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("session_reference", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE invitations SET "
        "used_at = (SELECT MAX(s.started_at) FROM invitation_sessions s "
        "WHERE s.invitation_id = invitations.id), "
        "session_reference = (SELECT s.session_reference FROM invitation_sessions s "
        "WHERE s.invitation_id = invitations.id ORDER BY s.started_at DESC LIMIT 1)"
    )
    op.drop_index("ix_invitation_sessions_started", table_name="invitation_sessions")
    op.drop_table("invitation_sessions")

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_certificates_person_id"), type_="unique")
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("paper_reference")
        batch_op.add_column(
            sa.Column("outcome", sa.String(length=20), nullable=False, server_default="confirmed")
        )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.alter_column("outcome", server_default=None)

    with op.batch_alter_table("pension_relationships", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_pension_relationships_alias_id_person_aliases"), type_="foreignkey"
        )
        batch_op.drop_column("alias_id")
    op.drop_index(op.f("ix_person_aliases_person_id"), table_name="person_aliases")
    op.drop_table("person_aliases")
