"""audit trail: append-only triggers and the chain head

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:55:00

Hand-written. Makes `audit_events` append-only in the database (UPDATE and
DELETE refused by triggers on PostgreSQL and SQLite, TRUNCATE too on
PostgreSQL) and creates `audit_chain_head`, the one-row table every append
locks to keep the hash chain linear (see edc.audit.trail). The head starts at
the last existing event, or at id 0 and 64 zeros (genesis) on an empty trail.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = 'audit_events is append-only'

POSTGRES_UP = [
    f"""CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END;
$$""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]
SQLITE_UP = [
    f"""CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_events_no_delete",
    "DROP TRIGGER IF EXISTS audit_events_no_update",
]


def upgrade() -> None:
    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name='audit_chain_head_single_row'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    last = op.get_bind().execute(sa.text(
        'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1')).one_or_none()
    op.bulk_insert(head, [{'id': 1, 'last_id': last[0] if last else 0,
                           'last_hash': last[1] if last else '0' * 64}])
    for statement in _statements(POSTGRES_UP, SQLITE_UP):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(POSTGRES_DOWN, SQLITE_DOWN):
        op.execute(statement)
    op.drop_table('audit_chain_head')


def _statements(postgres: list[str], sqlite: list[str]) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        return postgres
    if dialect == 'sqlite':
        return sqlite
    raise NotImplementedError(f'audit triggers are not written for {dialect}')
