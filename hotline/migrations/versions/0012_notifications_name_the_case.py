"""notifications name the case and the kind; officers may take a daily digest

An outbox row now points at the case it is about (its reference and kind go in
the e-mail, never its content), and an officer may choose one e-mail a day
instead of one per batch. Old rows keep no case and read as "new activity".

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # notifications may be batch-copied on SQLite (it needs that for a foreign
    # key): nothing references it. officers is referenced: plain ADD COLUMNs (see 0009).
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("disclosure_id", sa.String(32), nullable=True))
        batch.create_foreign_key(
            "fk_notifications_disclosure_id_disclosures",
            "disclosures",
            ["disclosure_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.add_column(
        "officers",
        sa.Column("notify_digest", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("officers", sa.Column("digest_sent_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("digest_sent_on")
        batch.drop_column("notify_digest")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("fk_notifications_disclosure_id_disclosures", type_="foreignkey")
        batch.drop_column("disclosure_id")
