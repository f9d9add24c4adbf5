"""emails_seen keeps only the Message-ID hash and the day it was seen

``emails_seen.disclosure_id`` was never written (the hash is recorded before the
case exists, so a retried delivery cannot file twice), and a column that could
tie an e-mail's Message-ID to its case should not exist at all. Retention purges
the hashes by ``seen_on``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emails_seen", schema=None) as batch_op:
        batch_op.drop_constraint("fk_emails_seen_disclosure_id_disclosures", type_="foreignkey")
        batch_op.drop_column("disclosure_id")


def downgrade() -> None:
    with op.batch_alter_table("emails_seen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disclosure_id", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            "fk_emails_seen_disclosure_id_disclosures",
            "disclosures",
            ["disclosure_id"],
            ["id"],
            ondelete="SET NULL",
        )
