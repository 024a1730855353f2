"""captures.shot_phash: the perceptual hash of a rendered capture's screenshot

Revision ID: 0007_render
Revises: 0006_sharing
Create Date: 2026-11-30 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_render"
down_revision = "0006_sharing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("shot_phash", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("shot_phash")
