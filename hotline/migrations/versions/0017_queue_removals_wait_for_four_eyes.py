"""removing a queue the policy routed a case to waits for a second officer

``disclosure_queues.routed_by_policy`` tells the queues the policy chose
(existing rows count as chosen: the cautious reading, since nothing recorded
which were added by rerouting) from those an officer added; ``queue_removals``
holds the requests that wait for approval.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a server default, never a batch copy (see 0009).
    op.add_column(
        "disclosure_queues",
        sa.Column("routed_by_policy", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        "queue_removals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("disclosure_id", sa.String(length=32), nullable=False),
        sa.Column("queue_slug", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_through", sa.String(length=512), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_queue_removals_disclosure_id_disclosures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_slug"], ["queues.slug"], name=op.f("fk_queue_removals_queue_slug_queues")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["officers.id"], name=op.f("fk_queue_removals_requested_by_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_removals")),
        sa.UniqueConstraint(
            "disclosure_id", "queue_slug", name=op.f("uq_queue_removals_disclosure_id")
        ),
    )
    op.create_index(
        op.f("ix_queue_removals_disclosure_id"), "queue_removals", ["disclosure_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_queue_removals_disclosure_id"), table_name="queue_removals")
    op.drop_table("queue_removals")
    op.drop_column("disclosure_queues", "routed_by_policy")
