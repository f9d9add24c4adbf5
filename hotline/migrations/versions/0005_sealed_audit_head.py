"""audit_head carries a seal: HMAC(audit_key, count ‖ last_link)

Without it, someone who can write to the database could delete the newest
audit events and rewrite the head to the last one kept, and the chain would
verify. The migration cannot read keys/, so an existing head is left NULL and
sealed by ``hotline init`` in the same run that applies this revision (trust
on upgrade); afterwards a NULL seal is reported as tampering.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seal", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("seal")
