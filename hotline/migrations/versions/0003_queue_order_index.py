"""an index for the officer's queue, newest case first

The queue page lists cases by received date, newest first. Without an index
PostgreSQL sorted every visible case to show fifty; read backwards, this index
yields them in order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_disclosures_received_id", "disclosures", ["received_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_disclosures_received_id", table_name="disclosures")
