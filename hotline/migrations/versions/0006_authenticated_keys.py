"""Authenticated public keys: a key_tag on every public key, and alarms

Every public key the server seals to (queues, the recovery key, officers'
personal keys, reporters' codename keys) gains ``key_tag``:
HMAC(keys/key_tag_key, purpose ‖ owner ‖ version ‖ key). The migration cannot
read keys/, so existing keys are left NULL and tagged by ``hotline init`` in
the same run that applies this revision (trust on upgrade); afterwards a NULL
tag fails like a wrong one. ``alarms`` holds the tampered rows found since.

Officers gain a signing key pair (Ed25519 ‖ ML-DSA-65; made at their next
sign-in when missing) and messages ``authenticity``: the author's signature,
or the server's HMAC; ``hotline init`` gives every existing message the
server's HMAC in the upgrading run (trust on upgrade).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TAGGED = ("queues", "instance_keys", "officers", "reporters")


def upgrade() -> None:
    for table in _TAGGED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("key_tag", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("officers", schema=None) as batch_op:
        for column in ("signing_public_key", "signing_key_tag", "wrapped_signing_key"):
            batch_op.add_column(sa.Column(column, sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authenticity", sa.LargeBinary(), nullable=True))
    op.create_table(
        "alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarms")),
    )
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alarms_row"), ["row"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alarms_row"))
    op.drop_table("alarms")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("authenticity")
    with op.batch_alter_table("officers", schema=None) as batch_op:
        for column in ("wrapped_signing_key", "signing_key_tag", "signing_public_key"):
            batch_op.drop_column(column)
    for table in reversed(_TAGGED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("key_tag")
