"""sharing: TLP levels of cases and case features

Revision ID: 0006_sharing
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_sharing"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tlp", sa.String(length=16), server_default="AMBER", nullable=False)
        )
    with op.batch_alter_table("case_features", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tlp", sa.String(length=16), server_default="AMBER", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("case_features", schema=None) as batch_op:
        batch_op.drop_column("tlp")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("tlp")
