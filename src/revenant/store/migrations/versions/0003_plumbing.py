"""MinHash sketches stored with their scheme

Revision ID: 0003_plumbing
Revises: 0002_evidence
Create Date: 2026-11-24

Each capture's text MinHash is stored with the scheme that made it (parameters, our
format version, digests of datasketch's permutations and of a fixed sentence's
sketch), so a library upgrade can never silently mix sketches that do not compare.
Sketches stored before this revision were all made by the scheme named below.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_plumbing"
down_revision = "0002_evidence"
branch_labels = None
depends_on = None

BEFORE = (
    "minhash-v1 datasketch-affine32 num_perm=64 seed=1 shingle=3 bottom_k=1024 "
    "perms=d3b0534307063ffd sample=3a670af2e3e27ac1"
)
"""The scheme of every MinHash Revenant stored before this revision (datasketch 2.0.0)."""


def upgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("text_minhash_scheme", sa.String(length=200), nullable=True))
    captures = sa.table(
        "captures",
        sa.column("text_minhash", sa.LargeBinary()),
        sa.column("text_minhash_scheme", sa.String()),
    )
    op.execute(
        captures.update()
        .where(captures.c.text_minhash.is_not(None))
        .values(text_minhash_scheme=BEFORE)
    )


def downgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("text_minhash_scheme")
