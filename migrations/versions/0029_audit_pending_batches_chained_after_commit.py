"""audit pending: transactions' events chained after their commit by a sequencer

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 16:45:00.000000

`audit_pending` holds, per committed request transaction on PostgreSQL, its audit events as one JSON
row until the process's sequencer chains them into `audit_events` (edc.audit.sequencer): the chain
head is then locked once per pass over all pending transactions instead of once per transaction, to
its commit. Rows are inserted and deleted, never updated (a trigger on PostgreSQL, where the runtime
role may only SELECT, INSERT and DELETE). SQLite, whose writers are serialised by the database's
write lock anyway, keeps chaining in the transaction and leaves the table empty. New table only;
the downgrade drops it (chain any rows first: `edc audit verify` does).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_UP = [
    """CREATE FUNCTION audit_pending_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_pending rows are never updated' USING ERRCODE = 'restrict_violation';
END;
$$""",
    """CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
    FOR EACH ROW EXECUTE FUNCTION audit_pending_refuse_update()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_pending_no_update ON audit_pending",
    "DROP FUNCTION IF EXISTS audit_pending_refuse_update()",
]


def upgrade() -> None:
    op.create_table('audit_pending',
    sa.Column('batch', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('events', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('batch', name=op.f('pk_audit_pending'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRES_DOWN:
            op.execute(statement)
    op.drop_table('audit_pending')
