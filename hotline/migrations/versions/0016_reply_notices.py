"""reporters who agreed are told, without content, that an officer replied

A new table only: cases filed before this revision have no row, so their
reporters are told nothing, as before.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_notices",
        sa.Column("disclosure_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("sealed_address", sa.LargeBinary(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_reply_notices_disclosure_id_disclosures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("disclosure_id", name=op.f("pk_reply_notices")),
    )
    op.create_index(op.f("ix_reply_notices_pending"), "reply_notices", ["pending"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reply_notices_pending"), table_name="reply_notices")
    op.drop_table("reply_notices")
