"""the case page shows the reporter's language

A nullable column: cases filed before this revision, and those of channels
that do not know the language, show "not recorded".

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, never a batch copy (see 0009: a batch would recreate
    # disclosures on SQLite, cascading to its messages).
    op.add_column("disclosures", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("disclosures", "language")
