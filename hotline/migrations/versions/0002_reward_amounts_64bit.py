"""reward amounts as 64-bit integers

A 32-bit integer holds at most 2,147,483,647 minor units (about 21 million
major units); penalties and interest collected in one case can exceed that.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = ("collected_minor", "reward_minor")


def upgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(
                column, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True
            )


def downgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(
                column, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True
            )
