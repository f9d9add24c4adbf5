"""who assessed and who approved a reward

Rewards need separation of duties: the officer who assessed a reward may not
approve it, and the one who marks it paid is neither. Old rows keep NULL
(nobody recorded), which blocks no one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = ("reward_assessed_by", "reward_approved_by")


def upgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
