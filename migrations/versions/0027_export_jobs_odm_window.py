"""export jobs: the time window of an ODM export job

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 07:00:00.000000

An export job may now write the study's ODM file (format 'odm', issue 21), optionally only the
records changed within a window: `changed_since` (inclusive) and `changed_until` (exclusive).
Two nullable columns added in place; every existing job keeps no window. The downgrade drops them
(batch mode on SQLite, which recreates `export_jobs`; nothing refers to it).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('export_jobs', sa.Column('changed_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('export_jobs', sa.Column('changed_until', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_column('changed_until')
        batch_op.drop_column('changed_since')
