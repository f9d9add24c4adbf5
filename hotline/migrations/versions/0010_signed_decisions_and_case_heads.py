"""signed decisions, tagged files, case heads and the case ledger

Status changes, reward decisions and codename-register decisions gain the
acting officer's signature (``status_proof``, ``reward_proof``,
``decision_proof``, with who made them); files gain a number in their case and
the server's tag (``seq``, ``authenticity``); each case gains a head (item
count, last link, HMAC) and the instance a ledger of its cases, so deleting an
item or a whole case is noticed. ``officer_signing_keys`` keeps every signing
key an officer has had, with when it was valid, so a reset keeps their earlier
items verifiable. The migration cannot read keys/: ``hotline
init`` fills all of these in the same run (trust on upgrade); old rows stay
readable.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_DISCLOSURES = (
    ("status_by", sa.Integer()),
    ("status_proof", sa.LargeBinary()),
    ("reward_by", sa.Integer()),
    ("reward_proof", sa.LargeBinary()),
    ("head_count", sa.Integer()),
    ("head_link", sa.LargeBinary()),
    ("head_tag", sa.LargeBinary()),
)


# Plain ADD/DROP COLUMN (SQLite has both since 3.35): a batch copy of
# ``disclosures`` would lose its expression indexes (0009).


def upgrade() -> None:
    for name, kind in _DISCLOSURES:
        op.add_column("disclosures", sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("authenticity", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_proof", sa.LargeBinary(), nullable=True))
    op.create_table(
        "officer_signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("valid_from", sa.BigInteger(), nullable=False),
        sa.Column("valid_until", sa.BigInteger(), nullable=True),
        sa.Column("key_tag", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officers.id"],
            name=op.f("fk_officer_signing_keys_officer_id_officers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer_signing_keys")),
    )
    with op.batch_alter_table("officer_signing_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_officer_signing_keys_officer_id"), ["officer_id"], unique=False
        )
    op.create_table(
        "case_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.LargeBinary(), nullable=False),
        sa.Column("tag", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_ledger")),
    )


def downgrade() -> None:
    op.drop_table("case_ledger")
    with op.batch_alter_table("officer_signing_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_signing_keys_officer_id"))
    op.drop_table("officer_signing_keys")
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_column("decision_proof")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("authenticity")
        batch_op.drop_column("seq")
    for name, _ in reversed(_DISCLOSURES):
        op.drop_column("disclosures", name)
