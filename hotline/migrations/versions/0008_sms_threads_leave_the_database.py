"""SMS threads leave the database: sms_threads is dropped

A thread's state now lives in Redis (or a worker's memory) for 30 minutes,
keyed by an Argon2id derivation over the pepper and the sender's number: the
database plus keys/ no longer let anyone enumerate phone numbers to find a
live thread's case. Threads live at most 30 minutes, so the few in progress at
upgrade simply start over (the parts already filed stay filed, and their
reporters were shown their codename).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sms_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_threads_expires_at"))
    op.drop_table("sms_threads")


def downgrade() -> None:
    op.create_table(
        "sms_threads",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_state", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_sms_threads")),
    )
    with op.batch_alter_table("sms_threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_threads_expires_at"), ["expires_at"], unique=False)
