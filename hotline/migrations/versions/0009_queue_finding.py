"""the queue finds cases: last activity, and indexes for seek pagination

The queue sorts by received date, next deadline and last activity, and pages by
seeking past the last row shown instead of counting and skipping rows. Each
sort needs an index in its own order; "assigned to me" needs one too. Existing
cases take the day of their latest message as their last activity (the day
they were received if they have none).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, never a batch copy: on SQLite a batch would recreate
    # disclosures, and dropping the old table cascades to its messages and queues.
    op.add_column("disclosures", sa.Column("last_activity_on", sa.Date(), nullable=True))
    op.execute(
        "UPDATE disclosures SET last_activity_on = coalesce("
        "(SELECT max(messages.created_on) FROM messages"
        " WHERE messages.disclosure_id = disclosures.id), received_on)"
    )
    op.create_index(
        "ix_disclosures_activity_id",
        "disclosures",
        [sa.text("coalesce(last_activity_on, received_on)"), "id"],
    )
    op.create_index(
        "ix_disclosures_due_id",
        "disclosures",
        [sa.text("coalesce(feedback_due, acknowledgement_due)"), "id"],
    )
    op.create_index(
        "ix_disclosures_assigned_received",
        "disclosures",
        ["assigned_officer_id", "received_on", "id"],
    )

    op.create_index(
        "ix_disclosures_reference_prefix",
        "disclosures",
        ["reference"],
        postgresql_ops={"reference": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_disclosures_reference_prefix", table_name="disclosures")
    op.drop_index("ix_disclosures_assigned_received", table_name="disclosures")
    op.drop_index("ix_disclosures_due_id", table_name="disclosures")
    op.drop_index("ix_disclosures_activity_id", table_name="disclosures")
    op.drop_column("disclosures", "last_activity_on")
